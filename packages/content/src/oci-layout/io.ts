import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ContentError } from '@wharf/core';
import { isOwnError, throwIfAborted } from '../internal/abort.js';

/** Read unit: 4 MiB (chunks handed to consumers). */
export const IO_CHUNK = 4 * 1024 * 1024;
/** Gathered bytes per write: 4 MiB, in at most 256 buffers. */
const WRITE_UNIT = 4 * 1024 * 1024;
const MAX_IOVECS = 256;

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
 * Writes a stream to an open file. Chunks are gathered (without copying) until they reach 4 MiB
 * and written with one `writev`, while the next chunks are read and hashed: few thread-pool round
 * trips, no extra copies. Chunks must not be mutated by their producer after being yielded (Node
 * streams, fetch bodies and Wharf stores never do).
 */
export async function writeStream(
  fh: FileHandle,
  source: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  let position = 0;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  let inflight: Promise<void> | undefined;
  const submit = async (): Promise<void> => {
    if (inflight) await inflight;
    const bufs = gathered;
    const at = position;
    position += gatheredBytes;
    gathered = [];
    gatheredBytes = 0;
    inflight =
      bufs.length === 1 ? writeFully(fh, bufs[0] as Uint8Array, at) : writevFully(fh, bufs, at);
  };
  try {
    for await (const chunk of source) {
      throwIfAborted(signal);
      if (chunk.byteLength === 0) continue;
      gathered.push(chunk);
      gatheredBytes += chunk.byteLength;
      if (gatheredBytes >= WRITE_UNIT || gathered.length >= MAX_IOVECS) await submit();
    }
    if (gatheredBytes > 0) await submit();
    if (inflight) await inflight;
  } catch (err) {
    if (inflight) await inflight.catch(() => undefined);
    throw err;
  }
  return position;
}

async function writevFully(fh: FileHandle, bufs: Uint8Array[], position: number): Promise<void> {
  const total = bufs.reduce((n, b) => n + b.byteLength, 0);
  const { bytesWritten } = await fh.writev(bufs, position);
  if (bytesWritten === total) return;
  // Short write: finish the remainder chunk by chunk.
  let skip = bytesWritten;
  let at = position + bytesWritten;
  for (const b of bufs) {
    if (skip >= b.byteLength) {
      skip -= b.byteLength;
      continue;
    }
    const rest = b.subarray(skip);
    skip = 0;
    await writeFully(fh, rest, at);
    at += rest.byteLength;
  }
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
