import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { formatPurl, scopeToDistro } from '../identity/purl.js';
import { parseRpmHeader, parseRpmSqlite, rpmCataloger } from './rpm.js';

type Field = [tag: number, value: string | string[] | number[]];

/** Builds an rpmdb header blob: il, dl, index entries, data store (as rpm writes it). */
function header(fields: Field[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let off = 0;
  for (const [tag, value] of fields) {
    let type: number;
    let bytes: Buffer;
    let count = 1;
    if (typeof value === 'string') {
      type = 6;
      bytes = Buffer.from(value + '\0');
    } else if (typeof value[0] === 'string') {
      type = 8;
      count = value.length;
      bytes = Buffer.from((value as string[]).map((s) => s + '\0').join(''));
    } else {
      type = 4;
      count = value.length;
      const pad = (4 - (off % 4)) % 4;
      if (pad > 0) {
        data.push(Buffer.alloc(pad));
        off += pad;
      }
      bytes = Buffer.alloc(4 * count);
      (value as number[]).forEach((n, i) => bytes.writeInt32BE(n, i * 4));
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeUInt32BE(off, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
    data.push(bytes);
    off += bytes.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(fields.length, 0);
  head.writeUInt32BE(off, 4);
  return Buffer.concat([head, ...index, ...data]);
}

function rpmdb(blobs: Buffer[]): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const b of blobs) ins.run(b);
  const bytes = db.serialize();
  db.close();
  return bytes;
}

describe('rpm sqlite database', () => {
  it('reads packages, epochs, source rpms and owned files; purls scoped like Syft', () => {
    const bash = header([
      [1000, 'bash'],
      [1001, '5.1.8'],
      [1002, '9.el9'],
      [1022, 'x86_64'],
      [1014, 'GPLv3+'],
      [1044, 'bash-5.1.8-9.el9.src.rpm'],
      [1116, [0, 0, 1]],
      [1117, ['bash', 'sh', 'bash.1.gz']],
      [1118, ['/usr/bin/', '/usr/share/man/man1/']],
    ]);
    const openssl = header([
      [1000, 'openssl-libs'],
      [1001, '3.0.7'],
      [1002, '25.el9_3'],
      [1003, [1]],
      [1022, 'x86_64'],
      [1044, 'openssl-3.0.7-25.el9_3.src.rpm'],
    ]);
    const pubkey = header([
      [1000, 'gpg-pubkey'],
      [1001, 'fd431d51'],
    ]);
    const bytes = rpmdb([bash, openssl, pubkey]);
    const meta = { path: '/var/lib/rpm/rpmdb.sqlite', size: bytes.length, mode: 0o644 };
    expect(rpmCataloger.match(meta)).toBe(true);
    expect(rpmCataloger.sniff?.(bytes.subarray(0, 16))).toBe(true);
    const pkgs = parseRpmSqlite(bytes);
    const rhel = { id: 'rhel', versionId: '9.3', idLike: ['fedora'] };
    expect(pkgs.map((p) => formatPurl(scopeToDistro(p.purl, rhel)))).toEqual([
      'pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.3&upstream=bash-5.1.8-9.el9.src.rpm',
      'pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-25.el9_3.src.rpm',
    ]);
    expect(pkgs[0]?.files).toEqual([
      '/usr/bin/bash',
      '/usr/bin/sh',
      '/usr/share/man/man1/bash.1.gz',
    ]);
    expect(pkgs[1]?.version).toBe('1:3.0.7-25.el9_3');
  });

  it('rejects malformed header blobs', () => {
    expect(() => parseRpmHeader(Buffer.from([0, 0, 0, 9, 0, 0, 0, 1]))).toThrow(RangeError);
    expect(() => parseRpmSqlite(Buffer.from('SQLite format 3\0 but truncated'))).toThrow();
  });
});
