import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { ContentError } from '@wharf/core';
import { throwIfAborted } from '../internal/abort.js';
import type { SignalOptions } from '../types.js';
import { BLOBS_DIR, INDEX_FILE, OCI_LAYOUT_FILE, parseIndex } from './format.js';
import { fsyncDir, ioError, tempName, writeStream } from './io.js';
import { OciLayoutStore } from './store.js';

const BLOCK = 512;
const ZEROS = new Uint8Array(BLOCK * 2);

function writeString(buf: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.byteLength > length)
    throw new ContentError('INVALID_TAR', `tar field too long: ${value}`);
  buf.set(bytes, offset);
}

function writeOctal(buf: Uint8Array, offset: number, length: number, value: number): void {
  const digits = length - 1;
  if (value < 8 ** digits) {
    writeString(buf, offset, length, value.toString(8).padStart(digits, '0'));
    return;
  }
  // GNU base-256 for values that do not fit (blobs of 8 GiB and more).
  buf[offset] = 0x80;
  let v = value;
  for (let i = length - 1; i > 0; i--) {
    buf[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** A deterministic ustar header: mode 0644/0755, uid/gid 0, mtime 0, no user names. */
export function tarHeader(name: string, size: number, type: 'file' | 'dir'): Uint8Array {
  const h = new Uint8Array(BLOCK);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) {
      throw new ContentError('INVALID_TAR', `tar member name too long: ${name}`);
    }
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
  }
  writeString(h, 0, 100, short);
  writeOctal(h, 100, 8, type === 'dir' ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, type === 'dir' ? 0 : size);
  writeOctal(h, 136, 12, 0);
  h[156] = type === 'dir' ? 0x35 : 0x30;
  writeString(h, 257, 6, 'ustar');
  writeString(h, 263, 2, '00');
  writeString(h, 345, 155, prefix);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function padding(size: number): Uint8Array {
  const rem = size % BLOCK;
  return rem === 0 ? new Uint8Array(0) : ZEROS.subarray(0, BLOCK - rem);
}

/**
 * Writes an OCI layout as a `.tar` archive: `oci-layout`, `index.json`, the `blobs/` directories,
 * then every blob sorted by digest; mtime 0, uid/gid 0, so the output is reproducible. Blobs are
 * verified while being streamed. The archive is written to a temp file beside `path` and renamed.
 *
 * @example
 * await writeLayoutTar('./layout', './layout.tar');
 */
export async function writeLayoutTar(
  source: OciLayoutStore | string,
  path: string,
  options: SignalOptions = {},
): Promise<void> {
  const { signal } = options;
  const store =
    typeof source === 'string' ? await OciLayoutStore.open(source, { readOnly: true }) : source;
  await store.flush();
  const readRoot = async (name: string): Promise<Uint8Array> => {
    try {
      return await readFile(join(store.root, name));
    } catch (err) {
      throw ioError(err, join(store.root, name));
    }
  };
  const layoutBytes = await readRoot(OCI_LAYOUT_FILE);
  const indexBytes = await readRoot(INDEX_FILE);
  parseIndex(indexBytes);
  const blobs = await store.blobs();

  async function* archive(): AsyncGenerator<Uint8Array, void, undefined> {
    await Promise.resolve();
    for (const [name, bytes] of [
      [OCI_LAYOUT_FILE, layoutBytes],
      [INDEX_FILE, indexBytes],
    ] as const) {
      yield tarHeader(name, bytes.byteLength, 'file');
      yield bytes;
      yield padding(bytes.byteLength);
    }
    yield tarHeader(`${BLOBS_DIR}/`, 0, 'dir');
    const algs = [...new Set(blobs.map((b) => b.digest.split(':')[0] as string))].sort();
    for (const alg of algs) {
      yield tarHeader(`${BLOBS_DIR}/${alg}/`, 0, 'dir');
      for (const blob of blobs) {
        const [a, hex] = blob.digest.split(':') as [string, string];
        if (a !== alg) continue;
        throwIfAborted(signal);
        yield tarHeader(`${BLOBS_DIR}/${alg}/${hex}`, blob.size, 'file');
        const desc = {
          mediaType: 'application/octet-stream',
          digest: blob.digest,
          size: blob.size,
        };
        yield* await store.fetch(desc, signal ? { signal } : {});
        yield padding(blob.size);
      }
    }
    yield ZEROS;
  }

  const target = resolvePath(path);
  const tmp = join(dirname(target), tempName(`.${basename(target)}`));
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o644);
    await writeStream(fh, archive(), signal);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
    await fsyncDir(dirname(target));
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw ioError(err, target);
  }
}
