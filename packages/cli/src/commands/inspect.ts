import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { notationRemoteCommand } from '../notation/flags.js';
import type { InspectOptions } from './inspect-run.js';

// The declaration only (cheap to load for `--help`); the work is in `inspect-run.ts`, imported when it runs.

/** `wharf inspect`: notation inspect (`-o tree|json`; v1.3's `text` = tree). */
export function registerInspect(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('inspect')
    .description('Show the signatures of an artifact with their attributes (notation inspect)')
    .argument(
      '<reference>',
      'registry/repo{:tag|@digest}, or with --oci-layout <dir>{:tag|@digest}',
    )
    .option('-o, --output <format>', 'tree or json', 'tree')
    .option('--max-signatures <n>', 'maximum number of signatures to inspect', '100');
  notationRemoteCommand(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  wharf inspect localhost:5000/net-monitor@sha256:8456f0...
  wharf inspect -o json localhost:5000/net-monitor:v1
  wharf inspect --oci-layout ./layout@sha256:8456f0...`,
    )
    .action(async (reference: string, opts: InspectOptions) => {
      const { inspect } = await import('./inspect-run.js');
      await inspect(context(), reference, opts);
    });
}
