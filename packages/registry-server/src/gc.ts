import fs from 'node:fs/promises';
import type { Logger } from '@wharf/core';
import type { BlobStore } from './storage/blob-store.js';
import type { MetadataStore } from './storage/metadata.js';
import type { UploadManager } from './uploads.js';

export interface GcOptions {
  /** Unreferenced manifests and blobs younger than this survive (default: config `gc.gracePeriod`). */
  readonly gracePeriodMs?: number;
  /** Upload sessions idle longer than this are removed (default: config `uploads.ttl`). */
  readonly uploadTtlMs?: number;
}

export interface GcResult {
  readonly manifestsDeleted: number;
  readonly blobsDeleted: number;
  readonly bytesFreed: number;
  readonly uploadsExpired: number;
  readonly orphanFilesDeleted: number;
  readonly durationMs: number;
}

export interface GcDeps {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly uploads: UploadManager;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onManifestDeleted?: (digest: string) => void;
}

/**
 * Online mark-and-sweep; the registry keeps serving reads and writes throughout.
 *
 * 1. Mark and sweep manifests in one metadata transaction: roots are tags and manifests younger
 *    than the grace period; children of live indexes and referrers of live manifests are live;
 *    everything else (untagged manifests, referrers whose subject is gone) is deleted.
 * 2. Blobs not referenced by any remaining manifest and untouched for the grace period are
 *    deleted: the row (re-checked in a transaction, under the digest lock that pushes take) and
 *    then the file.
 * 3. Upload sessions idle past the upload TTL are removed with their files.
 * 4. Orphan files (left by a crash between writing and recording) are removed: temp files,
 *    upload files without a session, and blob files without a metadata row, all older than the
 *    grace period.
 */
export async function runGc(deps: GcDeps, options: Required<GcOptions>): Promise<GcResult> {
  const started = deps.now();
  const cutoff = started - options.gracePeriodMs;
  const { meta, blobs } = deps;

  const plan = await meta.sweepManifests(cutoff);
  for (const m of plan.manifests) deps.onManifestDeleted?.(m.digest);

  let blobsDeleted = 0;
  let bytesFreed = 0;
  for (const digest of await meta.unreferencedBlobs(cutoff)) {
    await blobs.lock.run(digest, async () => {
      if (blobs.isPinned(digest)) return;
      const size = await blobs.stat(digest);
      if (await meta.deleteBlobIfUnreferenced(digest, cutoff)) {
        await blobs.delete(digest);
        blobsDeleted++;
        bytesFreed += size ?? 0;
        deps.onManifestDeleted?.(digest);
      }
    });
  }

  let uploadsExpired = 0;
  const sessions = await meta.listUploads();
  const liveSessions = new Set<string>();
  for (const s of sessions) {
    if (started - s.updatedAt > options.uploadTtlMs && !deps.uploads.isBusy(s.id)) {
      await deps.uploads.expire(s.id);
      uploadsExpired++;
    } else liveSessions.add(s.id);
  }

  let orphanFilesDeleted = 0;
  for (const f of await blobs.listDir(blobs.uploadsDir)) {
    if (!liveSessions.has(f.name) && f.mtimeMs < cutoff && !deps.uploads.isBusy(f.name)) {
      if (!(await meta.getUpload(f.name))) {
        await fs.rm(f.file, { force: true });
        orphanFilesDeleted++;
      }
    }
  }
  for (const f of await blobs.listDir(blobs.tmpDir)) {
    if (f.mtimeMs < cutoff && !blobs.inFlight.has(f.file)) {
      await fs.rm(f.file, { force: true });
      orphanFilesDeleted++;
    }
  }
  for await (const b of blobs.walk()) {
    if (b.mtimeMs >= cutoff) continue;
    await blobs.lock.run(b.digest, async () => {
      if (!(await meta.hasBlobRow(b.digest))) {
        await fs.rm(b.file, { force: true });
        orphanFilesDeleted++;
      }
    });
  }

  const result: GcResult = {
    manifestsDeleted: plan.manifests.length,
    blobsDeleted,
    bytesFreed,
    uploadsExpired,
    orphanFilesDeleted,
    durationMs: deps.now() - started,
  };
  deps.logger.info({ gc: result }, 'garbage collection finished');
  return result;
}
