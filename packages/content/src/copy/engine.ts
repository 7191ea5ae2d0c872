import { setMaxListeners } from 'node:events';
import {
  ContentError,
  isNonDistributableMediaType,
  isWharfError,
  type Descriptor,
} from '@wharf/core';
import { throwIfAborted } from '../internal/abort.js';
import { isGraphNode, parseNode } from '../internal/manifest.js';
import { Semaphore } from '../internal/semaphore.js';
import { preserveBrand } from '../internal/verified.js';
import { DEFAULT_MAX_METADATA_BYTES, fetchAll } from '../fetch.js';
import type { Fetcher, Mounter, ReadOnlyStorage, ReferencePusher, Storage } from '../types.js';
import type { CopyError } from './errors.js';
import { toCopyError, type CopyOrigin } from './errors.js';

/** Default number of nodes copied at once (oras-go, dockerd, containerd). */
export const DEFAULT_COPY_CONCURRENCY = 3;

/**
 * A copy progress event.
 * - `start`: transfer of `descriptor` begins.
 * - `bytes`: `bytes` transferred so far for `descriptor` (cumulative; `descriptor.size` is the total).
 * - `done`: `descriptor` is now in the destination.
 * - `exists`: already in the destination; its whole sub-graph is skipped.
 * - `skipped`: not copied (non-distributable layer, or `preCopy` said so).
 * - `mounted`: cross-repository mounted instead of transferred.
 */
export interface CopyProgressEvent {
  readonly kind: 'start' | 'bytes' | 'done' | 'skipped' | 'mounted' | 'exists';
  readonly descriptor: Descriptor;
  readonly bytes?: number;
}

/** Options of {@link copyGraph}. */
export interface CopyGraphOptions {
  /** Nodes in flight at once. Default 3. */
  readonly concurrency?: number;
  /** Largest manifest read into memory. Default 4 MiB. */
  readonly maxMetadataBytes?: number;
  readonly signal?: AbortSignal;
  /** Progress events; called synchronously, keep it cheap. */
  readonly onProgress?: (event: CopyProgressEvent) => void;
  /** Called before a node is copied; return `'skip'` to leave it (and its sub-graph) out. */
  readonly preCopy?: (desc: Descriptor) => void | 'skip' | Promise<void | 'skip'>;
  /** Called after a node was copied (not for skipped or existing ones). */
  readonly postCopy?: (desc: Descriptor) => void | Promise<void>;
  /** Successor finder; default: manifest edges (config, layers, manifests, subject). */
  readonly findSuccessors?: (fetcher: Fetcher, desc: Descriptor) => Promise<readonly Descriptor[]>;
  /** Source repositories to try a cross-repository mount from, when the destination is a {@link Mounter}. */
  readonly mountFrom?: (desc: Descriptor) => readonly string[];
}

/**
 * A fetcher that keeps manifests fetched for successor discovery in memory, so each is downloaded
 * once and pushed from memory (oras-go's caching proxy).
 */
export class ManifestCache implements Fetcher {
  readonly #source: Fetcher;
  readonly #maxBytes: number;
  readonly #cache = new Map<string, Promise<Uint8Array>>();
  /** Number of fetches that reached the source. */
  sourceFetches = 0;

  constructor(source: Fetcher, maxBytes: number = DEFAULT_MAX_METADATA_BYTES) {
    this.#source = source;
    this.#maxBytes = maxBytes;
  }

