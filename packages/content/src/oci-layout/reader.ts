import {
  ContentError,
  isDigest,
  isManifestMediaType,
  parseManifest,
  parseSupportedDigest,
  type Descriptor,
} from '@wharf/core';
import { throwIfAborted } from '../internal/abort.js';
import { GraphIndex } from '../internal/graph.js';
import { verifiedStream } from '../internal/verified.js';

import { DEFAULT_MAX_METADATA_BYTES, fetchAll } from '../fetch.js';
import type {
  ReadOnlyGraphTarget,
  ReferrerLister,
  ReferrersOptions,
  SignalOptions,
  TagLister,
} from '../types.js';
import { refName, withoutRefName, type IndexModel } from './format.js';

/** Where a layout reader gets its bytes: a directory or a tar file. */
export interface LayoutSource {
  /** Size of the blob file, or undefined when absent. */
  blobSize(algorithm: string, encoded: string): Promise<number | undefined>;
  /** Raw (unverified) bytes of a blob; `size` is the size returned by blobSize. */
  blobStream(
    algorithm: string,
    encoded: string,
    size: number,
    signal?: AbortSignal,
  ): AsyncIterable<Uint8Array>;
}

/**
 * Read side shared by {@link OciLayoutStore} and the tar reader: verified fetches, tag resolution
 * from `index.json`, and a lazily built predecessor/referrer graph.
 */
export abstract class LayoutReader implements ReadOnlyGraphTarget, ReferrerLister, TagLister {
  protected index: IndexModel;
  protected readonly graph = new GraphIndex();
  #graphLoad: Promise<void> | undefined;

  protected readonly source: LayoutSource;
  protected readonly maxMetadataBytes: number;

  protected constructor(
    source: LayoutSource,
    index: IndexModel,
    maxMetadataBytes: number = DEFAULT_MAX_METADATA_BYTES,
  ) {
    this.source = source;
    this.index = index;
    this.maxMetadataBytes = maxMetadataBytes;
  }

  /** Re-reads `index.json` when another writer changed it (no-op for immutable sources). */
  protected refreshIndex(): Promise<void> {
    return Promise.resolve();
  }

  async fetch(desc: Descriptor, options: SignalOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const { algorithm, encoded } = parseSupportedDigest(desc.digest);
    throwIfAborted(options.signal);
    const size = await this.source.blobSize(algorithm, encoded);
    if (size === undefined) {
      throw new ContentError('NOT_FOUND', `${desc.digest}: not found`, {
        detail: { digest: desc.digest },
      });
    }
    if (size !== desc.size) {
      throw new ContentError(
        'SIZE_MISMATCH',
        `blob ${desc.digest} is ${size} bytes on disk, expected ${desc.size}`,
        { detail: { digest: desc.digest, expected: desc.size, actual: size } },
      );
    }
    return verifiedStream(
      this.source.blobStream(algorithm, encoded, size, options.signal),
      desc,
      options.signal,
    );
  }

  async exists(desc: Descriptor): Promise<boolean> {
    const { algorithm, encoded } = parseSupportedDigest(desc.digest);
    return (await this.source.blobSize(algorithm, encoded)) === desc.size;
  }

  /**
   * Resolves a tag (an index entry's `ref.name`) or a digest. The descriptor comes without its
   * `ref.name` annotation. A digest not listed in `index.json` resolves when its blob is a manifest.
   */
  async resolve(reference: string, options: SignalOptions = {}): Promise<Descriptor> {
    await this.refreshIndex();
    let found: Descriptor | undefined;
    for (const d of this.index.manifests) if (refName(d) === reference) found = d;
    if (found) return withoutRefName(found);
    if (isDigest(reference)) {
      const entry = this.index.manifests.find((d) => d.digest === reference);
      if (entry) return withoutRefName(entry);
      const sniffed = await this.#sniffManifest(reference, options.signal);
      if (sniffed) return sniffed;
    }
    throw new ContentError('NOT_FOUND', `${reference}: not found`, { detail: { reference } });
  }

  async #sniffManifest(digest: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
    const { algorithm, encoded } = parseSupportedDigest(digest);
    const size = await this.source.blobSize(algorithm, encoded);
    if (size === undefined || size > this.maxMetadataBytes) return undefined;
    const probe: Descriptor = { mediaType: 'application/octet-stream', digest, size };
    const bytes = await fetchAll(this, probe, {
      maxBytes: this.maxMetadataBytes,
      ...(signal ? { signal } : {}),
    });
    try {
      const doc = parseManifest(bytes);
      return { mediaType: doc.mediaType, digest, size };
    } catch {
      return undefined;
    }
  }

  /** Tags (distinct `ref.name` values), sorted. */
  async tags(): Promise<string[]> {
    await this.refreshIndex();
    const set = new Set<string>();
    for (const d of this.index.manifests) {
      const r = refName(d);
      if (r !== undefined) set.add(r);
    }
    return [...set].sort();
  }

  /** The raw `index.json` entries (with `ref.name`), as last read. */
  async entries(): Promise<Descriptor[]> {
    await this.refreshIndex();
    return [...this.index.manifests];
  }

  async predecessors(desc: Descriptor, options: SignalOptions = {}): Promise<Descriptor[]> {
    await this.loadGraph(options.signal);
    return this.graph.predecessors(desc.digest);
  }

  async referrers(desc: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    await this.loadGraph(options.signal);
    return this.graph.referrers(desc.digest, options.artifactType);
  }

  /**
   * Indexes every manifest reachable from `index.json` (fetching manifests only, verified), once.
   */
  protected async loadGraph(signal?: AbortSignal): Promise<void> {
    await this.refreshIndex();
    this.#graphLoad ??= this.#walkIndex(signal).catch((err: unknown) => {
      this.#graphLoad = undefined;
      throw err;
    });
    await this.#graphLoad;
    // Entries added by other writers since the load.
    const missing = this.index.manifests.filter(
      (d) => isManifestMediaType(d.mediaType) && !this.graph.has(d.digest),
    );
    if (missing.length > 0) await this.#walk(missing, signal);
  }

  async #walkIndex(signal?: AbortSignal): Promise<void> {
    await this.#walk(this.index.manifests, signal);
  }

  async #walk(roots: readonly Descriptor[], signal?: AbortSignal): Promise<void> {
    const seen = new Set<string>();
    const queue = roots.filter((d) => isManifestMediaType(d.mediaType));
    while (queue.length > 0) {
      const batch = queue.splice(0, 16);
      await Promise.all(
        batch.map(async (desc) => {
          if (seen.has(desc.digest) || this.graph.has(desc.digest)) return;
          seen.add(desc.digest);
          if (!(await this.exists(desc))) return; // dangling entries are tolerated
          const bytes = await fetchAll(this, desc, {
            maxBytes: this.maxMetadataBytes,
            ...(signal ? { signal } : {}),
          });
          const node = this.graph.indexBytes(desc, bytes);
          for (const s of node?.successors ?? [])
            if (isManifestMediaType(s.mediaType)) queue.push(s);
        }),
      );
    }
  }
}
