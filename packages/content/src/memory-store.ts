import { ContentError, isDigest, isManifestMediaType, type Descriptor } from '@wharf/core';
import { verifyBytes, verifyContent } from '@wharf/core';
import { throwIfAborted } from './internal/abort.js';
import { concatChunks, iterateBytes } from './internal/bytes.js';
import { GraphIndex } from './internal/graph.js';
import { isVerifiedFor } from './internal/verified.js';
import { validateTag } from './internal/reference.js';
import { validateDescriptor } from './fetch.js';
import type {
  Deleter,
  GraphTarget,
  PushContent,
  ReferencePusher,
  ReferrersOptions,
  SignalOptions,
  TagLister,
  Untagger,
} from './types.js';

interface Entry {
  readonly desc: Descriptor;
  readonly bytes: Uint8Array;
}

/**
 * A content store in memory, with tags and a predecessor/referrer graph built as manifests are
 * pushed. Content is verified on push and trusted afterwards; fetched chunks are the stored bytes
 * themselves (do not mutate them).
 *
 * @example
 * const store = new MemoryStore();
 * const desc = await pushBytes(store, 'text/plain', new TextEncoder().encode('hi'));
 * await store.tag(desc, 'v1');
 */
export class MemoryStore implements GraphTarget, Deleter, TagLister, Untagger, ReferencePusher {
  readonly #content = new Map<string, Entry>();
  readonly #tags = new Map<string, Descriptor>();
  readonly #graph = new GraphIndex();

  /** Number of blobs (including manifests) held. */
  get size(): number {
    return this.#content.size;
  }

  async fetch(desc: Descriptor, options: SignalOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    throwIfAborted(options.signal);
    const entry = this.#content.get(desc.digest);
    if (!entry || entry.bytes.byteLength !== desc.size) {
      throw new ContentError('NOT_FOUND', `${desc.digest}: not found`, {
        detail: { digest: desc.digest },
      });
    }
    // Not marked self-verifying: callers may have mutated the array they pushed, so destinations
    // re-hash it.
    return Promise.resolve(iterateBytes(entry.bytes));
  }

  async push(desc: Descriptor, content: PushContent, options: SignalOptions = {}): Promise<void> {
    validateDescriptor(desc);
    throwIfAborted(options.signal);
    if (this.#content.has(desc.digest)) {
      throw new ContentError('ALREADY_EXISTS', `${desc.digest}: already exists`, {
        detail: { digest: desc.digest },
      });
    }
    let bytes: Uint8Array;
    if (content instanceof Uint8Array) {
      verifyBytes(content, desc);
      bytes = content;
    } else {
      const chunks: Uint8Array[] = [];
      const source = isVerifiedFor(content, desc)
        ? content
        : verifyContent(content, desc, options.signal);
      for await (const chunk of source) chunks.push(chunk);
      bytes = concatChunks(chunks, desc.size);
    }
    throwIfAborted(options.signal);
    if (this.#content.has(desc.digest)) return;
    this.#content.set(desc.digest, { desc, bytes });
    this.#graph.indexBytes(desc, bytes);
  }

  /** Pushes (content already present is fine) and tags in one step. */
  async pushReference(
    desc: Descriptor,
    content: PushContent,
    reference: string,
    options: SignalOptions = {},
  ): Promise<void> {
    validateTag(reference);
    if (!this.#content.has(desc.digest)) await this.push(desc, content, options);
    this.#tags.set(reference, desc);
  }

  exists(desc: Descriptor): Promise<boolean> {
    const entry = this.#content.get(desc.digest);
    return Promise.resolve(entry !== undefined && entry.bytes.byteLength === desc.size);
  }

  async resolve(reference: string): Promise<Descriptor> {
    const tagged = this.#tags.get(reference);
    if (tagged) return Promise.resolve(tagged);
    if (isDigest(reference)) {
      const entry = this.#content.get(reference);
      if (entry) return Promise.resolve(entry.desc);
    }
    throw new ContentError('NOT_FOUND', `${reference}: not found`, { detail: { reference } });
  }

  async tag(desc: Descriptor, reference: string): Promise<void> {
    validateTag(reference);
    if (!this.#content.has(desc.digest)) {
      throw new ContentError('NOT_FOUND', `${desc.digest}: not found`, {
        detail: { digest: desc.digest },
      });
    }
    this.#tags.set(reference, desc);
    return Promise.resolve();
  }

  async untag(reference: string): Promise<void> {
    if (!this.#tags.delete(reference)) {
      throw new ContentError('NOT_FOUND', `${reference}: not found`, { detail: { reference } });
    }
    return Promise.resolve();
  }

  tags(): Promise<string[]> {
    return Promise.resolve([...this.#tags.keys()].sort());
  }

  async delete(desc: Descriptor): Promise<void> {
    if (!this.#content.delete(desc.digest)) {
      throw new ContentError('NOT_FOUND', `${desc.digest}: not found`, {
        detail: { digest: desc.digest },
      });
    }
    this.#graph.remove(desc.digest);
    for (const [tag, d] of this.#tags) if (d.digest === desc.digest) this.#tags.delete(tag);
    return Promise.resolve();
  }

  predecessors(desc: Descriptor): Promise<Descriptor[]> {
    return Promise.resolve(this.#graph.predecessors(desc.digest));
  }

  referrers(desc: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return Promise.resolve(this.#graph.referrers(desc.digest, options.artifactType));
  }

  /** True when `desc` names a manifest this store has indexed. */
  isIndexed(desc: Descriptor): boolean {
    return isManifestMediaType(desc.mediaType) && this.#graph.has(desc.digest);
  }
}
