import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { notationRemoteCommand } from '../notation/flags.js';
import type { ListOptions } from './list-run.js';

// The declaration only (cheap to load for `--help`); the work is in `list-run.ts`, imported when it runs.

/** `wharf list`/`ls`: notation list. */
export function registerList(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('list')
    .alias('ls')
    .description('List the signatures of an artifact (notation list)')
    .argument(
      '<reference>',
      'registry/repo{:tag|@digest}, or with --oci-layout <dir>{:tag|@digest}',
    )
    .option('--max-signatures <n>', 'maximum number of signatures to list', '100');
  notationRemoteCommand(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  wharf list localhost:5000/net-monitor@sha256:8456f0...
  wharf ls --oci-layout ./layout:v1`,
    )
    .action(async (reference: string, opts: ListOptions) => {
      const { list } = await import('./list-run.js');
      await list(context(), reference, opts);
    });
}
