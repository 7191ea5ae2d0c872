import { ARTIFACT_TYPE_NOTARY_SIGNATURE, isWharfError } from '@wharf/core';
import { fetchSignature, listSignatures } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { say, sayJson } from '../oras/command.js';
import {
  notationFlags,
  parseMaxSignatures,
  resolveArtifact,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { pathsOf } from '../notation/common.js';
import { inspectEnvelope } from '../notation/inspect.js';
import { node, renderTree, type TreeNode } from '../oras/tree.js';
import { usageError } from '../usage.js';

export interface InspectOptions extends NotationRemoteOptions {
  readonly maxSignatures?: string;
  readonly output?: string;
}

export async function inspect(
  ctx: CommandContext,
  reference: string,
  opts: InspectOptions,
): Promise<void> {
  // v1.3 called the tree `text`.
  const output = opts.output === 'text' ? 'tree' : (opts.output ?? 'tree');
  if (output !== 'tree' && output !== 'json') {
    throw usageError(`--output "${output}" is not supported (tree or json)`);
  }
  const max = parseMaxSignatures(opts.maxSignatures);
  const paths = pathsOf(ctx);
  const flags = await notationFlags(ctx, paths, opts, reference);
  const {
    target,
    subject,
    reference: resolvedRef,
  } = await resolveArtifact(ctx, reference, flags, 'inspect');
  const signal = ctx.deps.signal;
  const json: Record<string, unknown>[] = [];
  const nodes: TreeNode[] = [];
  let skipped = 0;
  try {
    const sigs = (await listSignatures(target.store, subject, { signal })).slice(0, max);
    for (const desc of sigs) {
      try {
        const got = await fetchSignature(target.store, desc, { subject, signal });
        const view = inspectEnvelope(got.envelope, got.manifest.envelope.mediaType);
        json.push({ digest: desc.digest, ...view.json });
        nodes.push(node(desc.digest, view.nodes));
      } catch (err) {
        if (isWharfError(err, 'ABORTED')) throw err;
        skipped++;
        ctx.logger.debug(
          { digest: desc.digest, err: err instanceof Error ? err.message : String(err) },
          'skipping a signature that cannot be read',
        );
      }
    }
  } finally {
    await target.close();
  }
  if (skipped > 0) {
    ctx.deps.stderr.write(
      `Warning: ${skipped} signature(s) could not be read and were skipped; use --debug for details\n`,
    );
  }
  if (output === 'json') {
    sayJson(ctx, { mediaType: subject.mediaType, signatures: json });
    return;
  }
  if (nodes.length === 0) {
    say(ctx, `${resolvedRef} has no associated signature`);
    return;
  }
  say(ctx, 'Inspecting all signatures for signed artifact');
  ctx.deps.stdout.write(
    renderTree(node(resolvedRef, [node(ARTIFACT_TYPE_NOTARY_SIGNATURE, nodes)])),
  );
}
