import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parseSupportedDigest, type DigestAlgorithm } from '@wharf/core';
import { RegistryError } from './errors.js';
import { KeyedMutex } from './internal/mutex.js';
import { WRITE_BUFFER, type BlobStore } from './storage/blob-store.js';
import type { BlobInfo, MetadataStore, UploadSession } from './storage/metadata.js';

interface HashState {
  readonly algorithm: DigestAlgorithm;
  readonly hash: Hash;
  offset: number;
}

export interface WriteOptions {
  /** `Content-Range` start: must equal the session offset, else 416. */
  readonly start?: number | undefined;
  /** `Content-Range` end (inclusive): the body must be exactly `end - start + 1` bytes. */
  readonly end?: number | undefined;
  /** `Content-Length`: the body must be exactly this long. */
  readonly contentLength?: number | undefined;
  /** Finish the upload after this write: verify, fsync and publish the blob. */
  readonly finalDigest?: string | undefined;
  /** Algorithm for the running hash when the session starts with this write. */
  readonly algorithm?: DigestAlgorithm | undefined;
}

export type WriteResult =
  | { readonly done: false; readonly session: UploadSession }
  | { readonly done: true; readonly blob: BlobInfo };

function rangeHeader(offset: number): string {
  // `Range: 0-<last byte>`; an empty session reports 0-0 (the legacy convention).
  return `0-${Math.max(0, offset - 1)}`;
}

/**
 * Upload sessions: metadata row (repository, offset) in the {@link MetadataStore}, data in
 * `<data>/uploads/<id>`. The running hash lives in this process only (Node cannot serialise
 * a `Hash`): a session resumed after a restart is re-hashed from its file when it is finished.
 * A write that fails half-way (client disconnect, wrong length) is truncated back to the last
 * accepted offset, so the session stays consistent and retryable.
 */
export class UploadManager {
  readonly #meta: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #locks = new KeyedMutex();
  readonly #hashes = new Map<string, HashState>();

