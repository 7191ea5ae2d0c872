import { open, stat, type FileHandle } from 'node:fs/promises';
import { posix, resolve as resolvePath } from 'node:path';
import { ContentError } from '@wharf/core';
import { isOwnError } from '../internal/abort.js';
import { DEFAULT_MAX_METADATA_BYTES } from '../fetch.js';
import { BLOBS_DIR, INDEX_FILE, OCI_LAYOUT_FILE, parseIndex, parseOciLayout } from './format.js';
import { ioError, readFileRange } from './io.js';
import { LayoutReader, type LayoutSource } from './reader.js';

// Hand-written header reader: a layout archive is opened for random access (an index of member
// offsets, then each blob streamed straight from its offset), which streaming parsers such as
// tar-stream cannot do without reading the whole archive front to back for every blob.

/** A regular file inside a tar archive. */
export interface TarMember {
  readonly name: string;
  /** Offset of the content in the archive. */
  readonly offset: number;
  readonly size: number;
}

const BLOCK = 512;

function invalidTar(message: string, detail?: Record<string, unknown>): ContentError {
  return new ContentError('INVALID_TAR', message, detail ? { detail } : {});
}

function readString(buf: Uint8Array, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return Buffer.from(end >= 0 ? slice.subarray(0, end) : slice).toString('utf8');
}

