import {
  ContentError,
  MANIFEST_MEDIA_TYPES,
  isManifestMediaType,
  isWharfError,
  manifestSubject,
  parseManifest,
  referrerDescriptor,
  type Descriptor,
  type Logger,
} from '@wharf/core';
import type {
  Deleter,
  GraphTarget,
  Mounter,
  PushContent,
  PushOptions,
  ReferrersOptions,
  SignalOptions,
  TagLister,
} from '@wharf/content';
import { blobExists, deleteBlob, fetchBlob } from './blobs.js';
import type { RepoContext } from './internal/context.js';
import { iterateOnce } from './internal/body.js';
import { paginate, stringArray, type PageOptions } from './internal/paginate.js';
import {
  deleteManifest,
  fetchManifest,
  fetchManifestByReference,
  pushManifest,
  resolveManifest,
  type FetchedManifest,
} from './manifests.js';
import {
  ReferrersState,
  listReferrers,
  updateTagIndex,
  type ReferrersMode,
  type ReferrersSupport,
} from './referrers.js';
import { repositoryScope } from './auth/scope.js';
import { RegistryClientError } from './errors.js';
import type { Registry } from './registry.js';
import { mountBlob, pushBlob } from './uploads.js';

/** Per-repository behaviour. */
export interface RepositoryOptions {
  /** `auto` (default) detects the referrers API; `api` or `tag` force a mode. */
  readonly referrersMode?: ReferrersMode;
  /** Cap on manifests, listings and referrers pages; default 4 MiB. */
  readonly maxMetadataBytes?: number;
  /** Blobs above this size are uploaded in chunks; default 1 GiB. */
  readonly chunkedUploadThreshold?: number;
  /** Chunk size (raised to `OCI-Chunk-Min-Length` when the registry asks); default 64 MiB. */
  readonly chunkSize?: number;
  /** `n` for tag listing; default: the registry's page size. */
  readonly tagListPageSize?: number;
  /** Page cap of tag and referrers listings; default 1,000. */
  readonly maxPages?: number;
  /** Hash pushed streams and refuse ones that do not match their descriptor; default true. */
  readonly verifyPushes?: boolean;
  /** Accept list for manifests; default the oras-go list. */
  readonly manifestMediaTypes?: readonly string[];
  /** Attempts of a referrers tag-index update; default 5. */
  readonly referrersUpdateAttempts?: number;
  /**
   * Delay (±50 % jitter) between a tag-index PUT and the read that checks no concurrent writer
   * overwrote it; default 150 ms. Taken outside the in-process lock, once per batch of changes
   * to one subject's index, so several referrers pushed at once share it.
   */
  readonly referrersVerifyDelayMs?: number;
  /**
   * Let a manifest push return once the tag-index PUT carrying its referrer entry landed, and
   * run the lost-update check (delay, re-read, re-apply) in the background; `settleReferrers()`
   * waits for every pending check and throws the first failure (`REFERRERS_CONFLICT`). For
   * callers that push many referrers in one go (`copy -r`) and settle before reporting
   * success: the checks of all levels overlap. Default false (each push waits for its check).
   */
  readonly referrersDeferVerification?: boolean;
}

/**
 * A repository on a remote registry, implementing the `@wharf/content` capability interfaces
 * (`GraphTarget`, `Deleter`, `TagLister`, `Mounter`) so the copy engine works with it.
 * Manifests are told from blobs by media type.
 *
 * @example
 * const repo = new Registry('localhost:5000').repository('acme/app');
 * const desc = await repo.resolve('v1');
 * for await (const chunk of await repo.fetch(desc)) process(chunk);
 */
export class RemoteRepository implements GraphTarget, Deleter, TagLister, Mounter {
  readonly registry: Registry;
  readonly name: string;
  readonly #ctx: RepoContext;
  readonly #referrers: ReferrersState;
  readonly #options: RepositoryOptions;
  /** Background referrers checks (`referrersDeferVerification`) and their failures. */
  readonly #pendingChecks = new Set<Promise<void>>();
  readonly #checkFailures: Error[] = [];

