import { ARTIFACT_TYPE_NOTARY_SIGNATURE } from '@wharf/core';
import { listSignatures } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { say } from '../oras/command.js';
import {
  notationFlags,
  parseMaxSignatures,
  resolveArtifact,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { pathsOf } from '../notation/common.js';
import { node, renderTree } from '../oras/tree.js';

export interface ListOptions extends NotationRemoteOptions {
  readonly maxSignatures?: string;
}

export async function list(
  ctx: CommandContext,
  reference: string,
  opts: ListOptions,
): Promise<void> {
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
