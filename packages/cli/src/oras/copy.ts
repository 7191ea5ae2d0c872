import {
  copy,
  extendedCopy,
  extendedCopyGraph,
  fetchAll,
  type CopyGraphOptions,
  type CopyProgressEvent,
  type PredecessorFinder,
} from '@wharf/content';
import { isDigest, isIndexMediaType, parseManifest, type Descriptor } from '@wharf/core';
import { selectPlatform, type PlatformSpec } from './platform.js';
import type { Progress } from './progress.js';
import { requireReference, requireWritable, type OpenedTarget } from './target.js';

export interface CopyRequest {
  /** Also copy referrers, recursively (`-r`). */
  readonly recursive: boolean;
  readonly concurrency: number;
  readonly signal: AbortSignal;
  /** Copy only this platform's manifest of an index. */
  readonly platform?: PlatformSpec | undefined;
}

/** Maps the copy engine's progress events onto oras's status lines / bars. */
export function progressHandler(progress: Progress): (e: CopyProgressEvent) => void {
  return (e) => {
    switch (e.kind) {
      case 'start':
        progress.start(e.descriptor);
        break;
      case 'bytes':
        progress.bytes(e.descriptor, e.bytes ?? 0);
        break;
      case 'done':
        progress.done(e.descriptor);
        break;
      case 'exists':
        progress.done(e.descriptor, 'exists');
        break;
      case 'skipped':
        progress.done(e.descriptor, 'skipped');
        break;
      case 'mounted':
        progress.done(e.descriptor, 'mounted');
        break;
    }
  };
}

/** The destination reference: its own tag/digest, else the source's tag, else the digest. */
export function destinationReference(src: OpenedTarget, dst: OpenedTarget): string | undefined {
  if (dst.reference !== undefined) return dst.reference;
  const s = src.reference;
  return s !== undefined && !isDigest(s) ? s : undefined;
}

/**
 * Copies the artifact `src` names to `dst` (oras cp): its graph, and with `recursive` every
 * referrer of it, referrers of referrers included (found through the source's referrers list,
 * i.e. the referrers API or the tag schema for registries, the layout's graph for layouts).
 * Blobs already in the destination are skipped; on one registry blobs are mounted.
 */
export async function copyArtifact(
  src: OpenedTarget,
  dst: OpenedTarget,
  request: CopyRequest,
  progress: Progress,
): Promise<Descriptor> {
  let srcRef = requireReference(src);
  if (request.platform !== undefined) {
    const root = await src.store.resolve(srcRef, { signal: request.signal });
    srcRef = (await selectPlatform(src.store, root, request.platform, request.signal)).digest;
  }
  const store = requireWritable(dst);
  const dstRef = destinationReference(src, dst) ?? '';
  const sameRegistry =
    src.repository !== undefined &&
    dst.repository !== undefined &&
    src.repository.registry.name === dst.repository.registry.name &&
    src.repository.name !== dst.repository.name;
  const srcRepo = src.repository?.name;
  const options: CopyGraphOptions = {
    concurrency: request.concurrency,
    signal: request.signal,
    onProgress: progressHandler(progress),
    ...(sameRegistry && srcRepo !== undefined ? { mountFrom: () => [srcRepo] } : {}),
  };
  if (!request.recursive) {
    if (dstRef === '') {
      const root = await src.store.resolve(srcRef, { signal: request.signal });
      return copy(src.store, root.digest, store, root.digest, options);
    }
    return copy(src.store, srcRef, store, dstRef, options);
  }
  const findPredecessors = (_s: PredecessorFinder, d: Descriptor): Promise<Descriptor[]> =>
    src.store.referrers(d, { signal: request.signal });
  const reference =
    dstRef !== '' ? dstRef : (await src.store.resolve(srcRef, { signal: request.signal })).digest;
  const root = await extendedCopy(src.store, srcRef, store, reference, {
    ...options,
    findPredecessors,
  });
  // As oras: the referrers of an index's manifests (per-platform signatures, SBOMs) come too.
  if (isIndexMediaType(root.mediaType)) {
    const doc = parseManifest(await fetchAll(src.store, root, { signal: request.signal }), {
      mediaType: root.mediaType,
    });
    if (doc.kind === 'index') {
      for (const child of doc.index.manifests) {
        await extendedCopyGraph(src.store, store, child, { ...options, findPredecessors });
      }
    }
  }
  return root;
}