  constructor(registry: Registry, name: string, options: RepositoryOptions = {}) {
    this.registry = registry;
    this.name = name;
    this.#options = options;
    this.#referrers = new ReferrersState(options.referrersMode ?? 'auto');
    const base = registry.baseUrl;
    const logger: Logger = registry.logger;
    this.#ctx = {
      registry: registry.name,
      name,
      url: (path) => new URL(`/v2/${name}/${path}`, base),
      send: (req, scopes) => registry.send(req, scopes),
      logger,
      maxMetadataBytes: options.maxMetadataBytes ?? 4 * 1024 * 1024,
      maxRetries: registry.options.retry?.maxRetries ?? 5,
      manifestMediaTypes: options.manifestMediaTypes ?? MANIFEST_MEDIA_TYPES,
      verifyPushes: options.verifyPushes ?? true,
      chunkedUploadThreshold: options.chunkedUploadThreshold ?? 1024 * 1024 * 1024,
      chunkSize: options.chunkSize ?? 64 * 1024 * 1024,
    };
  }

  /** The referrers API support detected so far (`unknown` until a probe or push tells). */
  get referrersSupport(): ReferrersSupport {
    return this.#referrers.support;
  }

  /** Fetches a blob (streamed, verified, resumable) or a manifest (buffered, verified). */
  async fetch(desc: Descriptor, options: SignalOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    if (isManifestMediaType(desc.mediaType)) {
      const bytes = await fetchManifest(this.#ctx, desc, options.signal);
      return iterateOnce(bytes);
    }
    return fetchBlob(this.#ctx, desc, options.signal);
  }

  /** Resolves a tag or digest and fetches the manifest in one GET (oras-go `FetchReference`). */
  fetchReference(reference: string, options: SignalOptions = {}): Promise<FetchedManifest> {
    return fetchManifestByReference(this.#ctx, reference, options.signal);
  }

  /** Fetches a manifest's exact bytes by descriptor. */
  fetchManifest(desc: Descriptor, options: SignalOptions = {}): Promise<Uint8Array> {
    return fetchManifest(this.#ctx, desc, options.signal);
  }

  /** HEAD for blobs, resolve-by-digest for manifests. */
  async exists(desc: Descriptor, options: SignalOptions = {}): Promise<boolean> {
    if (!isManifestMediaType(desc.mediaType)) return blobExists(this.#ctx, desc, options.signal);
    try {
      const got = await resolveManifest(this.#ctx, desc.digest, options.signal);
      return got.size === desc.size;
    } catch (err) {
      if (isWharfError(err, 'NOT_FOUND')) return false;
      throw err;
    }
  }

  /** Pushes a blob, or a manifest by digest (maintaining the referrers tag index if needed). */
  async push(desc: Descriptor, content: PushContent, options: PushOptions = {}): Promise<void> {
    if (isManifestMediaType(desc.mediaType)) {
      await this.#pushManifest(
        desc,
        await collect(content, this.#ctx.maxMetadataBytes),
        desc.digest,
        options.signal,
      );
      return;
    }
    await pushBlob(this.#ctx, desc, content, options.signal, {
      verify: this.#ctx.verifyPushes && options.descriptorFromContent !== true,
    });
  }

  /** Pushes a manifest under a tag in one PUT (oras-go `PushReference`). */
  async pushReference(
    desc: Descriptor,
    content: PushContent,
    reference: string,
    options: SignalOptions = {},
  ): Promise<void> {
    await this.#pushManifest(
      desc,
      await collect(content, this.#ctx.maxMetadataBytes),
      reference,
      options.signal,
    );
  }

  async #pushManifest(
    desc: Descriptor,
    bytes: Uint8Array,
    reference: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const result = await pushManifest(this.#ctx, desc, bytes, reference, { signal });
    let subject: Descriptor | undefined;
    let entry: Descriptor | undefined;
    try {
      const doc = parseManifest(bytes, {
        mediaType: desc.mediaType,
        maxBytes: this.#ctx.maxMetadataBytes,
      });
      subject = manifestSubject(doc);
      entry = referrerDescriptor(doc, desc.digest, desc.size);
    } catch {
      return; // Not a manifest Wharf parses: no subject to index.
    }
    if (!subject) return;
    // A forced tag mode (`--distribution-spec v1.1-referrers-tag`) maintains the tag index even
    // when the registry also indexed the subject, as oras does.
    if (result.subject !== undefined && this.#referrers.mode !== 'tag') {
      this.#referrers.detect('supported');
      return;
    }
    if (this.#referrers.mode === 'api') return;
    this.#referrers.detect('unsupported');
    if (!this.#options.referrersDeferVerification) {
      await updateTagIndex(
        this.#ctx,
        this.#referrers,
        subject,
        { add: entry },
        this.#updateOptions(signal),
      );
      return;
    }
    let written = false;
    let markWritten!: () => void;
    const landed = new Promise<void>((resolve) => (markWritten = resolve));
    const update = updateTagIndex(
      this.#ctx,
      this.#referrers,
      subject,
      { add: entry },
      {
        ...this.#updateOptions(signal),
        onWritten: () => {
          written = true;
          markWritten();
        },
      },
    );
    // A failure before the PUT landed is this push's own error (thrown below); after it, it
    // belongs to the background check and surfaces in settleReferrers().
    const check = update.then(
      () => undefined,
      (err: unknown) => {
        if (!written) return;
        this.#checkFailures.push(
          err instanceof Error ? err : new RegistryClientError('REFERRERS_CONFLICT', String(err)),
        );
      },
    );
    this.#pendingChecks.add(check);
    void check.then(() => this.#pendingChecks.delete(check));
    await Promise.race([landed, update]);
  }

  /**
   * Waits for the background referrers checks of `referrersDeferVerification` (none otherwise)
   * and throws the first failure, if any.
   * @throws RegistryClientError `REFERRERS_CONFLICT`
   */
  async settleReferrers(): Promise<void> {
    while (this.#pendingChecks.size > 0) await Promise.all([...this.#pendingChecks]);
    const failure = this.#checkFailures.shift();
    this.#checkFailures.length = 0;
    if (failure !== undefined) throw failure;
  }

  #updateOptions(signal: AbortSignal | undefined) {
    return {
      signal,
      ...(this.#options.referrersUpdateAttempts === undefined
        ? {}
        : { attempts: this.#options.referrersUpdateAttempts }),
      ...(this.#options.referrersVerifyDelayMs === undefined
        ? {}
        : { verifyDelayMs: this.#options.referrersVerifyDelayMs }),
    };
  }

  /** Resolves a tag or digest to a descriptor (HEAD, falling back to GET). */
  resolve(reference: string, options: SignalOptions = {}): Promise<Descriptor> {
    return resolveManifest(this.#ctx, reference, options.signal);
  }

  /** Tags a manifest: fetches its bytes and PUTs them under `reference`. */
  async tag(desc: Descriptor, reference: string, options: SignalOptions = {}): Promise<void> {
    const bytes = await fetchManifest(this.#ctx, desc, options.signal);
    await pushManifest(this.#ctx, desc, bytes, reference, { signal: options.signal });
  }

  /**
   * Deletes a blob or a manifest. Deleting a manifest with a subject on a registry without the
   * referrers API also removes it from the subject's tag index.
   */
  async delete(desc: Descriptor, options: SignalOptions = {}): Promise<void> {
    if (!isManifestMediaType(desc.mediaType)) {
      await deleteBlob(this.#ctx, desc, options.signal);
      return;
    }
    let subject: Descriptor | undefined;
    if (this.#referrers.mode !== 'api') {
      try {
        const bytes = await fetchManifest(this.#ctx, desc, options.signal);
        subject = manifestSubject(
          parseManifest(bytes, { mediaType: desc.mediaType, maxBytes: this.#ctx.maxMetadataBytes }),
        );
      } catch (err) {
        if (isWharfError(err, 'NOT_FOUND')) throw err;
      }
    }
    await deleteManifest(this.#ctx, desc.digest, options.signal);
    if (!subject) return;
    if (this.#referrers.support === 'unknown') await this.#probeReferrers(options.signal);
    if (this.#referrers.support === 'unsupported') {
      await updateTagIndex(
        this.#ctx,
        this.#referrers,
        subject,
        { remove: desc.digest },
        this.#updateOptions(options.signal),
      );
    }
  }

  async #probeReferrers(signal: AbortSignal | undefined): Promise<void> {
    const zero: Descriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'0'.repeat(64)}`,
      size: 0,
    };
    try {
      await listReferrers(this.#ctx, this.#referrers, zero, { signal });
    } catch (err) {
      if (!isWharfError(err, 'NOT_FOUND')) throw err;
    }
  }

  /** Removes a tag (`DELETE /manifests/<tag>`; many registries refuse it). */
  async untag(reference: string, options: SignalOptions = {}): Promise<void> {
    await deleteManifest(this.#ctx, reference, options.signal);
  }

  /** All tags, following `Link` pagination. */
  async tags(options: SignalOptions & Omit<PageOptions, 'signal'> = {}): Promise<string[]> {
    const out: string[] = [];
    for await (const page of this.tagPages(options)) out.push(...page);
    return out;
  }

  /** Pages of `GET /v2/<name>/tags/list?n=&last=` (same-origin `Link` only, page cap). */
  tagPages(options: PageOptions = {}): AsyncGenerator<string[], void, undefined> {
    const first = this.#ctx.url('tags/list');
    const n = options.pageSize ?? this.#options.tagListPageSize;
    if (n !== undefined) first.searchParams.set('n', String(n));
    if (options.last !== undefined) first.searchParams.set('last', options.last);
    return paginate(
      first,
      (url) =>
        this.#ctx.send({ method: 'GET', url, signal: options.signal }, [
          repositoryScope(this.name, 'pull'),
        ]),
      (body, url) => stringArray(body, 'tags', url),
      {
        maxPages: options.maxPages ?? this.#options.maxPages ?? 1000,
        maxBytes: this.#ctx.maxMetadataBytes,
      },
    );
  }

  /** Referrers of `desc` (API or tag schema), as index entries. */
  referrers(desc: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return listReferrers(this.#ctx, this.#referrers, desc, {
      artifactType: options.artifactType,
      signal: options.signal,
      maxPages: this.#options.maxPages,
    });
  }

  /** For a remote repository the known predecessors are its referrers. */
  predecessors(desc: Descriptor, options: SignalOptions = {}): Promise<Descriptor[]> {
    return this.referrers(desc, options);
  }

  /** Cross-repository mount; pushes from `getContent` when the registry declines. */
  async mount(
    desc: Descriptor,
    fromRepository: string,
    getContent?: () => Promise<AsyncIterable<Uint8Array>>,
    options: SignalOptions = {},
  ): Promise<void> {
    await mountBlob(this.#ctx, desc, fromRepository, getContent, options.signal);
  }
}

async function collect(content: PushContent, cap: number): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of content) {
    total += chunk.byteLength;
    if (total > cap)
      throw new ContentError('SIZE_LIMIT_EXCEEDED', `manifest exceeds the limit of ${cap} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