function readNumber(buf: Uint8Array, start: number, length: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    // GNU base-256.
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + (buf[start + i] ?? 0);
    if (!Number.isSafeInteger(value)) throw invalidTar('tar number out of range');
    return value;
  }
  const text = readString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw invalidTar(`bad tar number ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(header: Uint8Array): boolean {
  const stored = readNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === stored;
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  const text = Buffer.from(data);
  while (pos < text.length) {
    const space = text.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(text.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > text.length)
      throw invalidTar('malformed pax header');
    const record = text.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/**
 * Normalises a member name and refuses anything that could escape the extraction root.
 * Returns undefined for the root itself (`./`).
 */
export function normalizeMemberName(raw: string): string | undefined {
  if (raw.includes('\0') || raw.includes('\\'))
    throw invalidTar(`unsafe tar member name ${JSON.stringify(raw)}`);
  if (raw.startsWith('/'))
    throw invalidTar(`absolute tar member path ${JSON.stringify(raw)}`, { member: raw });
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw invalidTar(`tar member path escapes the archive: ${JSON.stringify(raw)}`, {
      member: raw,
    });
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

/**
 * Indexes a tar archive's regular files by reading only headers (contents are skipped over).
 * Supports ustar, pax (`path`, `size`) and GNU long names. Refuses absolute and `..` paths, links,
 * devices, sparse files and duplicate members.
 *
 * @throws ContentError `INVALID_TAR`, `IO_ERROR`
 */
export async function indexTar(path: string): Promise<Map<string, TarMember>> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, path);
  }
  try {
    const total = (await fh.stat()).size;
    const members = new Map<string, TarMember>();
    const dirs = new Set<string>();
    let pos = 0;
    let pax = new Map<string, string>();
    let longName: string | undefined;
    while (pos + BLOCK <= total) {
      const header = await readAt(fh, pos, BLOCK);
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      if (!checksumOk(header)) throw invalidTar(`bad tar header checksum at offset ${pos}`);
      const type = String.fromCharCode(header[156] ?? 0);
      let size = readNumber(header, 124, 12);
      const dataStart = pos + BLOCK;
      const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > 1024 * 1024) throw invalidTar('tar extended header too large');
        const data = await readAt(fh, dataStart, size);
        if (data.byteLength !== size) throw invalidTar('truncated tar extended header');
        if (type === 'x') pax = parsePax(data);
        else if (type === 'L') longName = readString(data, 0, data.byteLength);
        pos = next;
        continue;
      }
      let name = readString(header, 0, 100);
      const magic = readString(header, 257, 6);
      if (magic.startsWith('ustar')) {
        const prefix = readString(header, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      if (longName !== undefined) name = longName;
      const paxPath = pax.get('path');
      if (paxPath !== undefined) name = paxPath;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        size = Number(paxSize);
        if (!Number.isSafeInteger(size) || size < 0) throw invalidTar('bad pax size');
      }
      pax = new Map();
      longName = undefined;
      const normalized = normalizeMemberName(name);
      const end = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      switch (type) {
        case '0':
        case '\0':
        case '7': {
          if (normalized === undefined) throw invalidTar('tar file member without a name');
          if (members.has(normalized) || dirs.has(normalized)) {
            throw invalidTar(`duplicate tar member ${JSON.stringify(normalized)}`, {
              member: normalized,
            });
          }
          if (dataStart + size > total)
            throw invalidTar(`truncated tar member ${JSON.stringify(normalized)}`);
          members.set(normalized, { name: normalized, offset: dataStart, size });
          break;
        }
        case '5':
          if (normalized !== undefined) {
            if (members.has(normalized))
              throw invalidTar(`duplicate tar member ${JSON.stringify(normalized)}`);
            dirs.add(normalized);
          }
          break;
        case '1':
        case '2':
          throw invalidTar(
            `tar member ${JSON.stringify(name)} is a link, which layouts must not contain`,
            {
              member: name,
            },
          );
        default:
          throw invalidTar(
            `unsupported tar member type ${JSON.stringify(type)} for ${JSON.stringify(name)}`,
            {
              member: name,
            },
          );
      }
      pos = end;
    }
    return members;
  } catch (err) {
    if (isOwnError(err)) throw err;
    throw ioError(err, path);
  } finally {
    await fh.close();
  }
}

class TarSource implements LayoutSource {
  readonly path: string;
  readonly members: ReadonlyMap<string, TarMember>;

  constructor(path: string, members: ReadonlyMap<string, TarMember>) {
    this.path = path;
    this.members = members;
  }

  #member(algorithm: string, encoded: string): TarMember | undefined {
    return this.members.get(posix.join(BLOBS_DIR, algorithm, encoded));
  }

  blobSize(algorithm: string, encoded: string): Promise<number | undefined> {
    return Promise.resolve(this.#member(algorithm, encoded)?.size);
  }

  blobStream(
    algorithm: string,
    encoded: string,
    size: number,
    signal?: AbortSignal,
  ): AsyncIterable<Uint8Array> {
    const m = this.#member(algorithm, encoded);
    if (!m) throw new ContentError('NOT_FOUND', `${algorithm}:${encoded}: not found`);
    return readFileRange(this.path, m.offset, Math.min(size, m.size), signal);
  }

  async readMember(name: string, max: number): Promise<Uint8Array | undefined> {
    const m = this.members.get(name);
    if (!m) return undefined;
    if (m.size > max)
      throw new ContentError('SIZE_LIMIT_EXCEEDED', `${name} in ${this.path} exceeds ${max} bytes`);
    const chunks: Uint8Array[] = [];
    for await (const c of readFileRange(this.path, m.offset, m.size)) chunks.push(c);
    return Buffer.concat(chunks);
  }
}

/**
 * A read-only OCI layout inside a `.tar` archive (as written by `oras backup`, `skopeo copy
 * oci-archive:` or {@link writeLayoutTar}). Only headers are read at open; blobs are streamed from
 * their offsets in the archive and verified.
 */
export class OciLayoutTarStore extends LayoutReader {
  readonly path: string;

  private constructor(
    path: string,
    source: TarSource,
    index: ReturnType<typeof parseIndex>,
    maxMetadataBytes: number,
  ) {
    super(source, index, maxMetadataBytes);
    this.path = path;
  }

  /** @throws ContentError `INVALID_TAR`, `INVALID_LAYOUT`, `IO_ERROR` */
  static async open(
    path: string,
    options: { readonly maxMetadataBytes?: number } = {},
  ): Promise<OciLayoutTarStore> {
    const abs = resolvePath(path);
    try {
      if (!(await stat(abs)).isFile()) throw new ContentError('INVALID_TAR', `${abs}: not a file`);
    } catch (err) {
      throw ioError(err, abs);
    }
    const members = await indexTar(abs);
    const source = new TarSource(abs, members);
    const max = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
    const layout = await source.readMember(OCI_LAYOUT_FILE, 64 * 1024);
    if (!layout) throw new ContentError('INVALID_LAYOUT', `${abs}: missing ${OCI_LAYOUT_FILE}`);
    parseOciLayout(layout);
    const index = await source.readMember(INDEX_FILE, max);
    if (!index) throw new ContentError('INVALID_LAYOUT', `${abs}: missing ${INDEX_FILE}`);
    return new OciLayoutTarStore(abs, source, parseIndex(index), max);
  }

  /** Member names of the archive (regular files only). */
  members(): string[] {
    return [...(this.source as TarSource).members.keys()];
  }
}