  constructor(
    meta: MetadataStore,
    blobs: BlobStore,
    options: { ttlMs: number; now: () => number },
  ) {
    this.#meta = meta;
    this.#blobs = blobs;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  static rangeHeader = rangeHeader;

  async create(repository: string): Promise<UploadSession> {
    const now = this.#now();
    const session: UploadSession = {
      id: randomUUID(),
      repository,
      offset: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.#meta.ensureRepository(repository, now);
    await this.#meta.createUpload(session);
    return session;
  }

  /** The live session, or 404 BLOB_UPLOAD_UNKNOWN (unknown, other repository, or expired). */
  async get(repository: string, id: string): Promise<UploadSession> {
    const s = /^[0-9a-f-]{36}$/.test(id) ? await this.#meta.getUpload(id) : undefined;
    if (!s || s.repository !== repository) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
    }
    if (this.#now() - s.updatedAt > this.#ttlMs) {
      await this.#remove(id);
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload expired');
    }
    return s;
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.#locks.run(id, async () => {
      await this.get(repository, id);
      await this.#remove(id);
    });
  }

  async #remove(id: string): Promise<void> {
    this.#hashes.delete(id);
    await this.#meta.deleteUpload(id);
    await fs.rm(this.#blobs.uploadPath(id), { force: true });
  }

  /** Removes a session by id (GC). */
  async expire(id: string): Promise<void> {
    await this.#locks.run(id, () => this.#remove(id));
  }

  isBusy(id: string): boolean {
    return this.#locks.isLocked(id);
  }

  /**
   * Appends `body` at the session offset (serialised per session), then optionally finishes.
   * @throws RegistryError RANGE_INVALID (416), DIGEST_INVALID, BLOB_UPLOAD_UNKNOWN
   */
  async write(
    repository: string,
    id: string,
    body: AsyncIterable<Uint8Array> | null,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.#locks.run(id, async () => {
      const session = await this.get(repository, id);
      if (options.start !== undefined && options.start !== session.offset) {
        throw new RegistryError(
          'RANGE_INVALID',
          `chunk starts at ${options.start}, upload is at ${session.offset}`,
          {
            headers: { Range: rangeHeader(session.offset), Location: '' },
          },
        );
      }
      if (body && options.finalDigest !== undefined && session.offset === 0) {
        const deduped = await this.#writeExisting(
          repository,
          id,
          body,
          options.finalDigest,
          options,
        );
        if (deduped) return { done: true, blob: deduped };
      }
      const file = this.#blobs.uploadPath(id);
      let state = this.#hashes.get(id);
      if (state && state.offset !== session.offset) {
        this.#hashes.delete(id);
        state = undefined;
      }
      if (!state && session.offset === 0) {
        const algorithm =
          options.algorithm ??
          (options.finalDigest ? parseSupportedDigest(options.finalDigest).algorithm : 'sha256');
        state = { algorithm, hash: createHash(algorithm), offset: 0 };
        this.#hashes.set(id, state);
      }
      const expected =
        options.end !== undefined && options.start !== undefined
          ? options.end - options.start + 1
          : options.contentLength;
      let written = 0;
      let published = false;
      try {
        const h = await fs.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
        try {
          await h.truncate(session.offset);
        } finally {
          await h.close();
        }
        if (body) {
          const hash = state?.hash;
          const out = createWriteStream(file, {
            flags: 'r+',
            start: session.offset,
            highWaterMark: WRITE_BUFFER,
          });
          await pipeline(
            body,
            async function* (source: AsyncIterable<Uint8Array>) {
              for await (const chunk of source) {
                written += chunk.byteLength;
                if (expected !== undefined && written > expected) {
                  throw new RegistryError(
                    'DIGEST_INVALID',
                    `body is longer than the declared ${expected} bytes`,
                  );
                }
                hash?.update(chunk);
                yield chunk;
              }
            },
            out,
          );
          if (expected !== undefined && written !== expected) {
            throw new RegistryError(
              'DIGEST_INVALID',
              `body is ${written} bytes, declared ${expected}`,
            );
          }
        } else if (expected !== undefined && expected !== 0) {
          throw new RegistryError('DIGEST_INVALID', `body is 0 bytes, declared ${expected}`);
        }
        const offset = session.offset + written;
        if (state) state.offset = offset;
        if (!options.finalDigest) {
          if (written > 0) await this.#meta.updateUpload(id, offset, this.#now());
          return { done: false, session: { ...session, offset, updatedAt: this.#now() } };
        }
        // Finish: verify, fsync, publish, record.
        const digest = options.finalDigest;
        const { algorithm } = parseSupportedDigest(digest);
        let actual: string;
        if (state && state.algorithm === algorithm) {
          actual = `${algorithm}:${state.hash.copy().digest('hex')}`;
        } else {
          actual = await hashFile(file, algorithm);
        }
        if (actual !== digest) {
          // Like distribution: a failed finish ends the session; the client starts over.
          await this.#remove(id);
          throw new RegistryError(
            'DIGEST_INVALID',
            `provided digest ${digest} does not match content ${actual}`,
          );
        }
        await this.#blobs.syncFile(file);
        const blob: BlobInfo = { digest, size: offset };
        await this.#blobs.lock.run(digest, async () => {
          published = true;
          await this.#blobs.publish(file, digest);
          await this.#meta.commitBlob(repository, blob, this.#now());
        });
        this.#hashes.delete(id);
        await this.#meta.deleteUpload(id);
        return { done: true, blob };
      } catch (err) {
        // Roll back to the last accepted offset; the running hash is no longer valid.
        this.#hashes.delete(id);
        if (!published) await fs.truncate(file, session.offset).catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Dedupe fast path for a one-shot upload (monolithic PUT or POST ?digest=) of a blob the
   * registry already stores: the body is hashed and verified but not written again. The digest
   * is pinned (under its lock) so GC cannot remove the stored copy meanwhile. Returns undefined
   * when the blob is not stored (the caller writes it normally).
   */
  async #writeExisting(
    repository: string,
    id: string,
    body: AsyncIterable<Uint8Array>,
    digest: string,
    options: WriteOptions,
  ): Promise<BlobInfo | undefined> {
    const blobs = this.#blobs;
    const stored = await blobs.lock.run(digest, async () => {
      const row = await this.#meta.getBlob(digest);
      if (!row || (await blobs.stat(digest)) !== row.size) return undefined;
      blobs.pin(digest);
      return row;
    });
    if (!stored) return undefined;
    try {
      const { algorithm } = parseSupportedDigest(digest);
      const hash = createHash(algorithm);
      const expected = options.contentLength ?? stored.size;
      let written = 0;
      for await (const chunk of body) {
        written += chunk.byteLength;
        if (written > expected)
          throw new RegistryError(
            'DIGEST_INVALID',
            `body is longer than the declared ${expected} bytes`,
          );
        hash.update(chunk);
      }
      if (written !== expected)
        throw new RegistryError('DIGEST_INVALID', `body is ${written} bytes, declared ${expected}`);
      const actual = `${algorithm}:${hash.digest('hex')}`;
      if (actual !== digest || written !== stored.size) {
        await this.#remove(id);
        throw new RegistryError(
          'DIGEST_INVALID',
          `provided digest ${digest} does not match content ${actual}`,
        );
      }
      const blob: BlobInfo = { digest, size: written };
      await blobs.lock.run(digest, () => this.#meta.commitBlob(repository, blob, this.#now()));
      this.#hashes.delete(id);
      await this.#meta.deleteUpload(id);
      await fs.rm(blobs.uploadPath(id), { force: true });
      return blob;
    } finally {
      blobs.unpin(digest);
    }
  }
}

/** Digest of a file's content. */
export async function hashFile(file: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  try {
    await pipeline(
      createReadStream(file, { highWaterMark: WRITE_BUFFER }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) hash.update(chunk);
      },
    );
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  return `${algorithm}:${hash.digest('hex')}`;
}
