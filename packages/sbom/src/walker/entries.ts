import { opendir, lstat, readlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';

/** One entry of a layer (tar member) or of a directory tree. */
export interface RawEntry {
  /** The path as stored: may be relative, have `./`, trailing `/` or even `..` (checked later). */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  readonly size: number;
  readonly mode: number;
  readonly linkname?: string;
  /** The content; must be consumed or skipped before the next entry is requested. */
  body(): AsyncIterable<Uint8Array>;
  skip(): void;
}

function entryType(header: Header): RawEntry['type'] {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    case 'block-device':
    case 'character-device':
    case 'fifo':
    case null:
    case undefined:
      return 'other';
  }
}

/** Tar members of a tar byte stream, parsed with tar-stream (nothing touches the disk). */
export async function* tarEntries(tar: Readable): AsyncGenerator<RawEntry> {
  const ex = extract();
  tar.on('error', (err) => ex.destroy(err));
  tar.pipe(ex);
  for await (const stream of ex) {
    const h = stream.header;
    let consumed = false;
    const entry: RawEntry = {
      name: h.name,
      type: entryType(h),
      size: h.size ?? 0,
      mode: h.mode ?? 0,
      ...(h.linkname !== undefined && h.linkname !== null ? { linkname: h.linkname } : {}),
      body: () => {
        consumed = true;
        return stream as AsyncIterable<Uint8Array>;
      },
      skip: () => {
        consumed = true;
        stream.resume();
      },
    };
    yield entry;
    if (!consumed) stream.resume();
  }
}

/** Entries of a directory tree (a rootfs on disk); symlinks are reported, never followed. */
export async function* directoryEntries(root: string): AsyncGenerator<RawEntry> {
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() ?? '';
    const dir = await opendir(join(root, rel));
    const names: string[] = [];
    for await (const d of dir) names.push(d.name);
    names.sort();
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, relPath);
      const st = await lstat(abs);
      const base = { name: relPath, size: st.size, mode: st.mode & 0o7777, skip: () => {} };
      if (st.isDirectory()) {
        stack.push(relPath);
        yield { ...base, type: 'directory', size: 0, body: () => emptyBody() };
      } else if (st.isSymbolicLink()) {
        const target = await readlink(abs);
        yield { ...base, type: 'symlink', size: 0, linkname: target, body: () => emptyBody() };
      } else if (st.isFile()) {
        yield { ...base, type: 'file', body: () => createReadStream(abs) };
      } else {
        yield { ...base, type: 'other', size: 0, body: () => emptyBody() };
      }
    }
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
