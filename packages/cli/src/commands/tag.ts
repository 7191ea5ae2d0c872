import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { remoteCommand, say } from '../oras/command.js';
import { parseConcurrency, remoteFlags } from '../oras/options.js';
import { mapLimit } from '../oras/push.js';
import { openTarget, requireReference, requireWritable } from '../oras/target.js';

/** `wharf tag`: adds tags to a manifest. */
export function registerTag(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('tag')
    .description('Tag a manifest in a registry or an OCI image layout')
    .argument('<target>', 'name{:tag|@digest}')
    .argument('<tags...>', 'new tags')
    .option('--concurrency <n>', 'concurrent tag requests', '5');
  remoteCommand(cmd, { ociLayout: true });
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Add two tags to an existing tag
  wharf tag localhost:5000/hello:v1 v1.0 latest

  # Tag a digest in an OCI layout
  wharf tag --oci-layout ./layout@sha256:… stable`,
    )
    .action(async (target: string, tags: string[], opts: { concurrency?: string }) => {
      const ctx = context();
      const concurrency = parseConcurrency(opts.concurrency, 5);
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const desc = await t.store.resolve(requireReference(t), { signal });
        const store = requireWritable(t);
        const kind = t.kind === 'registry' ? '[registry]' : '[oci-layout]';
        say(ctx, `Tagging ${kind} ${t.name}@${desc.digest}`);
        await mapLimit(tags, concurrency, async (tag) => {
          await store.tag(desc, tag, { signal });
          say(ctx, `Tagged ${tag}`);
        });
      } finally {
        await t.close();
      }
    });
}
