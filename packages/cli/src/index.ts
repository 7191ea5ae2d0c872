/**
 * @wharf/cli: the `wharf` command. The binary is `dist/bin.js`; `main()` runs it in-process.
 * @module
 */
export { main, createProgram } from './main.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export { resolvePaths, type WharfPaths } from './paths.js';
export type { CliDeps, CommandContext, TextOut } from './deps.js';
export { versionInfo, type VersionInfo } from './version.js';
