import { readFileSync } from 'node:fs';
import { openDatabase } from '@wharf/sqlite';
import { describe, expect, it } from 'vitest';
import { formatPurl, scopeToDistro } from '../identity/purl.js';
import {
  parseRpmBerkeleyDb,
  parseRpmHeader,
  parseRpmNdb,
  parseRpmSqlite,
  rpmCataloger,
} from './rpm.js';

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
  const db = openDatabase(':memory:');
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

/** Built by scripts/build-rpmdb-fixtures.sh from two packages built and installed with rpm 4.18. */
const FIXTURES = new URL('../../test-fixtures/rpm/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
interface Expected {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  license: string;
}
const expected = JSON.parse(fixture('expected.json').toString('utf8')) as Expected[];

describe('rpm Berkeley DB (Packages) and NDB (Packages.db) databases', () => {
  const summary = (p: ReturnType<typeof parseRpmNdb>[number]) => p.name + ' ' + p.version;
  const want = expected.map(
    (e) => `${e.name} ${e.epoch !== '0' ? `${e.epoch}:` : ''}${e.version}-${e.release}`,
  );

  it('reads what rpm -qa lists from a Berkeley DB hash file written by libdb (overflow chains)', () => {
    const bytes = fixture('Packages');
    const meta = { path: '/var/lib/rpm/Packages', size: bytes.length, mode: 0o644 };
    expect(rpmCataloger.match(meta)).toBe(true);
    expect(rpmCataloger.sniff?.(bytes.subarray(0, 16))).toBe(true);
    const pkgs = parseRpmBerkeleyDb(bytes);
    expect(pkgs.map(summary).sort()).toEqual(want);
    const hello = pkgs.find((p) => p.name === 'wharf-hello');
    expect(hello?.files).toHaveLength(61);
    expect(hello?.files).toContain('/usr/share/hello/file-60.txt');
    expect(hello?.licenses).toEqual(['MIT']);
    expect(hello?.purl.qualifiers).toEqual({
      arch: 'noarch',
      epoch: '2',
      upstream: 'wharf-hello-1.2.3-4.fc40.src.rpm',
    });
    expect(rpmCataloger.parse(meta, bytes)).toEqual([{ kind: 'packages', packages: pkgs }]);
  });

  it('reads the same packages from an NDB Packages.db', () => {
    const bytes = fixture('Packages.db');
    const meta = { path: '/usr/lib/sysimage/rpm/Packages.db', size: bytes.length, mode: 0o644 };
    expect(rpmCataloger.match(meta)).toBe(true);
    expect(rpmCataloger.sniff?.(bytes.subarray(0, 16))).toBe(true);
    const pkgs = parseRpmNdb(bytes);
    expect(pkgs.map(summary).sort()).toEqual(want);
    expect(rpmCataloger.parse(meta, bytes)).toEqual([{ kind: 'packages', packages: pkgs }]);
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect([...pkgs].sort(byName)).toEqual(parseRpmBerkeleyDb(fixture('Packages')).sort(byName));
  });

  it('rejects malformed files with RangeError instead of reading out of bounds or looping', () => {
    const bdb = fixture('Packages');
    expect(() => parseRpmBerkeleyDb(bdb.subarray(0, 300))).toThrow(RangeError);
    const badPageSize = Buffer.from(bdb);
    badPageSize.writeUInt32LE(1000, 20);
    expect(() => parseRpmBerkeleyDb(badPageSize)).toThrow(/page size/);
    // a file cut after the hash pages: the overflow chains point past the end
    expect(() => parseRpmBerkeleyDb(bdb.subarray(0, 512 * 4))).toThrow(RangeError);
    // an overflow page pointing at itself
    const loop = Buffer.from(bdb);
    for (let p = 1; p < loop.length / 512; p++) {
      if (loop[p * 512 + 25] === 7) loop.writeUInt32LE(p, p * 512 + 16);
    }
    expect(() => parseRpmBerkeleyDb(loop)).toThrow(RangeError);
    const ndb = fixture('Packages.db');
    expect(() => parseRpmNdb(ndb.subarray(0, 4096 + 40))).toThrow(/truncated|outside/);
    const badSlot = Buffer.from(ndb);
    badSlot.write('Xlot', 32, 'latin1');
    expect(() => parseRpmNdb(badSlot)).toThrow(/bad NDB slot/);
    const hugeCount = Buffer.from(ndb);
    hugeCount.writeUInt32LE(100_000, 12);
    expect(() => parseRpmNdb(hugeCount)).toThrow(/slot page count/);
  });
});

describe('rpm databases in an image', () => {
  it('catalogs a Berkeley DB rpmdb with distro-scoped purls (CentOS 7 layout)', async () => {
    const { catalogSource } = await import('../catalog.js');
    const { gzLayer, makeImage } = await import('../../test/images.js');
    const { store, manifest } = await makeImage([
      await gzLayer([
        { name: 'etc/os-release', content: 'ID="centos"\nVERSION_ID="7"\nID_LIKE="rhel fedora"\n' },
        { name: 'var/lib/rpm/Packages', content: fixture('Packages') },
      ]),
    ]);
    const c = await catalogSource({ kind: 'image', fetcher: store, descriptor: manifest });
    expect(c.warnings).toEqual([]);
    expect(c.packages.map((p) => p.purl)).toEqual([
      'pkg:rpm/centos/wharf-hello@1.2.3-4.fc40?arch=noarch&distro=centos-7&epoch=2&upstream=wharf-hello-1.2.3-4.fc40.src.rpm',
      'pkg:rpm/centos/wharf-tiny@0.1-1?arch=noarch&distro=centos-7&upstream=wharf-tiny-0.1-1.src.rpm',
    ]);
  });
});
