import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fixtureRecordFiles,
  OSV_FIXTURES,
  osvFixturesFor,
  readJson,
  versionIn,
} from './helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('osvFixturesFor', () => {
  it('moves the records written at the installed version to the version given, and only those', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-osv-fixtures-'));
    dirs.push(dir);
    const asked: string[] = [];
    const later: Record<string, string> = {
      login: '1:4.13+dfsg1-1+deb12u3',
      libtinfo6: '6.4-4+deb12u1',
      tar: '1.34+dfsg-1.2+deb12u2',
    };
    await osvFixturesFor(dir, (pkg) => {
      asked.push(pkg);
      return later[pkg] ?? 'missing';
    });
    expect(asked.sort()).toEqual(['libtinfo6', 'login', 'tar']);
    expect(fixtureRecordFiles(dir)).toEqual(fixtureRecordFiles());
    const rec = (f: string) => readJson(join(dir, f)) as { affected: Record<string, unknown>[] };
    expect(rec('debian/DEBIAN-CVE-2099-1008.json').affected[0]?.['ranges']).toEqual([
      {
        type: 'ECOSYSTEM',
        events: [{ introduced: '1:4.13+dfsg1-1' }, { last_affected: '1:4.13+dfsg1-1+deb12u3' }],
      },
    ]);
    expect(rec('debian/DEBIAN-CVE-2099-1007.json').affected[0]?.['versions']).toEqual([
      '6.4-3',
      '6.4-4+deb12u1',
    ]);
    expect(rec('debian/DEBIAN-CVE-2099-1012.json').affected[0]?.['ranges']).toEqual([
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.34+dfsg-1.2+deb12u2' }] },
    ]);
    // every other record is byte for byte the same
    for (const f of ['debian/DEBIAN-CVE-2099-1001.json', 'npm/GHSA-wh7r-f1x7-0001.json'])
      expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(OSV_FIXTURES, f), 'utf8'));
  });

  it('versionIn wants exactly one version', () => {
    const ps = [
      { name: 'a', version: '1' },
      { name: 'a', version: '1' },
      { name: 'b', version: '1' },
      { name: 'b', version: '2' },
    ];
    expect(versionIn(ps, 'a')).toBe('1');
    expect(() => versionIn(ps, 'b')).toThrow(/expected one version of b, found \["1","2"\]/);
    expect(() => versionIn(ps, 'c')).toThrow(/expected one version of c, found \[\]/);
  });
});
