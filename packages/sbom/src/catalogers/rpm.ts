import { openDatabase } from '@wharf/sqlite';
import { berkeleyHashValues, isBerkeleyHash, isNdb, ndbBlobs } from './rpmdb-files.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'rpm-db-cataloger';

const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  summary: 1004,
  size: 1009,
  vendor: 1011,
  license: 1014,
  url: 1020,
  arch: 1022,
  sourceRpm: 1044,
  dirIndexes: 1116,
  baseNames: 1117,
  dirNames: 1118,
} as const;

type Value = string | string[] | number[];

/**
 * Parses one RPM header blob as rpmdb stores it: entry count and data length (big-endian),
 * 16-byte index entries (tag, type, offset, count), then the data store.
 */
export function parseRpmHeader(blob: Uint8Array): Map<number, Value> {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) throw new RangeError('rpm header too short');
  const il = buf.readUInt32BE(0);
  const dl = buf.readUInt32BE(4);
  const store = 8 + il * 16;
  if (il > 100_000 || store + dl > buf.length)
    throw new RangeError('rpm header sizes out of range');
  const out = new Map<number, Value>();
  const str = (off: number): [string, number] => {
    const end = buf.indexOf(0, off);
    if (end < 0 || end > store + dl) throw new RangeError('unterminated rpm string');
    return [buf.toString('utf8', off, end), end + 1];
  };
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = buf.readUInt32BE(e);
    const type = buf.readUInt32BE(e + 4);
    const off = store + buf.readUInt32BE(e + 8);
    const count = buf.readUInt32BE(e + 12);
    if (off > store + dl) continue;
    if (type === 6 || type === 9) out.set(tag, str(off)[0]);
    else if (type === 8) {
      const list: string[] = [];
      let p = off;
      for (let j = 0; j < count && j < 1_000_000; j++) {
        const [s, next] = str(p);
        list.push(s);
        p = next;
      }
      out.set(tag, list);
    } else if (type === 4 && off + count * 4 <= store + dl) {
      out.set(
        tag,
        Array.from({ length: count }, (_, j) => buf.readInt32BE(off + j * 4)),
      );
    }
  }
  return out;
}

/** Packages of an rpmdb header, with owned files from basenames/dirnames/dirindexes. */
export function rpmPackage(h: ReadonlyMap<number, Value>): RawPackage | undefined {
  const s = (tag: number): string | undefined => {
    const v = h.get(tag);
    return typeof v === 'string'
      ? v
      : Array.isArray(v) && typeof v[0] === 'string'
        ? v[0]
        : undefined;
  };
  const name = s(TAG.name);
  const version = s(TAG.version);
  const release = s(TAG.release);
  if (name === undefined || version === undefined || name === 'gpg-pubkey') return undefined;
  const epochV = h.get(TAG.epoch);
  const epoch =
    Array.isArray(epochV) && typeof epochV[0] === 'number' ? String(epochV[0]) : undefined;
  const arch = s(TAG.arch) ?? '';
  const srpm = s(TAG.sourceRpm) ?? '';
  const full = release !== undefined && release !== '' ? `${version}-${release}` : version;
  const qualifiers: Record<string, string> = {};
  if (arch !== '') qualifiers.arch = arch;
  if (epoch !== undefined) qualifiers.epoch = epoch;
  if (srpm !== '') qualifiers.upstream = srpm;
  const base = h.get(TAG.baseNames);
  const dirs = h.get(TAG.dirNames);
  const idx = h.get(TAG.dirIndexes);
  const files: string[] = [];
  if (Array.isArray(base) && Array.isArray(dirs) && Array.isArray(idx)) {
    base.forEach((b, i) => {
      const d = dirs[Number(idx[i] ?? -1)];
      if (typeof b === 'string' && typeof d === 'string') files.push(d + b);
    });
  }
  const license = s(TAG.license);
  const vendor = s(TAG.vendor);
  const url = s(TAG.url);
  const summary = s(TAG.summary);
  return {
    type: 'rpm',
    name,
    version: epoch !== undefined ? `${epoch}:${full}` : full,
    foundBy: FOUND_BY,
    licenses: license !== undefined ? [license] : [],
    purl: { type: 'rpm', name, version: full, qualifiers, distroScoped: true },
    files: files.sort(),
    ...(vendor !== undefined ? { supplier: vendor } : {}),
    ...(url !== undefined ? { homepage: url } : {}),
    ...(summary !== undefined ? { description: summary } : {}),
    metadata: {
      ...(arch !== '' ? { architecture: arch } : {}),
      ...(srpm !== '' ? { sourceRpm: srpm } : {}),
    },
    cpe: { vendors: [vendor?.split(/[ ,]/)[0]?.toLowerCase() ?? name], products: [name] },
  };
}

/** Reads an SQLite rpmdb (`rpmdb.sqlite`) from memory (deserialized, never written to disk). */
export function parseRpmSqlite(bytes: Uint8Array): RawPackage[] {
  const db = openDatabase(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    readonly: true,
  });
  try {
    const rows = db.prepare('SELECT blob FROM Packages').all() as { blob: unknown }[];
    const out: RawPackage[] = [];
    for (const r of rows) {
      if (!(r.blob instanceof Uint8Array)) continue;
      const p = rpmPackage(parseRpmHeader(r.blob));
      if (p !== undefined) out.push(p);
    }
    return out;
  } finally {
    db.close();
  }
}

function packagesOf(blobs: readonly Uint8Array[]): RawPackage[] {
  const out: RawPackage[] = [];
  for (const b of blobs) {
    const p = rpmPackage(parseRpmHeader(b));
    if (p !== undefined) out.push(p);
  }
  return out;
}

/**
 * Reads a Berkeley DB `Packages` rpmdb (rpm <= 4.15). Values shorter than a header (the 4-byte
 * instance counter under key 0) are skipped.
 */
export function parseRpmBerkeleyDb(bytes: Uint8Array): RawPackage[] {
  return packagesOf(berkeleyHashValues(bytes).filter((v) => v.length >= 8));
}

/** Reads an NDB `Packages.db` rpmdb (rpm >= 4.16 on SUSE). */
export function parseRpmNdb(bytes: Uint8Array): RawPackage[] {
  return packagesOf(ndbBlobs(bytes));
}

const SQLITE_MAGIC = 'SQLite format 3';

function isSqlite(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 15)).toString('latin1') === SQLITE_MAGIC;
}

export const rpmCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) =>
    /\/(var\/lib|usr\/share|usr\/lib\/sysimage)\/rpm\/(rpmdb\.sqlite|Packages|Packages\.db)$/.test(
      f.path,
    ),
  sniff: (head) => isSqlite(head) || isBerkeleyHash(head) || isNdb(head),
  parse: (_f, content) => {
    const packages = isSqlite(content)
      ? parseRpmSqlite(content)
      : isNdb(content)
        ? parseRpmNdb(content)
        : parseRpmBerkeleyDb(content);
    return [{ kind: 'packages', packages }];
  },
};
