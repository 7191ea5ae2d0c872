/**
 * The metadata store: repositories, repository→blob links, manifests, tags, the
 * subject→referrers index and upload sessions. SQLite is the embedded default
 * ({@link SqliteMetadataStore}); the interface is async so a PostgreSQL store can follow.
 *
 * Rules every implementation keeps:
 * - multi-row changes are atomic (one transaction);
 * - {@link MetadataStore.putManifest} checks that referenced blobs and manifests exist in the
 *   same transaction that inserts the manifest, so a concurrent GC cannot remove them in between;
 * - times are epoch milliseconds.
 */
export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

export interface ManifestInfo {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly subject: string | undefined;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly createdAt: number;
}

export interface ReferrerInfo {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

export interface PutManifestInput {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly subject: string | undefined;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
  /** Blobs that must be linked in the repository (config, distributable layers). */
  readonly requiredBlobs: readonly string[];
  /** Blobs referenced but not required (non-distributable layers): recorded for GC only. */
  readonly optionalBlobs: readonly string[];
  /** Manifests that must exist in the repository (index children). */
  readonly requiredManifests: readonly string[];
  /** Tags to point at the manifest. */
  readonly tags: readonly string[];
  readonly now: number;
}

export type PutManifestResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly missingBlobs: readonly string[];
      readonly missingManifests: readonly string[];
    };

export interface Page<T> {
  readonly items: readonly T[];
  /** True when more items follow the last one returned. */
  readonly more: boolean;
}

export interface PageQuery {
  /** Return items strictly after this one. */
  readonly last?: string | undefined;
  readonly limit: number;
}

export interface UploadSession {
  readonly id: string;
  readonly repository: string;
  /** Bytes durably accepted so far. */
  readonly offset: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface GcPlan {
  /** Manifests deleted (repository + digest). */
  readonly manifests: readonly { readonly repository: string; readonly digest: string }[];
}

export interface MetadataStore {
  /** Creates the repository row if missing. */
  ensureRepository(repository: string, now: number): Promise<void>;
  repositoryExists(repository: string): Promise<boolean>;
  listRepositories(query: PageQuery): Promise<Page<string>>;

  /** The blob if it exists anywhere in the registry. */
  getBlob(digest: string): Promise<BlobInfo | undefined>;
  /** The blob if it is linked in `repository` (uploaded, mounted, or a manifest there). */
  getRepositoryBlob(repository: string, digest: string): Promise<BlobInfo | undefined>;
  /** Records a committed blob (idempotent) and links it in `repository`. */
  commitBlob(repository: string, blob: BlobInfo, now: number): Promise<void>;
  /** Links an existing blob into `repository`; false when the blob is unknown. */
  linkBlob(repository: string, digest: string, now: number): Promise<BlobInfo | undefined>;
  /** Removes the repository's link; false when it was not linked. */
  unlinkBlob(repository: string, digest: string): Promise<boolean>;
  /** Up to `limit` repositories that link `digest`. */
  repositoriesWithBlob(digest: string, limit: number): Promise<readonly string[]>;

  putManifest(input: PutManifestInput): Promise<PutManifestResult>;
  getManifest(repository: string, digest: string): Promise<ManifestInfo | undefined>;
  resolveTag(repository: string, tag: string): Promise<ManifestInfo | undefined>;
  /**
   * Deletes a manifest, the tags pointing at it, and (recursively) its referrers in the same
   * repository. Returns the deleted digests, or undefined when it did not exist.
   */
  deleteManifest(repository: string, digest: string): Promise<readonly string[] | undefined>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** undefined when the repository does not exist. */
  listTags(repository: string, query: PageQuery): Promise<Page<string> | undefined>;
  listReferrers(
    repository: string,
    subject: string,
    query: PageQuery & { readonly artifactType?: string | undefined },
  ): Promise<Page<ReferrerInfo>>;

  createUpload(session: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | undefined>;
  updateUpload(id: string, offset: number, now: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploads(): Promise<readonly UploadSession[]>;

  /**
   * GC mark and manifest sweep, in one transaction: roots are tags and manifests younger than
   * `cutoff`; index children and referrers of live manifests are live. Every other manifest
   * is deleted.
   */
  sweepManifests(cutoff: number): Promise<GcPlan>;
  /** Blobs not referenced by any manifest (nor being one) and not touched since `cutoff`. */
  unreferencedBlobs(cutoff: number): Promise<readonly string[]>;
  /**
   * Deletes the blob row and its links if it is still unreferenced and untouched since
   * `cutoff` (re-checked in the transaction). True when deleted.
   */
  deleteBlobIfUnreferenced(digest: string, cutoff: number): Promise<boolean>;
  /** True when a blob row exists (for orphan-file detection). */
  hasBlobRow(digest: string): Promise<boolean>;

  close(): Promise<void>;
}
