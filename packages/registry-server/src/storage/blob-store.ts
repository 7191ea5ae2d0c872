import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDigest } from '@wharf/core';
import { StorageError } from '../errors.js';
import { KeyedMutex } from '../internal/mutex.js';

/** Read buffer for blob streams. */
export const READ_BUFFER = 1024 * 1024;
/** Write buffer for blob streams. */
export const WRITE_BUFFER = 1024 * 1024;

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

/**
 * Content-addressed blob files under `<root>/blobs/<alg>/<2 hex>/<hex>`, stored once for the
 * whole registry. Files are written under `<root>/tmp` (or `<root>/uploads` for sessions),
 * fsync'd, then renamed into place, so a partial blob is never at its final path.
 * `lock` serialises publish/delete of one digest (GC against concurrent pushes).
 */
export class BlobStore {
  readonly root: string;
  readonly blobsDir: string;
  readonly tmpDir: string;
  readonly uploadsDir: string;
  readonly lock = new KeyedMutex();
  readonly #fsync: boolean;
  readonly #dirs = new Set<string>();
  /** Temp files being written right now (GC skips them). */
  readonly inFlight = new Set<string>();
  readonly #pins = new Map<string, number>();

  /** Marks a stored blob as in use by an in-flight request: GC keeps it. Call under `lock`. */
  pin(digest: string): void {
    this.#pins.set(digest, (this.#pins.get(digest) ?? 0) + 1);
  }

  unpin(digest: string): void {
    const n = (this.#pins.get(digest) ?? 1) - 1;
    if (n <= 0) this.#pins.delete(digest);
    else this.#pins.set(digest, n);
  }

  isPinned(digest: string): boolean {
    return this.#pins.has(digest);
  }

  constructor(root: string, options: { fsync: boolean }) {
    this.root = root;
    this.blobsDir = path.join(root, 'blobs');
    this.tmpDir = path.join(root, 'tmp');
    this.uploadsDir = path.join(root, 'uploads');
    this.#fsync = options.fsync;
  }

  get fsyncEnabled(): boolean {
    return this.#fsync;
  }

  async init(): Promise<void> {
    for (const d of [this.blobsDir, this.tmpDir, this.uploadsDir])
      await fs.mkdir(d, { recursive: true });
  }

  /** Path of a blob. The digest must already be validated (sha256/sha512 hex only). */
  blobPath(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return path.join(this.blobsDir, algorithm, encoded.slice(0, 2), encoded);
  }

  uploadPath(id: string): string {
    return path.join(this.uploadsDir, id);
  }

  newTempPath(): string {
    return path.join(this.tmpDir, randomUUID());
  }

  /** Size of the blob file, or undefined when absent. */
  async stat(digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.blobPath(digest))).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new StorageError('IO_ERROR', `cannot stat blob ${digest}`, { cause: err });
    }
  }

  /** Opens a read stream; resolves undefined when the file is missing. `end` is inclusive. */
  openRead(
    digest: string,
    range?: { start: number; end: number },
  ): Promise<ReadStream | undefined> {
    const stream = createReadStream(this.blobPath(digest), {
      highWaterMark: READ_BUFFER,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        stream.off('error', onError);
        resolve(stream);
      };
      const onError = (err: unknown): void => {
        stream.off('ready', onReady);
        if (isNotFound(err)) resolve(undefined);
        else reject(new StorageError('IO_ERROR', `cannot open blob ${digest}`, { cause: err }));
      };
      stream.once('ready', onReady);
      stream.once('error', onError);
    });
  }

  /** Opens the blob for reading; resolves undefined when the file is missing. */
  async openHandle(digest: string): Promise<fs.FileHandle | undefined> {
    try {
      return await fs.open(this.blobPath(digest), 'r');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new StorageError('IO_ERROR', `cannot open blob ${digest}`, { cause: err });
    }
  }

  async readAll(digest: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.blobPath(digest));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new StorageError('IO_ERROR', `cannot read blob ${digest}`, { cause: err });
    }
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  async #fsyncDir(dir: string): Promise<void> {
    if (!this.#fsync) return;
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }

  /**
   * Moves a complete, already fsync'd file to the blob's path (atomic rename). When the blob
   * already exists the file is removed instead. Call inside `lock.run(digest, …)`.
   */
  async publish(file: string, digest: string): Promise<void> {
    const target = this.blobPath(digest);
    const dir = path.dirname(target);
    try {
      await this.#ensureDir(dir);
      try {
        await fs.access(target);
        await fs.rm(file, { force: true });
        return;
      } catch {
        // not there yet
      }
      await fs.rename(file, target);
      await this.#fsyncDir(dir);
    } catch (err) {
      throw new StorageError('IO_ERROR', `cannot publish blob ${digest}`, { cause: err });
    }
  }

  /** fsync a file by path (when fsync is enabled). */
  async syncFile(file: string): Promise<void> {
    if (!this.#fsync) return;
    const h = await fs.open(file, 'r+');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }

  /** Writes small content (manifests) to a temp file, fsyncs it and publishes it. */
  async writeBytes(digest: string, bytes: Uint8Array): Promise<void> {
    const target = this.blobPath(digest);
    try {
      await fs.access(target);
      return;
    } catch {
      // write it
    }
    const tmp = this.newTempPath();
    this.inFlight.add(tmp);
    try {
      const h = await fs.open(tmp, 'w');
      try {
        await h.writeFile(bytes);
        if (this.#fsync) await h.sync();
      } finally {
        await h.close();
      }
      await this.publish(tmp, digest);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      if (err instanceof StorageError) throw err;
      throw new StorageError('IO_ERROR', `cannot write blob ${digest}`, { cause: err });
    } finally {
      this.inFlight.delete(tmp);
    }
  }

  async delete(digest: string): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  /** Every blob file: digest, path, mtime. */
  async *walk(): AsyncGenerator<{ digest: string; file: string; mtimeMs: number }> {
    let algs: string[];
    try {
      algs = await fs.readdir(this.blobsDir);
    } catch {
      return;
    }
    for (const alg of algs) {
      const algDir = path.join(this.blobsDir, alg);
      for (const prefix of await fs.readdir(algDir).catch(() => [] as string[])) {
        const prefixDir = path.join(algDir, prefix);
        for (const hex of await fs.readdir(prefixDir).catch(() => [] as string[])) {
          const file = path.join(prefixDir, hex);
          const st = await fs.stat(file).catch(() => undefined);
          if (st?.isFile()) yield { digest: `${alg}:${hex}`, file, mtimeMs: st.mtimeMs };
        }
      }
    }
  }

  /** Files in a directory with their mtimes. */
  async listDir(dir: string): Promise<{ name: string; file: string; mtimeMs: number }[]> {
    const out: { name: string; file: string; mtimeMs: number }[] = [];
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const st = await fs.stat(file).catch(() => undefined);
      if (st?.isFile()) out.push({ name, file, mtimeMs: st.mtimeMs });
    }
    return out;
  }
}
