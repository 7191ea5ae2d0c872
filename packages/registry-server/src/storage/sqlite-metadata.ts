import { openDatabase, type Database } from '@wharf/sqlite';
import { StorageError } from '../errors.js';
import type {
  BlobInfo,
  GcPlan,
  ManifestInfo,
  MetadataStore,
  Page,
  PageQuery,
  PutManifestInput,
  PutManifestResult,
  ReferrerInfo,
  UploadSession,
} from './metadata.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS repositories (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  touched_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS repo_blobs (
  repo_id INTEGER NOT NULL,
  digest TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (repo_id, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS repo_blobs_by_digest ON repo_blobs (digest);
CREATE TABLE IF NOT EXISTS manifests (
  repo_id INTEGER NOT NULL,
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  subject TEXT,
  artifact_type TEXT,
  annotations TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (repo_id, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifests_by_subject ON manifests (repo_id, subject, digest) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS manifests_by_digest ON manifests (digest);
CREATE TABLE IF NOT EXISTS manifest_refs (
  repo_id INTEGER NOT NULL,
  parent TEXT NOT NULL,
  child TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('b', 'm')),
  PRIMARY KEY (repo_id, parent, child, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifest_refs_by_child ON manifest_refs (child, kind);
CREATE TABLE IF NOT EXISTS tags (
  repo_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (repo_id, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_digest ON tags (repo_id, digest);
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  offset INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface ManifestRow {
  digest: string;
  media_type: string;
  size: number;
  subject: string | null;
  artifact_type: string | null;
  annotations: string | null;
  created_at: number;
}

interface UploadRow {
  id: string;
  repository: string;
  offset: number;
  created_at: number;
  updated_at: number;
}

function parseAnnotations(text: string | null): Readonly<Record<string, string>> | undefined {
  return text === null ? undefined : (JSON.parse(text) as Record<string, string>);
}

/**
 * SQLite metadata store (better-sqlite3, WAL, `synchronous=NORMAL`): commits are durable at
 * the next checkpoint and never torn; blob data is fsync'd separately before it is published.
 * Prepared statements throughout; a name→id cache for repositories (rows are never deleted).
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly #db: Database;
  readonly #repoIds = new Map<string, number>();
  readonly #s: ReturnType<SqliteMetadataStore['prepare']>;
  #closed = false;

  constructor(file: string) {
    try {
      this.#db = openDatabase(file);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('foreign_keys = OFF');
      this.#db.pragma('busy_timeout = 5000');
      const version = this.#db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StorageError(
          'SCHEMA_TOO_NEW',
          `metadata schema ${version} is newer than this server (${SCHEMA_VERSION})`,
        );
      }
      this.#db.exec(SCHEMA);
      this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (cause) {
      if (cause instanceof StorageError) throw cause;
      throw new StorageError('IO_ERROR', `cannot open metadata database ${file}`, { cause });
    }
    this.#s = this.prepare();
  }

  private prepare() {
    const db = this.#db;
    return {
      repoId: db.prepare<[string], { id: number }>('SELECT id FROM repositories WHERE name = ?'),
      repoInsert: db.prepare<[string, number]>(
        'INSERT OR IGNORE INTO repositories (name, created_at) VALUES (?, ?)',
      ),
      repoList: db.prepare<[string, number], { name: string }>(
        'SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?',
      ),
      blobGet: db.prepare<[string], { size: number }>('SELECT size FROM blobs WHERE digest = ?'),
      repoBlobGet: db.prepare<[number, string], { size: number }>(
        'SELECT b.size FROM repo_blobs rb JOIN blobs b ON b.digest = rb.digest WHERE rb.repo_id = ? AND rb.digest = ?',
      ),
      repoManifestSize: db.prepare<[number, string], { size: number }>(
        'SELECT size FROM manifests WHERE repo_id = ? AND digest = ?',
      ),
      blobUpsert: db.prepare<[string, number, number, number]>(
        'INSERT INTO blobs (digest, size, created_at, touched_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (digest) DO UPDATE SET touched_at = excluded.touched_at',
      ),
      blobTouch: db.prepare<[number, string]>('UPDATE blobs SET touched_at = ? WHERE digest = ?'),
      link: db.prepare<[number, string, number]>(
        'INSERT OR IGNORE INTO repo_blobs (repo_id, digest, created_at) VALUES (?, ?, ?)',
      ),
      unlink: db.prepare<[number, string]>(
        'DELETE FROM repo_blobs WHERE repo_id = ? AND digest = ?',
      ),
      reposWithBlob: db.prepare<[string, number], { name: string }>(
        'SELECT r.name FROM repo_blobs rb JOIN repositories r ON r.id = rb.repo_id WHERE rb.digest = ? LIMIT ?',
      ),
      manifestInsert: db.prepare<
        [number, string, string, number, string | null, string | null, string | null, number]
      >(
        'INSERT INTO manifests (repo_id, digest, media_type, size, subject, artifact_type, annotations, created_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo_id, digest) DO UPDATE SET created_at = excluded.created_at',
      ),
      manifestGet: db.prepare<[number, string], ManifestRow>(
        'SELECT digest, media_type, size, subject, artifact_type, annotations, created_at FROM manifests WHERE repo_id = ? AND digest = ?',
      ),
      manifestDelete: db.prepare<[number, string]>(
        'DELETE FROM manifests WHERE repo_id = ? AND digest = ?',
      ),
      refInsert: db.prepare<[number, string, string, string]>(
        'INSERT OR IGNORE INTO manifest_refs (repo_id, parent, child, kind) VALUES (?, ?, ?, ?)',
      ),
      refsDelete: db.prepare<[number, string]>(
        'DELETE FROM manifest_refs WHERE repo_id = ? AND parent = ?',
      ),
      referrerDigests: db.prepare<[number, string], { digest: string }>(
        'SELECT digest FROM manifests WHERE repo_id = ? AND subject = ?',
      ),
      tagUpsert: db.prepare<[number, string, string, number]>(
        'INSERT INTO tags (repo_id, name, digest, updated_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (repo_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at',
      ),
      tagResolve: db.prepare<[number, string], ManifestRow>(
        'SELECT m.digest, m.media_type, m.size, m.subject, m.artifact_type, m.annotations, m.created_at ' +
          'FROM tags t JOIN manifests m ON m.repo_id = t.repo_id AND m.digest = t.digest WHERE t.repo_id = ? AND t.name = ?',
      ),
      tagDelete: db.prepare<[number, string]>('DELETE FROM tags WHERE repo_id = ? AND name = ?'),
      tagsDeleteByDigest: db.prepare<[number, string]>(
        'DELETE FROM tags WHERE repo_id = ? AND digest = ?',
      ),
      tagList: db.prepare<[number, string, number], { name: string }>(
        'SELECT name FROM tags WHERE repo_id = ? AND name > ? ORDER BY name LIMIT ?',
      ),
      referrers: db.prepare<[number, string, string, number], ManifestRow>(
        'SELECT digest, media_type, size, subject, artifact_type, annotations, created_at FROM manifests ' +
          'WHERE repo_id = ? AND subject = ? AND digest > ? ORDER BY digest LIMIT ?',
      ),
      referrersByType: db.prepare<[number, string, string, string, number], ManifestRow>(
        'SELECT digest, media_type, size, subject, artifact_type, annotations, created_at FROM manifests ' +
          'WHERE repo_id = ? AND subject = ? AND artifact_type = ? AND digest > ? ORDER BY digest LIMIT ?',
      ),
      uploadInsert: db.prepare<[string, string, number, number, number]>(
        'INSERT INTO uploads (id, repository, offset, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      ),
      uploadGet: db.prepare<[string], UploadRow>('SELECT * FROM uploads WHERE id = ?'),
      uploadUpdate: db.prepare<[number, number, string]>(
        'UPDATE uploads SET offset = ?, updated_at = ? WHERE id = ?',
      ),
      uploadDelete: db.prepare<[string]>('DELETE FROM uploads WHERE id = ?'),
      uploadList: db.prepare<[], UploadRow>('SELECT * FROM uploads'),
      liveManifests: db.prepare<[{ cutoff: number }], { repo_id: number; digest: string }>(`
        WITH RECURSIVE live(repo_id, digest) AS (
          SELECT repo_id, digest FROM tags
          UNION SELECT repo_id, digest FROM manifests WHERE created_at >= @cutoff
          UNION SELECT r.repo_id, r.child FROM manifest_refs r JOIN live l ON r.repo_id = l.repo_id AND r.parent = l.digest WHERE r.kind = 'm'
          UNION SELECT m.repo_id, m.digest FROM manifests m JOIN live l ON m.repo_id = l.repo_id AND m.subject = l.digest
        )
        SELECT m.repo_id, m.digest FROM manifests m
        WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.repo_id = m.repo_id AND l.digest = m.digest)`),
      repoName: db.prepare<[number], { name: string }>(
        'SELECT name FROM repositories WHERE id = ?',
      ),
      unreferencedBlobs: db.prepare<[number], { digest: string }>(`
        SELECT b.digest FROM blobs b WHERE b.touched_at < ?
          AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child = b.digest AND r.kind = 'b')
          AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)`),
      blobStillUnreferenced: db.prepare<[{ digest: string; cutoff: number }], { n: number }>(`
        SELECT 1 AS n FROM blobs b WHERE b.digest = @digest AND b.touched_at < @cutoff
          AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child = @digest AND r.kind = 'b')
          AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = @digest)`),
      blobDelete: db.prepare<[string]>('DELETE FROM blobs WHERE digest = ?'),
      blobLinksDelete: db.prepare<[string]>('DELETE FROM repo_blobs WHERE digest = ?'),
    };
  }

  #check(): void {
    if (this.#closed) throw new StorageError('CLOSED', 'metadata store is closed');
  }

  #repoId(name: string): number | undefined {
    const cached = this.#repoIds.get(name);
    if (cached !== undefined) return cached;
    const row = this.#s.repoId.get(name);
    if (row) this.#repoIds.set(name, row.id);
    return row?.id;
  }

  #ensureRepoId(name: string, now: number): number {
    const id = this.#repoId(name);
    if (id !== undefined) return id;
    this.#s.repoInsert.run(name, now);
    return this.#repoId(name) as number;
  }

  #manifest(repository: string, row: ManifestRow): ManifestInfo {
    return {
      repository,
      digest: row.digest,
      mediaType: row.media_type,
      size: row.size,
      subject: row.subject ?? undefined,
      artifactType: row.artifact_type ?? undefined,
      annotations: parseAnnotations(row.annotations),
      createdAt: row.created_at,
    };
  }

  ensureRepository(repository: string, now: number): Promise<void> {
    this.#check();
    this.#ensureRepoId(repository, now);
    return Promise.resolve();
  }

  repositoryExists(repository: string): Promise<boolean> {
    this.#check();
    return Promise.resolve(this.#repoId(repository) !== undefined);
  }

  listRepositories(query: PageQuery): Promise<Page<string>> {
    this.#check();
    const rows = this.#s.repoList.all(query.last ?? '', query.limit + 1);
    return Promise.resolve({
      items: rows.slice(0, query.limit).map((r) => r.name),
      more: rows.length > query.limit,
    });
  }

  getBlob(digest: string): Promise<BlobInfo | undefined> {
    this.#check();
    const row = this.#s.blobGet.get(digest);
    return Promise.resolve(row ? { digest, size: row.size } : undefined);
  }

  getRepositoryBlob(repository: string, digest: string): Promise<BlobInfo | undefined> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(undefined);
    const row = this.#s.repoBlobGet.get(id, digest) ?? this.#s.repoManifestSize.get(id, digest);
    return Promise.resolve(row ? { digest, size: row.size } : undefined);
  }

  commitBlob(repository: string, blob: BlobInfo, now: number): Promise<void> {
    this.#check();
    this.#db.transaction(() => {
      const id = this.#ensureRepoId(repository, now);
      this.#s.blobUpsert.run(blob.digest, blob.size, now, now);
      this.#s.link.run(id, blob.digest, now);
    })();
    return Promise.resolve();
  }

  linkBlob(repository: string, digest: string, now: number): Promise<BlobInfo | undefined> {
    this.#check();
    const result = this.#db.transaction((): BlobInfo | undefined => {
      const row = this.#s.blobGet.get(digest);
      if (!row) return undefined;
      const id = this.#ensureRepoId(repository, now);
      this.#s.blobTouch.run(now, digest);
      this.#s.link.run(id, digest, now);
      return { digest, size: row.size };
    })();
    return Promise.resolve(result);
  }

  unlinkBlob(repository: string, digest: string): Promise<boolean> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(false);
    return Promise.resolve(this.#s.unlink.run(id, digest).changes > 0);
  }

  repositoriesWithBlob(digest: string, limit: number): Promise<readonly string[]> {
    this.#check();
    return Promise.resolve(this.#s.reposWithBlob.all(digest, limit).map((r) => r.name));
  }

  putManifest(input: PutManifestInput): Promise<PutManifestResult> {
    this.#check();
    const s = this.#s;
    const result = this.#db.transaction((): PutManifestResult => {
      const id = this.#ensureRepoId(input.repository, input.now);
      const missingBlobs = input.requiredBlobs.filter((d) => !s.repoBlobGet.get(id, d));
      const missingManifests = input.requiredManifests.filter(
        (d) => !s.repoManifestSize.get(id, d),
      );
      if (missingBlobs.length > 0 || missingManifests.length > 0) {
        return { ok: false, missingBlobs, missingManifests };
      }
      // The manifest bytes are a blob too (stored by the caller before this call).
      s.blobUpsert.run(input.digest, input.size, input.now, input.now);
      s.manifestInsert.run(
        id,
        input.digest,
        input.mediaType,
        input.size,
        input.subject ?? null,
        input.artifactType ?? null,
        input.annotations === undefined ? null : JSON.stringify(input.annotations),
        input.now,
      );
      s.refsDelete.run(id, input.digest);
      for (const d of input.requiredBlobs) {
        s.refInsert.run(id, input.digest, d, 'b');
        s.blobTouch.run(input.now, d);
      }
      for (const d of input.optionalBlobs) s.refInsert.run(id, input.digest, d, 'b');
      for (const d of input.requiredManifests) s.refInsert.run(id, input.digest, d, 'm');
      for (const t of input.tags) s.tagUpsert.run(id, t, input.digest, input.now);
      return { ok: true };
    })();
    return Promise.resolve(result);
  }

  getManifest(repository: string, digest: string): Promise<ManifestInfo | undefined> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(undefined);
    const row = this.#s.manifestGet.get(id, digest);
    return Promise.resolve(row ? this.#manifest(repository, row) : undefined);
  }

  resolveTag(repository: string, tag: string): Promise<ManifestInfo | undefined> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(undefined);
    const row = this.#s.tagResolve.get(id, tag);
    return Promise.resolve(row ? this.#manifest(repository, row) : undefined);
  }

  deleteManifest(repository: string, digest: string): Promise<readonly string[] | undefined> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(undefined);
    const s = this.#s;
    const result = this.#db.transaction((): string[] | undefined => {
      if (!s.manifestGet.get(id, digest)) return undefined;
      const deleted: string[] = [];
      const queue = [digest];
      const seen = new Set<string>();
      while (queue.length > 0) {
        const d = queue.shift() as string;
        if (seen.has(d)) continue;
        seen.add(d);
        for (const r of s.referrerDigests.all(id, d)) queue.push(r.digest);
        if (s.manifestDelete.run(id, d).changes > 0) deleted.push(d);
        s.refsDelete.run(id, d);
        s.tagsDeleteByDigest.run(id, d);
      }
      return deleted;
    })();
    return Promise.resolve(result);
  }

  deleteTag(repository: string, tag: string): Promise<boolean> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(false);
    return Promise.resolve(this.#s.tagDelete.run(id, tag).changes > 0);
  }

  listTags(repository: string, query: PageQuery): Promise<Page<string> | undefined> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve(undefined);
    const rows = this.#s.tagList.all(id, query.last ?? '', query.limit + 1);
    return Promise.resolve({
      items: rows.slice(0, query.limit).map((r) => r.name),
      more: rows.length > query.limit,
    });
  }

  listReferrers(
    repository: string,
    subject: string,
    query: PageQuery & { readonly artifactType?: string | undefined },
  ): Promise<Page<ReferrerInfo>> {
    this.#check();
    const id = this.#repoId(repository);
    if (id === undefined) return Promise.resolve({ items: [], more: false });
    const rows =
      query.artifactType === undefined
        ? this.#s.referrers.all(id, subject, query.last ?? '', query.limit + 1)
        : this.#s.referrersByType.all(
            id,
            subject,
            query.artifactType,
            query.last ?? '',
            query.limit + 1,
          );
    const items = rows.slice(0, query.limit).map((r): ReferrerInfo => ({
      digest: r.digest,
      mediaType: r.media_type,
      size: r.size,
      artifactType: r.artifact_type ?? undefined,
      annotations: parseAnnotations(r.annotations),
    }));
    return Promise.resolve({ items, more: rows.length > query.limit });
  }

  createUpload(session: UploadSession): Promise<void> {
    this.#check();
    this.#s.uploadInsert.run(
      session.id,
      session.repository,
      session.offset,
      session.createdAt,
      session.updatedAt,
    );
    return Promise.resolve();
  }

  getUpload(id: string): Promise<UploadSession | undefined> {
    this.#check();
    const r = this.#s.uploadGet.get(id);
    return Promise.resolve(
      r
        ? {
            id: r.id,
            repository: r.repository,
            offset: r.offset,
            createdAt: r.created_at,
            updatedAt: r.updated_at,
          }
        : undefined,
    );
  }

  updateUpload(id: string, offset: number, now: number): Promise<void> {
    this.#check();
    this.#s.uploadUpdate.run(offset, now, id);
    return Promise.resolve();
  }

  deleteUpload(id: string): Promise<void> {
    this.#check();
    this.#s.uploadDelete.run(id);
    return Promise.resolve();
  }

  listUploads(): Promise<readonly UploadSession[]> {
    this.#check();
    return Promise.resolve(
      this.#s.uploadList.all().map((r) => ({
        id: r.id,
        repository: r.repository,
        offset: r.offset,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
    );
  }

  sweepManifests(cutoff: number): Promise<GcPlan> {
    this.#check();
    const s = this.#s;
    const plan = this.#db
      .transaction((): GcPlan => {
        const dead = s.liveManifests.all({ cutoff });
        const out: { repository: string; digest: string }[] = [];
        for (const m of dead) {
          s.manifestDelete.run(m.repo_id, m.digest);
          s.refsDelete.run(m.repo_id, m.digest);
          s.tagsDeleteByDigest.run(m.repo_id, m.digest);
          out.push({
            repository: s.repoName.get(m.repo_id)?.name ?? String(m.repo_id),
            digest: m.digest,
          });
        }
        return { manifests: out };
      })
      .immediate();
    return Promise.resolve(plan);
  }

  unreferencedBlobs(cutoff: number): Promise<readonly string[]> {
    this.#check();
    return Promise.resolve(this.#s.unreferencedBlobs.all(cutoff).map((r) => r.digest));
  }

  deleteBlobIfUnreferenced(digest: string, cutoff: number): Promise<boolean> {
    this.#check();
    const s = this.#s;
    const deleted = this.#db
      .transaction((): boolean => {
        if (!s.blobStillUnreferenced.get({ digest, cutoff })) return false;
        s.blobDelete.run(digest);
        s.blobLinksDelete.run(digest);
        return true;
      })
      .immediate();
    return Promise.resolve(deleted);
  }

  hasBlobRow(digest: string): Promise<boolean> {
    this.#check();
    return Promise.resolve(this.#s.blobGet.get(digest) !== undefined);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }
}
