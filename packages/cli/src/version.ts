import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly version: string;
}

/** The CLI's version, read from its package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson
).version;

const ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
};

/** `version` output; field names are stable (docs/cli.md). */
export interface VersionInfo {
  readonly version: string;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly gitCommit: string;
}

/** Collects version facts. The git commit comes from `WHARF_GIT_COMMIT` set at build time, else "unknown". */
export function versionInfo(env: Readonly<Record<string, string | undefined>>): VersionInfo {
  return {
    version: VERSION,
    nodeVersion: process.version,
    platform: `${process.platform}/${ARCH[process.arch] ?? process.arch}`,
    gitCommit: env['WHARF_GIT_COMMIT'] ?? 'unknown',
  };
}
