import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { remoteCommand, say } from '../oras/command.js';
import { remoteFlags } from '../oras/options.js';
import { addPlatformOption, parsePlatform, selectPlatform } from '../oras/platform.js';
import { openTarget, requireReference } from '../oras/target.js';

/** `wharf resolve` (alias `digest`): prints the digest of a reference. */
export function registerResolve(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('resolve')
    .alias('digest')
    .description('Resolve a tag or digest to a digest')
    .argument('<target>', 'name{:tag|@digest}')
    .option('-l, --full-reference', 'print the full reference (name@digest)');
  remoteCommand(cmd, { ociLayout: true });
  addPlatformOption(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Print the digest of a tag
  wharf resolve localhost:5000/hello:v1

  # Print name@digest
  wharf resolve -l localhost:5000/hello:v1`,
    )
    .action(async (target: string, opts: { fullReference?: boolean; platform?: string }) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const desc = await selectPlatform(
          t.store,
          await t.store.resolve(requireReference(t), { signal }),
          parsePlatform(opts.platform),
          signal,
        );
        say(ctx, opts.fullReference ? `${t.name}@${desc.digest}` : desc.digest);
      } finally {
        await t.close();
      }
    });
}
