import type { Descriptor } from '@wharf/core';
import { childOf, node, renderTree, yamlPair, type TreeNode } from './tree.js';
import type { ReadTarget } from './target.js';

/** A referrer and its own referrers. */
export interface Discovered {
  readonly descriptor: Descriptor;
  readonly referrers: Discovered[];
}

export interface DiscoverOptions {
  readonly artifactType: string | undefined;
  /** Levels to walk; undefined = all. */
  readonly depth: number | undefined;
  readonly signal: AbortSignal;
}

/** Lists the referrers of `subject`, recursively (referrers of referrers), as oras discover. */
export async function discoverReferrers(
  store: ReadTarget,
  subject: Descriptor,
  options: DiscoverOptions,
  level = 1,
  seen: Set<string> = new Set([subject.digest]),
): Promise<Discovered[]> {
  const list = await store.referrers(subject, {
    signal: options.signal,
    ...(options.artifactType !== undefined ? { artifactType: options.artifactType } : {}),
  });
  const out: Discovered[] = [];
  for (const desc of list) {
    if (options.artifactType !== undefined && desc.artifactType !== options.artifactType) continue;
    if (seen.has(desc.digest)) continue;
    seen.add(desc.digest);
    const nested =
      options.depth === undefined || level < options.depth
        ? await discoverReferrers(store, desc, options, level + 1, seen)
        : [];
    out.push({ descriptor: desc, referrers: nested });
  }
  return out;
}

/** The `--format json` document (oras field names). */
export function discoverJson(name: string, subject: Descriptor, referrers: Discovered[]): unknown {
  const entry = (d: Discovered): Record<string, unknown> => {
    const desc = d.descriptor;
    return {
      reference: `${name}@${desc.digest}`,
      mediaType: desc.mediaType,
      digest: desc.digest,
      size: desc.size,
      ...(desc.annotations && Object.keys(desc.annotations).length > 0
        ? { annotations: desc.annotations }
        : {}),
      ...(desc.artifactType !== undefined ? { artifactType: desc.artifactType } : {}),
      referrers: d.referrers.map(entry),
    };
  };
  return {
    reference: `${name}@${subject.digest}`,
    mediaType: subject.mediaType,
    digest: subject.digest,
    size: subject.size,
    referrers: referrers.map(entry),
  };
}

/** The default tree output: referrers grouped by artifact type, annotations as a subtree. */
export function discoverTree(name: string, subject: Descriptor, referrers: Discovered[]): string {
  const root = node(`${name}@${subject.digest}`);
  const add = (parent: TreeNode, list: Discovered[]): void => {
    for (const d of list) {
      const typeNode = childOf(parent, d.descriptor.artifactType || '<unknown>');
      const digestNode = node(d.descriptor.digest);
      typeNode.children.push(digestNode);
      const ann = d.descriptor.annotations ?? {};
      const keys = Object.keys(ann).sort();
      if (keys.length > 0) {
        digestNode.children.push(
          node(
            '[annotations]',
            keys.map((k) => node(yamlPair(k, ann[k] ?? ''))),
          ),
        );
      }
      add(digestNode, d.referrers);
    }
  };
  add(root, referrers);
  return renderTree(root);
}

/** The deprecated `table` format (first level only). */
export function discoverTable(raw: string, subject: Descriptor, referrers: Discovered[]): string {
  const width =
    Math.max(
      'Artifact Type'.length,
      ...referrers.map((r) => (r.descriptor.artifactType ?? '').length),
    ) + 3;
  const rows = referrers.map(
    (r) => `${(r.descriptor.artifactType ?? '').padEnd(width)}${r.descriptor.digest}`,
  );
  return (
    `Discovered ${referrers.length} artifacts referencing ${raw}\nDigest: ${subject.digest}\n\n` +
    `${'Artifact Type'.padEnd(width)}Digest\n${rows.map((r) => `${r}\n`).join('')}`
  );
}
