import type { Descriptor } from '@wharf/core';

/** Options shared by long operations. */
export interface SignalOptions {
  /** Cancels the operation; it then fails with `ContentError('ABORTED')`. */
  readonly signal?: AbortSignal;
}

/**
 * Content to push: either the whole blob in memory, or a stream of chunks. Node 20's `Readable`,
 * a web `ReadableStream` and async generators all qualify.
 */
export type PushContent = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Fetches content by descriptor. The promise settles once the content is known to exist (so
 * `NOT_FOUND` is thrown eagerly); the returned iterable then streams the bytes. Implementations
 * verify size and digest while streaming unless the bytes are already trusted (memory stores).
 * Chunks are handed over without copying: consumers must not mutate them.
 *
 * A caller that stops early should break out of its `for await` loop (which calls `return()`), so
 * the underlying file or socket is released.
 */
export interface Fetcher {
  fetch(desc: Descriptor, options?: SignalOptions): Promise<AsyncIterable<Uint8Array>>;
}

/**
 * Pushes content under a descriptor. Stores verify the bytes against `desc.digest` and `desc.size`
 * before making them visible, so a failed push leaves nothing behind. Streamed chunks may be held
 * (not copied) until written, so producers must not mutate a chunk after yielding it (Node streams
 * and fetch bodies never do). Pushing content that is
 * already present may throw `ContentError('ALREADY_EXISTS')`; the copy engine treats that as success.
 */
export interface Pusher {
  push(desc: Descriptor, content: PushContent, options?: PushOptions): Promise<void>;
}

/** Options of `Pusher.push`. */
export interface PushOptions extends SignalOptions {
  /**
   * The caller computed `desc` from this same content just before (a file hashed to build the
   * descriptor): a remote repository then skips hashing the stream a second time, because the
   * registry itself verifies the digest before committing (oras-go does not re-hash either).
   * Local stores verify regardless.
   */
  readonly descriptorFromContent?: boolean;
}

/** Tells whether content is present. */
export interface Exister {
  exists(desc: Descriptor, options?: SignalOptions): Promise<boolean>;
}

/** Resolves a reference (a tag, or a digest) to a descriptor. */
export interface Resolver {
  resolve(reference: string, options?: SignalOptions): Promise<Descriptor>;
}

/** Points a reference (tag) at a descriptor, which must already be present. */
export interface Tagger {
  tag(desc: Descriptor, reference: string, options?: SignalOptions): Promise<void>;
}

/** Removes a tag; the content it pointed at stays. */
export interface Untagger {
  untag(reference: string, options?: SignalOptions): Promise<void>;
}

/** Deletes content (and, for manifests, every tag pointing at it). */
export interface Deleter {
  delete(desc: Descriptor, options?: SignalOptions): Promise<void>;
}

/** Lists tags, sorted. */
export interface TagLister {
  tags(options?: SignalOptions): Promise<string[]>;
}

/** Options of {@link ReferrerLister.referrers}. */
export interface ReferrersOptions extends SignalOptions {
  /** Only referrers of this artifact type. */
  readonly artifactType?: string;
}

/**
 * Lists the manifests whose `subject` is `desc`, as descriptors carrying `artifactType` and
 * `annotations` (the shape of a referrers-API index entry).
 */
export interface ReferrerLister {
  referrers(desc: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]>;
}

/** Lists the nodes that point at `desc` (manifests listing it as config, layer, child or subject). */
export interface PredecessorFinder {
  predecessors(desc: Descriptor, options?: SignalOptions): Promise<Descriptor[]>;
}

/** Mounts a blob from another repository of the same registry (cross-repo blob mount). */
export interface Mounter {
  /**
   * Mounts `desc` from `fromRepository`. When the registry refuses the mount, implementations fall
   * back to `getContent` and push.
   */
  mount(
    desc: Descriptor,
    fromRepository: string,
    getContent?: () => Promise<AsyncIterable<Uint8Array>>,
    options?: SignalOptions,
  ): Promise<void>;
}

/** Fetch + Exists. */
export interface ReadOnlyStorage extends Fetcher, Exister {}

/** Fetch + Exists + Push. */
export interface Storage extends ReadOnlyStorage, Pusher {}

/** Storage that can also walk its graph upward. */
export interface GraphStorage extends Storage, PredecessorFinder {}

/** Storage that can also walk its graph upward, read-only. */
export interface ReadOnlyGraphStorage extends ReadOnlyStorage, PredecessorFinder {}

/** A read-only source of tagged content. */
export interface ReadOnlyTarget extends ReadOnlyStorage, Resolver {}

/** A content store with tags: the destination (and source) type of {@link copy}. */
export interface Target extends Storage, Resolver, Tagger {}

/** A read-only target that can walk its graph upward. */
export interface ReadOnlyGraphTarget extends ReadOnlyTarget, PredecessorFinder {}

/** A target that can walk its graph upward and list referrers. */
export interface GraphTarget extends Target, PredecessorFinder, ReferrerLister {}

/** Pushes a manifest and tags it in one step (one index write, or one registry PUT by tag). */
export interface ReferencePusher {
  pushReference(
    desc: Descriptor,
    content: PushContent,
    reference: string,
    options?: SignalOptions,
  ): Promise<void>;
}
