/**
 * The two older rpmdb containers, read from memory: Berkeley DB hash (`Packages`, rpm <= 4.15,
 * RHEL/CentOS 5-8, Amazon Linux 2) and rpm's NDB (`Packages.db`, SUSE, rpm >= 4.16). Both only
 * wrap rpm header blobs, which `parseRpmHeader` reads. Hand-written because no maintained npm
 * package reads either without the native Berkeley DB library; only the few structures needed to
 * walk the values are parsed, every offset is bounds-checked, and chains are cycle-checked.
 * @module
 */

/** Berkeley DB hash magic (`DB_HASHMAGIC`) at offset 12 of the metadata page. */
const BDB_HASH_MAGIC = 0x061561;
const BDB_PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const VALID_PAGE_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);

/** True when `head` starts a Berkeley DB hash database (either byte order). */
export function isBerkeleyHash(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return b.readUInt32LE(12) === BDB_HASH_MAGIC || b.readUInt32BE(12) === BDB_HASH_MAGIC;
}

/**
 * The values of a Berkeley DB hash database, in page order: in-page items (`H_KEYDATA`) and
 * off-page items (`H_OFFPAGE`, concatenated from their overflow page chains). Keys are skipped.
 *
 * @throws RangeError on a malformed file (bad magic or page size, offsets outside the file,
 *   overflow chains that loop or end early)
 */
export function berkeleyHashValues(bytes: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 512) throw new RangeError('Berkeley DB file shorter than one page');
  let le: boolean;
  if (buf.readUInt32LE(12) === BDB_HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === BDB_HASH_MAGIC) le = false;
  else throw new RangeError('not a Berkeley DB hash database (magic)');
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const pageSize = u32(20);
  if (!VALID_PAGE_SIZES.has(pageSize)) throw new RangeError(`bad page size ${pageSize}`);
  if (buf[24] !== 0) throw new RangeError('encrypted Berkeley DB databases are not supported');
  if (buf[25] !== P_HASHMETA) throw new RangeError('first page is not hash metadata');
  const pages = Math.floor(buf.length / pageSize);
  const lastPage = Math.min(u32(32), pages - 1);
  const values: Uint8Array[] = [];

  const overflow = (first: number, total: number): Uint8Array => {
    if (total > buf.length) throw new RangeError(`off-page item of ${total} bytes is too long`);
    const parts: Buffer[] = [];
    let have = 0;
    let page = first;
    for (let hops = 0; page !== 0; hops++) {
      if (hops > pages || page >= pages) throw new RangeError(`bad overflow chain at ${page}`);
      const start = page * pageSize;
      if (buf[start + 25] !== P_OVERFLOW) throw new RangeError(`page ${page} is not overflow`);
      // On overflow pages the "high free offset" field holds the bytes used on the page.
      const len = Math.min(u16(start + 22), pageSize - BDB_PAGE_HEADER);
      parts.push(buf.subarray(start + BDB_PAGE_HEADER, start + BDB_PAGE_HEADER + len));
      have += len;
      page = u32(start + 16);
    }
    if (have < total) throw new RangeError(`overflow chain holds ${have} of ${total} bytes`);
    return Buffer.concat(parts).subarray(0, total);
  };

  for (let p = 1; p <= lastPage; p++) {
    const start = p * pageSize;
    const type = buf[start + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(start + 20);
    if (BDB_PAGE_HEADER + entries * 2 > pageSize)
      throw new RangeError(`page ${p}: bad entry count`);
    const offsets = Array.from({ length: entries }, (_, i) => u16(start + BDB_PAGE_HEADER + i * 2));
    // Items are pairs (key, value); a value is the odd index. An item ends where the previous
    // item (stored above it on the page) begins, the first one at the end of the page.
    for (let i = 1; i < entries; i += 2) {
      const off = offsets[i] ?? 0;
      const end = offsets[i - 1] ?? pageSize;
      if (off < BDB_PAGE_HEADER || off >= pageSize || end > pageSize || end <= off) {
        throw new RangeError(`page ${p}: item ${i} outside the page`);
      }
      const item = start + off;
      if (buf[item] === H_OFFPAGE) {
        if (off + 12 > pageSize) throw new RangeError(`page ${p}: truncated off-page item`);
        values.push(overflow(u32(item + 4), u32(item + 8)));
      } else if (buf[item] === H_KEYDATA) {
        values.push(buf.subarray(item + 1, start + end));
      }
    }
  }
  return values;
}

const NDB_MAGIC = 0x506d7052; // "RpmP"
const NDB_SLOT_MAGIC = 0x746f6c53; // "Slot"
const NDB_BLOB_MAGIC = 0x53626c42; // "BlbS"
const NDB_SLOT_PAGE = 4096;
const NDB_BLOCK = 16;

/** True when `head` starts an rpm NDB package database. */
export function isNdb(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    Buffer.from(head.buffer, head.byteOffset, head.byteLength).readUInt32LE(0) === NDB_MAGIC
  );
}

/**
 * The header blobs of an rpm NDB `Packages.db`: a 32-byte header (magic, version 0, generation,
 * slot page count), 4 KiB slot pages of 16-byte slots (magic, package index, block offset,
 * block count; the header takes the first two), and 16-byte blocks holding a blob header (magic,
 * package index, checksum, length) and the blob. The checksum is not verified.
 *
 * @throws RangeError on a malformed file
 */
export function ndbBlobs(bytes: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 32 || buf.readUInt32LE(0) !== NDB_MAGIC) {
    throw new RangeError('not an rpm NDB database (magic)');
  }
  if (buf.readUInt32LE(4) !== 0)
    throw new RangeError(`unsupported NDB version ${buf.readUInt32LE(4)}`);
  const slotPages = buf.readUInt32LE(12);
  if (slotPages === 0 || slotPages > 2048 || slotPages * NDB_SLOT_PAGE > buf.length) {
    throw new RangeError(`bad NDB slot page count ${slotPages}`);
  }
  const blobs: Uint8Array[] = [];
  for (let s = 32; s < slotPages * NDB_SLOT_PAGE; s += 16) {
    if (buf.readUInt32LE(s) !== NDB_SLOT_MAGIC) throw new RangeError(`bad NDB slot at ${s}`);
    const pkg = buf.readUInt32LE(s + 4);
    if (pkg === 0) continue;
    const at = buf.readUInt32LE(s + 8) * NDB_BLOCK;
    if (at + 16 > buf.length) throw new RangeError(`NDB blob of package ${pkg} outside the file`);
    if (buf.readUInt32LE(at) !== NDB_BLOB_MAGIC || buf.readUInt32LE(at + 4) !== pkg) {
      throw new RangeError(`bad NDB blob header for package ${pkg}`);
    }
    const len = buf.readUInt32LE(at + 12);
    if (at + 16 + len > buf.length) throw new RangeError(`NDB blob of package ${pkg} is truncated`);
    blobs.push(buf.subarray(at + 16, at + 16 + len));
  }
  return blobs;
}