  /** Fetches (verified) and caches the whole content. */
  bytes(desc: Descriptor, signal?: AbortSignal): Promise<Uint8Array> {
    let p = this.#cache.get(desc.digest);
    if (!p) {
      this.sourceFetches++;
      p = fetchAll(this.#source, desc, { maxBytes: this.#maxBytes, ...(signal ? { signal } : {}) });
      this.#cache.set(desc.digest, p);
      p.catch(() => this.#cache.delete(desc.digest));
    }
    return p;
  }

  has(desc: Descriptor): boolean {
    return this.#cache.has(desc.digest);
  }

  /** Drops a cached entry (after it was pushed). */
  evict(desc: Descriptor): void {
    this.#cache.delete(desc.digest);
  }

  async fetch(
    desc: Descriptor,
    options: { signal?: AbortSignal } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    if (this.#cache.has(desc.digest)) {
      const bytes = await this.bytes(desc, options.signal);
      return (async function* () {
        await Promise.resolve();
        yield bytes;
      })();
    }
    return this.#source.fetch(desc, options);
  }
}

function isMounter(v: unknown): v is Mounter {
  return typeof (v as Partial<Mounter>).mount === 'function';
}

function isReferencePusher(v: unknown): v is ReferencePusher {
  return typeof (v as Partial<ReferencePusher>).pushReference === 'function';
}

/** Verification failures of pushed bytes are the source's fault: the engine forwards them unchanged. */
function pushFailureOrigin(err: unknown): CopyOrigin {
  return isWharfError(err, 'DIGEST_MISMATCH') || isWharfError(err, 'SIZE_MISMATCH')
    ? 'source'
    : 'destination';
}

/**
 * The graph copier: tracks every node once across all roots, bounds concurrency with a semaphore
 * whose slot is released while a node waits for its children, and cancels everything on the first
 * failure, waiting for in-flight work to settle before reporting it (so stores can clean up).
 */
export class GraphCopier {
  readonly #src: ReadOnlyStorage;
  readonly #dst: Storage;
  readonly #options: CopyGraphOptions;
  readonly #sem: Semaphore;
  readonly #tracker = new Map<string, Promise<void>>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  readonly cache: ManifestCache;
  #firstError: CopyError | undefined;
  /** Tags to apply to nodes when they are pushed (digest → reference). */
  readonly #rootReferences = new Map<string, string>();
  readonly #appliedReferences = new Set<string>();

  constructor(src: ReadOnlyStorage, dst: Storage, options: CopyGraphOptions = {}) {
    this.#src = src;
    this.#dst = dst;
    this.#options = options;
    const concurrency = options.concurrency ?? DEFAULT_COPY_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ContentError(
        'UNSUPPORTED',
        `concurrency must be a positive integer, got ${concurrency}`,
      );
    }
    this.#sem = new Semaphore(concurrency);
    this.#signal = options.signal
      ? AbortSignal.any([options.signal, this.#controller.signal])
      : this.#controller.signal;
    // Every node waiting for a slot listens on this signal; wide graphs exceed the default of 10.
    setMaxListeners(0, this.#signal);
    this.cache = new ManifestCache(src, options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES);
  }

  /**
   * Asks for `reference` to be applied to `desc` when it is pushed (with `pushReference` when the
   * destination supports it, else push then tag by the caller).
   */
  pushWithReference(desc: Descriptor, reference: string): void {
    if (isReferencePusher(this.#dst)) this.#rootReferences.set(desc.digest, reference);
  }

  /** True when the reference asked for with {@link pushWithReference} was applied by the push. */
  referenceApplied(desc: Descriptor): boolean {
    return this.#appliedReferences.has(desc.digest);
  }

  /** Copies the graphs under `roots`. Rejects with a {@link CopyError}. */
  async copy(roots: readonly Descriptor[]): Promise<void> {
    try {
      throwIfAborted(this.#options.signal);
      await Promise.all(roots.map((r) => this.#node(r)));
    } catch (err) {
      const first = this.#firstError ?? toCopyError(err, 'source', 'fetch', undefined);
      this.#controller.abort(first);
      await this.#settle();
      throw this.#firstError ?? first;
    }
  }

  async #settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #node(desc: Descriptor): Promise<void> {
    let p = this.#tracker.get(desc.digest);
    if (!p) {
      p = this.#copyNode(desc).catch((err: unknown) => {
        const wrapped = toCopyError(err, 'source', 'fetch', desc);
        // The first real failure wins over the aborts it causes elsewhere.
        if (!this.#firstError && !(wrapped.code === 'ABORTED' && this.#controller.signal.aborted)) {
          this.#firstError = wrapped;
          this.#controller.abort(wrapped);
        }
        throw wrapped;
      });
      const tracked = p.then(
        () => undefined,
        () => undefined,
      );
      this.#inflight.add(tracked);
      void tracked.then(() => this.#inflight.delete(tracked));
      this.#tracker.set(desc.digest, p);
    }
    return p;
  }

  #emit(kind: CopyProgressEvent['kind'], descriptor: Descriptor, bytes?: number): void {
    const cb = this.#options.onProgress;
    if (cb) cb(bytes === undefined ? { kind, descriptor } : { kind, descriptor, bytes });
  }

  async #step<T>(
    origin: CopyOrigin,
    operation: CopyError['operation'],
    desc: Descriptor,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toCopyError(err, origin, operation, desc);
    }
  }

  async #copyNode(desc: Descriptor): Promise<void> {
    const signal = this.#signal;
    await this.#sem.acquire(signal);
    let held = true;
    try {
      throwIfAborted(signal);
      if (isNonDistributableMediaType(desc.mediaType)) {
        this.#emit('skipped', desc);
        return;
      }
      if (this.#options.preCopy && (await this.#options.preCopy(desc)) === 'skip') {
        this.#emit('skipped', desc);
        return;
      }
      const reference = this.#rootReferences.get(desc.digest);
      if (
        await this.#step('destination', 'exists', desc, () => this.#dst.exists(desc, { signal }))
      ) {
        this.#emit('exists', desc);
        return;
      }
      const graphNode = isGraphNode(desc) || this.#options.findSuccessors !== undefined;
      if (graphNode) {
        let successors: readonly Descriptor[];
        if (this.#options.findSuccessors) {
          const find = this.#options.findSuccessors;
          successors = await this.#step('source', 'fetch', desc, () => find(this.cache, desc));
        } else {
          const bytes = await this.#step('source', 'fetch', desc, () =>
            this.cache.bytes(desc, signal),
          );
          successors = await this.#step('source', 'parse', desc, () =>
            Promise.resolve(parseNode(desc, bytes).successors),
          );
        }
        if (successors.length > 0) {
          // Release the slot while the children run, so deep graphs cannot starve the pool.
          this.#sem.release();
          held = false;
          await Promise.all(successors.map((s) => this.#node(s)));
          await this.#sem.acquire(signal);
          held = true;
        }
      }
      if (await this.#tryMount(desc)) return;
      this.#emit('start', desc);
      if (graphNode && (this.cache.has(desc) || isGraphNode(desc))) {
        const bytes = await this.#step('source', 'fetch', desc, () =>
          this.cache.bytes(desc, signal),
        );
        await this.#push(desc, bytes, reference);
        this.cache.evict(desc);
        this.#emit('bytes', desc, bytes.byteLength);
      } else {
        await this.#streamBlob(desc);
      }
      this.#emit('done', desc);
      if (this.#options.postCopy) await this.#options.postCopy(desc);
    } finally {
      if (held) this.#sem.release();
    }
  }

  async #push(
    desc: Descriptor,
    content: Uint8Array | AsyncIterable<Uint8Array>,
    reference?: string,
  ): Promise<void> {
    const signal = this.#signal;
    try {
      if (reference !== undefined && isReferencePusher(this.#dst)) {
        await this.#dst.pushReference(desc, content, reference, { signal });
        this.#appliedReferences.add(desc.digest);
      } else {
        await this.#dst.push(desc, content, { signal });
      }
    } catch (err) {
      if (isWharfError(err, 'ALREADY_EXISTS')) return;
      throw err;
    }
  }

  async #streamBlob(desc: Descriptor): Promise<void> {
    const signal = this.#signal;
    const stream = await this.#step('source', 'fetch', desc, () =>
      this.#src.fetch(desc, { signal }),
    );
    let sourceError: unknown;
    let transferred = 0;
    const emit = this.#options.onProgress ? this.#emit.bind(this) : undefined;
    async function* counted(): AsyncGenerator<Uint8Array, void, undefined> {
      try {
        for await (const chunk of stream) {
          transferred += chunk.byteLength;
          emit?.('bytes', desc, transferred);
          yield chunk;
        }
      } catch (err) {
        sourceError = err;
        throw err;
      }
    }
    try {
      await this.#push(desc, preserveBrand(stream, counted(), desc));
    } catch (err) {
      if (sourceError !== undefined) throw toCopyError(sourceError, 'source', 'fetch', desc);
      throw toCopyError(err, pushFailureOrigin(err), 'push', desc);
    }
  }

  async #tryMount(desc: Descriptor): Promise<boolean> {
    const from = this.#options.mountFrom?.(desc) ?? [];
    const dst = this.#dst;
    if (from.length === 0 || !isMounter(dst) || isGraphNode(desc)) return false;
    const signal = this.#signal;
    for (const repo of from) {
      try {
        await dst.mount(desc, repo, undefined, { signal });
        this.#emit('mounted', desc);
        return true;
      } catch (err) {
        throwIfAborted(signal);
        void err; // try the next candidate, then fall back to a copy
      }
    }
    return false;
  }
}

/**
 * Copies the graph rooted at `root` from `src` to `dst`: children before parents, each node once,
 * sub-graphs already in `dst` skipped, manifests fetched once, non-distributable layers skipped.
 * On failure everything in flight is cancelled and has settled before the promise rejects.
 *
 * @throws CopyError (with `origin` and `operation`; `code` from the cause)
 * @example
 * await copyGraph(layout, registry, manifestDesc, { onProgress: (e) => bars.update(e) });
 */
export async function copyGraph(
  src: ReadOnlyStorage,
  dst: Storage,
  root: Descriptor,
  options: CopyGraphOptions = {},
): Promise<void> {
  await new GraphCopier(src, dst, options).copy([root]);
}
