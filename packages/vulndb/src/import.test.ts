import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { fixtureRecordFiles, OSV_FIXTURES, REPO_ROOT, writeZip } from '../test/helpers.js';
import { VulnDb } from './db.js';
import { dbFile, importOsv } from './import.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-vulndb-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const record = (id: string, eco: string, name: string, events: object[]): string =>
  JSON.stringify({
    id,
    modified: '2026-10-01T00:00:00Z',
    affected: [{ package: { ecosystem: eco, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
  });

describe('db import', () => {
  it('imports the fixture directory recursively and indexes by (ecosystem, name)', async () => {
    const dir = join(work, 'fixtures-db');
    const now = new Date('2026-11-01T10:00:00Z');
    const r = await importOsv(dir, OSV_FIXTURES, { now: () => now });
    expect(r.records).toBe(fixtureRecordFiles().length);
    // README.md sits beside the records: counted, never dropped silently
    expect(r.warnings).toEqual([{ reason: 'not a .json file', count: 1, examples: ['README.md'] }]);
    const db = VulnDb.open(dbFile(dir));
    try {
      const s = db.status();
      expect(s).toMatchObject({
        path: dbFile(dir),
        schemaVersion: 1,
        importedAt: '2026-11-01T10:00:00Z',
        source: OSV_FIXTURES,
        records: 22,
      });
      expect(s.ecosystems).toEqual({ 'Debian:11': 1, 'Debian:12': 11, Go: 2, npm: 5, PyPI: 3 });
      expect(db.recordsFor('Debian:12', 'openssl').map((x) => x.id)).toEqual([
        'DEBIAN-CVE-2099-1001',
      ]);
      expect(db.recordsFor('Debian:12', 'libssl3')).toEqual([]);
      expect(db.recordsFor('PyPI', 'Requests').map((x) => x.id)).toEqual(['PYSEC-2099-3001']);
    } finally {
      db.close();
    }
  });

  it('counts malformed, invalid, unknown-ecosystem, unparsable and oversized records', async () => {
    const src = join(work, 'bad');
    await mkdir(join(src, 'nested'), { recursive: true });
    await writeFile(
      join(src, 'ok.json'),
      record('OK-1', 'Debian:12', 'bash', [{ introduced: '0' }]),
    );
    await writeFile(join(src, 'broken.json'), '{"id": "BROKEN-1", ');
    await writeFile(join(src, 'nested', 'schema.json'), JSON.stringify({ id: 'NOMOD-1' }));
    await writeFile(
      join(src, 'nested', 'hackage.json'),
      record('HSEC-1', 'Hackage', 'aeson', [{ introduced: '0' }]),
    );
    await writeFile(
      join(src, 'badver.json'),
      record('BADVER-1', 'Debian:12', 'bash', [{ introduced: '0' }, { fixed: 'not-a-version!' }]),
    );
    await writeFile(join(src, 'huge.json'), ' '.repeat(5000));
    const r = await importOsv(join(work, 'bad-db'), src, { maxRecordBytes: 4096 });
    expect(r.records).toBe(1);
    expect(r.warnings.map((w) => `${w.count} ${w.reason} ${w.examples.join(',')}`)).toEqual([
      '1 file larger than 4096 bytes huge.json',
      '1 malformed JSON broken.json',
      '1 not a valid OSV record nested/schema.json',
      '1 unknown ecosystem Hackage HSEC-1',
      '1 unparsable dpkg version in Debian:12 range BADVER-1',
    ]);
  });

  it('imports an osv.dev all.zip, merging into the existing database', async () => {
    const dir = join(work, 'merge-db');
    await importOsv(dir, join(OSV_FIXTURES, 'debian'));
    const zip = join(work, 'all.zip');
    const files = fixtureRecordFiles(join(OSV_FIXTURES, 'npm'));
    await writeZip(
      zip,
      await Promise.all(
        files.map(async (f) => ({
          name: f,
          content: await readFile(join(OSV_FIXTURES, 'npm', f)),
        })),
      ),
    );
    const r = await importOsv(dir, zip);
    expect(r.records).toBe(5);
    const db = VulnDb.open(dbFile(dir));
    try {
      const s = db.status();
      expect(s.records).toBe(17);
      expect(s.imports.map((i) => i.records)).toEqual([12, 5]);
      expect(s.source).toBe(zip);
    } finally {
      db.close();
    }
    const replaced = await importOsv(dir, zip, { replace: true });
    expect(replaced.records).toBe(5);
    const db2 = VulnDb.open(dbFile(dir));
    expect(db2.status().records).toBe(5);
    db2.close();
  });

  it('refuses zip entries with ../ or absolute names, and zip bombs', async () => {
    const ok = record('OK-1', 'npm', 'x', [{ introduced: '0' }]);
    for (const name of ['../evil.json', 'a/../../evil.json', '/etc/evil.json']) {
      const zip = join(work, 'slip.zip');
      await writeZip(zip, [{ name, content: ok }]);
      const err = await importOsv(join(work, 'slip-db'), zip).catch((e: unknown) => e);
      expect(isWharfError(err, 'ZIP_UNSAFE'), String(err)).toBe(true);
      expect((err as Error).message).toContain('unsafe name');
    }
    const bomb = join(work, 'bomb.zip');
    await writeZip(bomb, [{ name: 'bomb.json', content: Buffer.alloc(8 * 1024 * 1024, 0x20) }]);
    const err = await importOsv(join(work, 'bomb-db'), bomb, { maxCompressionRatio: 100 }).catch(
      (e: unknown) => e,
    );
    expect(isWharfError(err, 'ZIP_UNSAFE')).toBe(true);
    expect((err as Error).message).toMatch(/inflates \d+ times/);
    const total = await importOsv(join(work, 'bomb-db'), bomb, { maxTotalBytes: 1024 }).catch(
      (e: unknown) => e,
    );
    expect((total as Error).message).toContain('inflate to more than 1024 bytes');
    expect(existsSync(dbFile(join(work, 'bomb-db')))).toBe(false);
  });

  it('rejects a source that is neither a directory nor a zip, and a file that is no database', async () => {
    await writeFile(join(work, 'x.txt'), 'x');
    await expect(importOsv(join(work, 'x-db'), join(work, 'x.txt'))).rejects.toThrow(
      /neither a directory of OSV JSON files nor a \.zip/,
    );
    await expect(importOsv(join(work, 'x-db'), join(work, 'missing'))).rejects.toThrow(
      /does not exist/,
    );
    await mkdir(join(work, 'foreign'), { recursive: true });
    await writeFile(dbFile(join(work, 'foreign')), 'not sqlite at all');
    expect(() => VulnDb.open(dbFile(join(work, 'foreign')))).toThrow(
      /cannot be opened|not a Wharf/,
    );
    expect(() => VulnDb.open(dbFile(join(work, 'nowhere')))).toThrow(/wharf db import/);
  });

  it('refuses a concurrent import (lock held by a live process) and replaces a stale lock', async () => {
    const dir = join(work, 'lock-db');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dbFile(dir)}.lock`, String(process.pid));
    const err = await importOsv(dir, join(OSV_FIXTURES, 'go')).catch((e: unknown) => e);
    expect(isWharfError(err, 'DB_LOCKED'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`another import (pid ${process.pid})`);
    expect(existsSync(dbFile(dir))).toBe(false);
    // a pid that cannot be running (above Linux's pid_max limit of 2^22)
    await writeFile(`${dbFile(dir)}.lock`, String(2 ** 22 + 1));
    expect((await importOsv(dir, join(OSV_FIXTURES, 'go'))).records).toBe(2);
    expect(existsSync(`${dbFile(dir)}.lock`)).toBe(false);
  });

  it('a killed import leaves the previous database intact; the next import cleans up', async () => {
    const dir = join(work, 'kill-db');
    await importOsv(dir, join(OSV_FIXTURES, 'debian'));
    const before = VulnDb.open(dbFile(dir));
    const statusBefore = before.status();
    before.close();
    const zip = join(work, 'big.zip');
    await writeZip(
      zip,
      Array.from({ length: 20_000 }, (_, i) => ({
        name: `GHSA-big-${i}.json`,
        content: record(`GHSA-big-${i}`, 'npm', `pkg-${i % 500}`, [
          { introduced: '0' },
          { fixed: `1.${i % 50}.0` },
        ]),
      })),
      false,
    );
    const script = `
      import { importOsv } from ${JSON.stringify(join(REPO_ROOT, 'packages/vulndb/dist/index.js'))};
      await importOsv(${JSON.stringify(dir)}, ${JSON.stringify(zip)}, {
        onRecord: (n) => { if (n === 1000) process.stdout.write('halfway\\n'); },
      });
      process.stdout.write('finished\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said = await new Promise<string>((res) => {
      let buf = '';
      child.on('exit', () => res(buf));
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('halfway') || buf.includes('finished')) {
          child.kill('SIGKILL');
          res(buf);
        }
      });
    });
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((res) => child.on('exit', res));
    }
    expect(said).toContain('halfway');
    expect(said).not.toContain('finished');
    const leftovers = readdirSync(dir).filter((n) => n.includes('.import-'));
    expect(leftovers.length).toBeGreaterThan(0);
    const after = VulnDb.open(dbFile(dir));
    expect(after.status()).toEqual(statusBefore);
    expect(after.recordsFor('npm', 'pkg-1')).toEqual([]);
    after.close();
    expect(existsSync(`${dbFile(dir)}.lock`), 'the killed import left its lock').toBe(true);
    await importOsv(dir, join(OSV_FIXTURES, 'go'));
    expect(readdirSync(dir).filter((n) => n.includes('.import-') || n.endsWith('.lock'))).toEqual(
      [],
    );
  }, 120_000);
});
