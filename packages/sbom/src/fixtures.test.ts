/**
 * Realistic fixture images (Debian 12 minbase via mmdebstrap + umoci, with Node.js, Python, Go
 * binaries and whiteouts), catalogued by Wharf and by Syft side by side.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixtureLayouts,
  canBuildFixtures,
  FIXTURES,
  syftJson,
  syftPath,
  type Fixture,
  type SyftJson,
} from '../test/fixture-images.js';
import { REPO_ROOT } from '../test/peers.js';
import { cyclonedxValidator } from '../test/cyclonedx-schema.js';
import { officialSpdxValidator } from '../test/spdx-official.js';
import { spdxDocumentSchema } from '../test/spdx-schema.js';
import { catalogSource } from './catalog.js';
import { purlWithoutQualifiers } from './identity/purl.js';
import type { Catalog } from './types.js';
import { DirectoryLayerCache, MemoryLayerCache } from './walker/cache.js';
import { writeCycloneDx } from './writers/cyclonedx.js';
import { writeSpdx } from './writers/spdx.js';

const ALLOWLIST = join(REPO_ROOT, 'packages/sbom/test-fixtures/syft-allowlist.json');

interface AllowEntry {
  readonly fixture: Fixture;
  readonly purl: string;
  readonly side: 'missing' | 'extra';
  readonly reason: string;
}

const syft = syftPath;

const layouts = new Map<Fixture, string>();
const catalogs = new Map<Fixture, Catalog>();
const timings = new Map<Fixture, number>();
const cache = new MemoryLayerCache();

/** Syft's syft-json for a fixture (cached next to its layout). */
function syftDoc(fixture: Fixture, dir: string, bin: string): SyftJson {
  const doc = syftJson(dir, bin);
  expect(doc.artifacts.length, `syft found nothing in ${fixture}`).toBeGreaterThan(0);
  return doc;
}

function syftPurls(fixture: Fixture, dir: string, bin: string): Set<string> {
  const doc = syftDoc(fixture, dir, bin);
  return new Set(doc.artifacts.map((a) => purlWithoutQualifiers(a.purl ?? `nopurl:${a.name}`)));
}

/** `<package purl without qualifiers> <path> <sha256>` for every file a package contains. */
function syftOwnedFiles(doc: SyftJson): Set<string> {
  const pkgs = new Map(doc.artifacts.map((a) => [a.id, a]));
  const files = new Map((doc.files ?? []).map((f) => [f.id, f]));
  const out = new Set<string>();
  for (const r of doc.artifactRelationships ?? []) {
    const p = pkgs.get(r.parent);
    const f = files.get(r.child);
    if (r.type !== 'contains' || p === undefined || f === undefined) continue;
    const sha256 = f.digests?.find((d) => d.algorithm === 'sha256')?.value ?? 'none';
    out.add(`${purlWithoutQualifiers(p.purl ?? p.name)} ${f.location.path} ${sha256}`);
  }
  return out;
}

function wharfOwnedFiles(c: Catalog): Set<string> {
  const purl = new Map(c.packages.map((p) => [p.id, purlWithoutQualifiers(p.purl)]));
  const out = new Set<string>();
  for (const f of c.files ?? []) {
    for (const id of f.owners) out.add(`${purl.get(id) ?? id} ${f.path} ${f.sha256}`);
  }
  return out;
}

