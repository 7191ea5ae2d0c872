import { type Descriptor } from '@wharf/core';
import { isGraphNode, parseNode } from '../internal/manifest.js';
import type {
  PredecessorFinder,
  ReadOnlyGraphStorage,
  ReadOnlyTarget,
  Resolver,
  Storage,
  Target,
} from '../types.js';
import { GraphCopier, type CopyGraphOptions } from './engine.js';
import { toCopyError } from './errors.js';

/** Options of {@link copy}. */
export interface CopyOptions extends CopyGraphOptions {
  /**
   * Maps the resolved root before copying (e.g. pick a platform from an index). Fetches through
   * the copier's manifest cache are free for the copy that follows.
   */
  readonly mapRoot?: (
    src: ReadOnlyTarget,
    root: Descriptor,
    fetchManifest: (d: Descriptor) => Promise<Uint8Array>,
  ) => Promise<Descriptor>;
}

async function resolveRoot(
  src: Resolver,
  reference: string,
  signal?: AbortSignal,
): Promise<Descriptor> {
  try {
    return await src.resolve(reference, signal ? { signal } : {});
  } catch (err) {
    throw toCopyError(err, 'source', 'resolve', undefined);
  }
}

async function tagRoot(
  copier: GraphCopier,
  dst: Target,
  root: Descriptor,
  reference: string,
  signal?: AbortSignal,
): Promise<void> {
  if (copier.referenceApplied(root)) return;
  try {
    await dst.tag(root, reference, signal ? { signal } : {});
  } catch (err) {
    throw toCopyError(err, 'destination', 'tag', root);
  }
}

/**
 * Resolves `srcRef` in `src`, copies its graph to `dst` and tags the root as `dstRef` (default:
 * `srcRef`). Returns the root descriptor. When the destination is a `ReferencePusher`, the root is
 * pushed and tagged in one step.
 *
 * @throws CopyError
 * @example
 * const root = await copy(registry, 'v1', layout, 'v1', { concurrency: 4 });
 */
export async function copy(
  src: ReadOnlyTarget,
  srcRef: string,
  dst: Target,
  dstRef = '',
  options: CopyOptions = {},
): Promise<Descriptor> {
  const reference = dstRef === '' ? srcRef : dstRef;
  const copier = new GraphCopier(src, dst, options);
  let root = await resolveRoot(src, srcRef, options.signal);
  if (options.mapRoot) {
    const fetchManifest = (d: Descriptor): Promise<Uint8Array> =>
      copier.cache.bytes(d, options.signal);
    try {
      root = await options.mapRoot(src, root, fetchManifest);
    } catch (err) {
      throw toCopyError(err, 'source', 'fetch', root);
    }
  }
  copier.pushWithReference(root, reference);
  await copier.copy([root]);
  await tagRoot(copier, dst, root, reference, options.signal);
  return root;
}

/** Options of {@link extendedCopyGraph}. */
export interface ExtendedCopyGraphOptions extends CopyGraphOptions {
  /** Levels of predecessors to walk up; default unlimited. */
  readonly depth?: number;
  /** Predecessor finder; default `src.predecessors`. */
  readonly findPredecessors?: (
    src: PredecessorFinder,
    desc: Descriptor,
  ) => Promise<readonly Descriptor[]>;
  /**
   * Only follow predecessors whose artifact type matches (referrers such as signatures and SBOMs;
   * index parents without one are not followed). Manifests lacking `artifactType` on their
   * descriptor are fetched (once, cached) to learn it.
   */
  readonly artifactTypeFilter?: RegExp | ((artifactType: string | undefined) => boolean);
}

/**
 * Copies `node`'s graph plus everything that points at it, transitively (referrers, parent indexes):
 * walks predecessors upward to find the roots, then copies each root's graph, sharing one tracker.
 * Returns the roots copied.
 *
 * @throws CopyError
 * @example
 * await extendedCopyGraph(layout, registry, imageDesc, { artifactTypeFilter: /notary/ });
 */
export async function extendedCopyGraph(
  src: ReadOnlyGraphStorage,
  dst: Storage,
  node: Descriptor,
  options: ExtendedCopyGraphOptions = {},
): Promise<Descriptor[]> {
  const copier = new GraphCopier(src, dst, options);
  const roots = await findRoots(src, node, copier, options);
  await copier.copy(roots);
  return roots;
}

/**
 * Like {@link copy}, but also copies predecessors (referrers) of the resolved root; the tag goes on
 * the resolved node.
 */
export async function extendedCopy(
  src: ReadOnlyTarget & ReadOnlyGraphStorage,
  srcRef: string,
  dst: Target,
  dstRef = '',
  options: ExtendedCopyGraphOptions = {},
): Promise<Descriptor> {
  const reference = dstRef === '' ? srcRef : dstRef;
  const node = await resolveRoot(src, srcRef, options.signal);
  const copier = new GraphCopier(src, dst, options);
  const roots = await findRoots(src, node, copier, options);
  if (roots.some((r) => r.digest === node.digest)) copier.pushWithReference(node, reference);
  await copier.copy(roots);
  await tagRoot(copier, dst, node, reference, options.signal);
  return node;
}

async function artifactTypeOf(
  desc: Descriptor,
  copier: GraphCopier,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (desc.artifactType !== undefined || !isGraphNode(desc)) return desc.artifactType;
  const bytes = await copier.cache.bytes(desc, signal);
  const info = parseNode(desc, bytes);
  return info.referrer.artifactType;
}

async function findRoots(
  src: ReadOnlyGraphStorage,
  node: Descriptor,
  copier: GraphCopier,
  options: ExtendedCopyGraphOptions,
): Promise<Descriptor[]> {
  const depth = options.depth ?? Number.POSITIVE_INFINITY;
  const find =
    options.findPredecessors ??
    ((s: PredecessorFinder, d: Descriptor) =>
      s.predecessors(d, options.signal ? { signal: options.signal } : {}));
  const filter = options.artifactTypeFilter;
  const matches = (t: string | undefined): boolean =>
    filter === undefined
      ? true
      : typeof filter === 'function'
        ? filter(t)
        : t !== undefined && filter.test(t);
  const roots = new Map<string, Descriptor>();
  const visited = new Set<string>([node.digest]);
  let level: Descriptor[] = [node];
  for (let d = 0; level.length > 0; d++) {
    const next: Descriptor[] = [];
    for (const current of level) {
      let preds: readonly Descriptor[] = [];
      if (d < depth) {
        try {
          preds = await find(src, current);
        } catch (err) {
          throw toCopyError(err, 'source', 'predecessors', current);
        }
        if (filter !== undefined) {
          const kept: Descriptor[] = [];
          for (const p of preds) {
            let t: string | undefined;
            try {
              t = await artifactTypeOf(p, copier, options.signal);
            } catch (err) {
              throw toCopyError(err, 'source', 'fetch', p);
            }
            if (matches(t)) kept.push(p);
          }
          preds = kept;
        }
      }
      if (preds.length === 0) {
        roots.set(current.digest, current);
        continue;
      }
      for (const p of preds) {
        if (visited.has(p.digest)) continue;
        visited.add(p.digest);
        next.push(p);
      }
    }
    level = next;
  }
  return [...roots.values()];
}
