import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ContentError } from '@wharf/core';
import { isOwnError, throwIfAborted } from '../internal/abort.js';

/** Read and write unit: 1 MiB. */
export const IO_CHUNK = 1024 * 1024;

export function errCode(err: unknown): string | undefined {
  return typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

/** Wraps a Node fs error in a ContentError (`NOT_FOUND` for ENOENT, else `IO_ERROR`). */
export function ioError(err: unknown, what: string): Error {
  if (isOwnError(err)) return err;
  if (errCode(err) === 'ENOENT')
    return new ContentError('NOT_FOUND', `${what}: not found`, { cause: err });
  return new ContentError(
    'IO_ERROR',
    `${what}: ${err instanceof Error ? err.message : String(err)}`,
    {
      cause: err,
    },
  );
}

export function tempName(prefix: string): string {
  return `${prefix}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Streams `length` bytes of a file from `offset`, in chunks of up to 1 MiB. The file is opened on
 * first read and closed when the iteration ends (also on `break`).
 */
export async function* readFileRange(
  path: string,
  offset: number,
  length: number,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, path);
  }
  try {
    let position = offset;
    let remaining = length;
    while (remaining > 0) {
      throwIfAborted(signal);
      const want = Math.min(IO_CHUNK, remaining);
      const buf = Buffer.allocUnsafeSlow(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await fh.read(buf, filled, want - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) return; // truncated: the verifier reports SIZE_MISMATCH
      // Plain Uint8Array views (no copy), so consumers see one chunk type whatever the store.
      yield new Uint8Array(buf.buffer, buf.byteOffset, filled);
      position += filled;
      remaining -= filled;
      if (filled < want) return;
    }
    // Detect content longer than expected only via size checks done by callers (stat).
  } finally {
    await fh.close();
  }
}

export async function writeFully(
  fh: FileHandle,
  data: Uint8Array,
  position: number,
): Promise<void> {
  let written = 0;
  while (written < data.byteLength) {
    const { bytesWritten } = await fh.write(
      data,
      written,
      data.byteLength - written,
      position + written,
    );
    written += bytesWritten;
  }
}

/**
 * Writes a stream to an open file, coalescing small chunks into 1 MiB writes and overlapping one
 * write with reading the next chunk. Large chunks are written without copying.
 */
export async function writeStream(
  fh: FileHandle,
  source: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  let position = 0;
  let staging: Uint8Array | undefined;
  let staged = 0;
  let inflight: Promise<void> | undefined;
  const submit = async (data: Uint8Array): Promise<void> => {
    if (inflight) await inflight;
    const at = position;
    position += data.byteLength;
    inflight = writeFully(fh, data, at);
  };
  try {
    for await (const chunk of source) {
      throwIfAborted(signal);
      if (staged === 0 && chunk.byteLength >= IO_CHUNK) {
        await submit(chunk);
        continue;
      }
      let offset = 0;
      while (offset < chunk.byteLength) {
        staging ??= Buffer.allocUnsafeSlow(IO_CHUNK);
        const n = Math.min(IO_CHUNK - staged, chunk.byteLength - offset);
        staging.set(chunk.subarray(offset, offset + n), staged);
        staged += n;
        offset += n;
        if (staged === IO_CHUNK) {
          await submit(staging);
          staging = undefined;
          staged = 0;
        }
      }
    }
    if (staging && staged > 0) await submit(staging.subarray(0, staged));
    if (inflight) await inflight;
  } catch (err) {
    if (inflight) await inflight.catch(() => undefined);
    throw err;
  }
  return position;
}

/** Opens a directory and fsyncs it (makes a rename durable). Best effort on platforms without it. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

/** Writes bytes to `path` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  fsync: boolean,
): Promise<void> {
  const tmp = `${dirname(path)}/${tempName(`.${path.slice(dirname(path).length + 1)}`)}`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o644);
    await writeFully(fh, data, 0);
    if (fsync) await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    if (fsync) await fsyncDir(dirname(path));
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw ioError(err, path);
  }
}
