import type { Command } from 'commander';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE } from '@wharf/core';
import { listSignatures } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { say } from '../oras/command.js';
import {
  notationFlags,
  notationRemoteCommand,
  parseMaxSignatures,
  resolveArtifact,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { pathsOf } from '../notation/common.js';
import { node, renderTree } from '../oras/tree.js';

interface ListOptions extends NotationRemoteOptions {
  readonly maxSignatures?: string;
}

async function list(ctx: CommandContext, reference: string, opts: ListOptions): Promise<void> {
  const max = parseMaxSignatures(opts.maxSignatures);
  const paths = pathsOf(ctx);
  const flags = await notationFlags(ctx, paths, opts, reference);
  const {
    target,
    subject,
    reference: resolvedRef,
  } = await resolveArtifact(ctx, reference, flags, 'list');
  try {
    const sigs = (await listSignatures(target.store, subject, { signal: ctx.deps.signal })).slice(
      0,
      max,
    );
    if (sigs.length === 0) {
      say(ctx, `${resolvedRef} has no associated signatures`);
      return;
    }
    ctx.deps.stdout.write(
      renderTree(
        node(resolvedRef, [
          node(
            ARTIFACT_TYPE_NOTARY_SIGNATURE,
            sigs.map((s) => node(s.digest)),
          ),
        ]),
      ),
    );
  } finally {
    await target.close();
  }
}

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
      await list(context(), reference, opts);
    });
}