describe.skipIf(!canBuildFixtures)('fixture images', () => {
  beforeAll(() => {
    for (const [name, dir] of buildFixtureLayouts()) layouts.set(name, dir);
  }, 45 * 60_000);

  it.each(FIXTURES)(
    'catalogs the %s image',
    async (fixture) => {
      const dir = layouts.get(fixture);
      expect(dir).toBeDefined();
      const start = performance.now();
      const c = await catalogSource(
        { kind: 'oci-layout', path: dir ?? '' },
        { platform: 'linux/amd64', cache },
      );
      timings.set(fixture, performance.now() - start);
      catalogs.set(fixture, c);
      expect(c.distro).toMatchObject({ id: 'debian', versionId: '12' });
      expect(c.warnings).toEqual([]);
      expect(c.packages.filter((p) => p.type === 'deb').length).toBeGreaterThan(80);
      if (fixture !== 'base')
        expect(c.source.layers[0]?.cached, 'the shared base layer is analysed once').toBe(true);
    },
    300_000,
  );

  it('finds language packages installed by Debian and whiteouts that removed them', () => {
    const purls = (f: Fixture) =>
      new Set(catalogs.get(f)?.packages.map((p) => purlWithoutQualifiers(p.purl)));
    const node = purls('node');
    expect([...node].filter((p) => p.startsWith('pkg:npm/lodash@'))).toHaveLength(1);
    expect([...node].some((p) => p.startsWith('pkg:deb/debian/nodejs@'))).toBe(true);
    expect([...purls('python')].some((p) => p.startsWith('pkg:pypi/requests@2.28.1'))).toBe(true);
    const go = [...purls('go')];
    expect(go).toContain('pkg:golang/github.com/opencontainers/umoci/cmd/umoci');
    expect(go.some((p) => p.startsWith('pkg:golang/stdlib@'))).toBe(true);
    const wh = purls('whiteout');
    expect([...wh].some((p) => p.startsWith('pkg:deb/debian/node-lodash@'))).toBe(false);
    expect([...wh].some((p) => p.startsWith('pkg:npm/lodash@'))).toBe(false);
    expect([...wh].some((p) => p.startsWith('pkg:npm/acorn-walk@'))).toBe(false);
    expect([...wh].some((p) => p.startsWith('pkg:deb/debian/node-acorn@'))).toBe(true);
    expect([...node].some((p) => p.startsWith('pkg:npm/acorn-walk@'))).toBe(true);
    const dpkgOwned = catalogs.get('base')?.packages.find((p) => p.name === 'bash')?.files ?? [];
    expect(dpkgOwned).toContain('/bin/bash');
  });

  it.each(['whiteout', 'go'] as const)(
    'writes byte-identical SPDX and CycloneDX for %s from a cold and a warm on-disk cache',
    async (fixture) => {
      const dir = layouts.get(fixture);
      expect(dir).toBeDefined();
      const cacheDir = mkdtempSync(join(tmpdir(), 'sbom-fixture-cache-'));
      try {
        const disk = new DirectoryLayerCache(cacheDir);
        const run = async () => {
          const c = await catalogSource(
            { kind: 'oci-layout', path: dir ?? '' },
            { platform: 'linux/amd64', cache: disk },
          );
          const created = new Date(0);
          return {
            cached: c.source.layers.map((l) => l.cached),
            spdx: JSON.stringify(writeSpdx(c, { created }), null, 2),
            cdx: JSON.stringify(writeCycloneDx(c, { created }), null, 2),
          };
        };
        const cold = await run();
        const warm = await run();
        expect(cold.cached.every((x) => !x)).toBe(true);
        expect(warm.cached.every((x) => x)).toBe(true);
        expect(warm.spdx === cold.spdx, 'SPDX differs between cold and warm').toBe(true);
        expect(warm.cdx === cold.cdx, 'CycloneDX differs between cold and warm').toBe(true);
        // and the same as the in-memory cache gave (no lossy JSON round trip)
        const mem = catalogs.get(fixture);
        expect(mem).toBeDefined();
        if (mem !== undefined) {
          expect(JSON.stringify(writeSpdx(mem, { created: new Date(0) }), null, 2)).toBe(cold.spdx);
        }
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it('writes schema-valid SPDX for a real image', () => {
    const c = catalogs.get('node');
    expect(c).toBeDefined();
    if (c === undefined) return;
    const parsed = spdxDocumentSchema.safeParse(
      JSON.parse(JSON.stringify(writeSpdx(c, { created: new Date(0) }))),
    );
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  const officialSpdx = officialSpdxValidator();
  const cdx = cyclonedxValidator();
  it.each(FIXTURES)(
    'writes SPDX valid against the official SPDX 2.3 schema and CycloneDX valid against 1.6 for %s',
    (fixture) => {
      const c = catalogs.get(fixture);
      expect(c).toBeDefined();
      if (c === undefined) return;
      expect(c.files?.length ?? 0, 'owned files with digests').toBeGreaterThan(1000);
      if (officialSpdx === undefined) expect.fail('the official SPDX 2.3 schema is not available');
      const spdx = JSON.parse(JSON.stringify(writeSpdx(c, { created: new Date(0) }))) as unknown;
      const spdxOk = officialSpdx(spdx);
      expect(officialSpdx.errors?.slice(0, 5) ?? []).toEqual([]);
      expect(spdxOk).toBe(true);
      const doc = JSON.parse(
        JSON.stringify(writeCycloneDx(c, { created: new Date(0) })),
      ) as unknown;
      const cdxOk = cdx(doc);
      expect(cdx.errors?.slice(0, 5) ?? []).toEqual([]);
      expect(cdxOk).toBe(true);
    },
    60_000,
  );

  describe.skipIf(syft === undefined)('side by side with Syft', () => {
    it.each(FIXTURES)(
      'owns the same files as Syft on %s: every (package, path, sha256) of one is in the other',
      (fixture) => {
        const c = catalogs.get(fixture);
        expect(c).toBeDefined();
        if (c === undefined) return;
        const theirs = syftOwnedFiles(syftDoc(fixture, layouts.get(fixture) ?? '', syft ?? ''));
        const ours = wharfOwnedFiles(c);
        expect(theirs.size, 'syft relates files to packages').toBeGreaterThan(1000);
        console.log(`${fixture}: owned files syft ${theirs.size}, wharf ${ours.size}`);
        expect([...theirs].filter((k) => !ours.has(k)).slice(0, 10), 'missing').toEqual([]);
        expect([...ours].filter((k) => !theirs.has(k)).slice(0, 10), 'extra').toEqual([]);
      },
    );

    const allow = (JSON.parse(readFileSync(ALLOWLIST, 'utf8')) as { differences: AllowEntry[] })
      .differences;

    it('every allowlist entry has a reason', () => {
      for (const e of allow) expect(e.reason.length, JSON.stringify(e)).toBeGreaterThan(10);
    });

    it.each(FIXTURES)(
      'recall against Syft on %s is at least 98 percent, every difference allowlisted',
      (fixture) => {
        const c = catalogs.get(fixture);
        const dir = layouts.get(fixture);
        expect(c).toBeDefined();
        const theirs = syftPurls(fixture, dir ?? '', syft ?? '');
        const ours = new Set(c?.packages.map((p) => purlWithoutQualifiers(p.purl)));
        const missing = [...theirs].filter((p) => !ours.has(p)).sort();
        const extra = [...ours].filter((p) => !theirs.has(p)).sort();
        const recall = (theirs.size - missing.length) / theirs.size;
        console.log(
          `${fixture}: syft ${theirs.size}, wharf ${ours.size}, recall ${(recall * 100).toFixed(1)}%, ` +
            `wharf ${Math.round(timings.get(fixture) ?? 0)} ms`,
        );
        expect(recall).toBeGreaterThanOrEqual(0.98);
        const listed = allow.filter((e) => e.fixture === fixture);
        const key = (side: string, purl: string) => `${side} ${purl}`;
        const actual = [
          ...missing.map((p) => key('missing', p)),
          ...extra.map((p) => key('extra', p)),
        ];
        expect(
          actual.filter((k) => !listed.some((e) => key(e.side, e.purl) === k)),
          'unexplained differences',
        ).toEqual([]);
        expect(
          listed.map((e) => key(e.side, e.purl)).filter((k) => !actual.includes(k)),
          'stale allowlist entries',
        ).toEqual([]);
      },
      300_000,
    );
  });
});
