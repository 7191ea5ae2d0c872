import type { Command } from 'commander';
import { parseOutputFormat, writeJson, type OutputFormat } from '../output.js';
import type { CommandContext } from '../deps.js';
import { versionInfo } from '../version.js';

/** `wharf version`: prints the version like oras and notation do. */
export function registerVersion(program: Command, context: () => CommandContext): void {
  program
    .command('version')
    .description('Show the wharf version information')
    .option('-o, --output <format>', 'output format: text or json', parseOutputFormat, 'text')
    .addHelpText(
      'after',
      `
Examples:
  # Print the version
  wharf version

  # Print the version as JSON
  wharf version --output json`,
    )
    .action((opts: { output: OutputFormat }) => {
      const { deps } = context();
      const info = versionInfo(deps.env);
      if (opts.output === 'json') {
        writeJson(deps.stdout, info);
        return;
      }
      deps.stdout.write(
        `Wharf - secure the container supply chain: registry, artifacts, signing, SBOM, scanning.\n\n` +
          `Version:     ${info.version}\n` +
          `Node.js:     ${info.nodeVersion}\n` +
          `OS/Arch:     ${info.platform}\n` +
          `Git commit:  ${info.gitCommit}\n`,
      );
    });
}
