/**
 * Wharf's CPEs against Syft's (the pinned peer) on the fixture images: "CPEs where Syft would
 * emit them". Per package of an image found by both (keyed by purl without qualifiers):
 *
 * - Wharf emits CPEs exactly for the packages Syft emits CPEs for;
 * - Wharf's primary (first) CPE, the one CycloneDX's `cpe` carries, is one of Syft's CPEs for
 *   the package, and so is every other Wharf CPE (Syft emits all its vendor × product
 *   candidates, up to dozens; Wharf at most 4);
 * - any package where that fails is in test-fixtures/cpe-syft-allowlist.json with a reason
 *   (a listed package that no longer differs fails too), and a `nvd-dictionary` cause is
 *   checked against the source Syft records for the package's CPEs;
 * - over all images, Wharf's primary CPE is one of Syft's for at least 98% of the packages
 *   Syft gives CPEs.
 *
 * CPEs compare case-insensitively, as CPE name matching does: Syft keeps the case of a
 * repository owner (`DefinitelyTyped`), Wharf writes NVD's lowercase.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixtureLayouts,
  canBuildFixtures,
  FIXTURES,
  syftArtifacts,
  syftPath,
  type Fixture,
} from '../test/fixture-images.js';
import { REPO_ROOT } from '../test/peers.js';
import { catalogSource } from './catalog.js';
import { purlWithoutQualifiers } from './identity/purl.js';
import { MemoryLayerCache } from './walker/cache.js';

const ALLOWLIST = join(REPO_ROOT, 'packages/sbom/test-fixtures/cpe-syft-allowlist.json');
const DIFFERENCES = ['primary', 'candidate', 'missing', 'extra'] as const;
type Difference = (typeof DIFFERENCES)[number];

interface AllowEntry {
  readonly fixture: Fixture;
  /** purl without version or qualifiers */
  readonly package: string;
  readonly difference: Difference;
  readonly cause?: 'nvd-dictionary';
  readonly reason: string;
}

/** One package found by both tools in one image. */
interface Compared {
  readonly purl: string;
  /** Syft's CPEs for it, lowercased */
  readonly syft: ReadonlySet<string>;
  readonly syftSources: ReadonlySet<string>;
  /** Wharf's CPEs, per Wharf package with this purl */
  readonly wharf: readonly (readonly string[])[];
}

const withoutVersion = (purl: string) => purl.replace(/@[^@/]*$/, '');
const inSyft = (r: Compared, cpe: string | undefined) =>
  cpe !== undefined && r.syft.has(cpe.toLowerCase());
const primaryAgrees = (r: Compared) => r.syft.size > 0 && r.wharf.every((c) => inSyft(r, c[0]));

function difference(r: Compared): Difference | undefined {
  if (r.syft.size === 0) return r.wharf.some((c) => c.length > 0) ? 'extra' : undefined;
  if (r.wharf.some((c) => c.length === 0)) return 'missing';
  if (!primaryAgrees(r)) return 'primary';
  if (!r.wharf.every((cpes) => cpes.every((c) => inSyft(r, c)))) return 'candidate';
  return undefined;
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;

describe.skipIf(!canBuildFixtures || syftPath === undefined)('CPEs side by side with Syft', () => {
  const allow = (JSON.parse(readFileSync(ALLOWLIST, 'utf8')) as { differences: AllowEntry[] })
    .differences;
  const compared = new Map<Fixture, Compared[]>();

  beforeAll(async () => {
    const layouts = buildFixtureLayouts();
    const cache = new MemoryLayerCache();
    for (const fixture of FIXTURES) {
      const dir = layouts.get(fixture);
      if (dir === undefined) throw new Error(`fixture ${fixture} was not built`);
      const catalog = await catalogSource(
        { kind: 'oci-layout', path: dir },
        { platform: 'linux/amd64', cache },
      );
      const theirs = new Map<string, { cpes: Set<string>; sources: Set<string> }>();
      for (const a of syftArtifacts(dir, syftPath ?? '')) {
        if (a.purl === undefined) continue;
        const key = purlWithoutQualifiers(a.purl);
        const t = theirs.get(key) ?? { cpes: new Set<string>(), sources: new Set<string>() };
        for (const c of a.cpes ?? []) {
          t.cpes.add(c.cpe.toLowerCase());
          t.sources.add(c.source ?? 'unknown');
        }
        theirs.set(key, t);
      }
      const ours = new Map<string, string[][]>();
      for (const p of catalog.packages) {
        const key = purlWithoutQualifiers(p.purl);
        ours.set(key, [...(ours.get(key) ?? []), [...p.cpes]]);
      }
      const rows: Compared[] = [];
      for (const [purl, wharf] of ours) {
        const t = theirs.get(purl);
        if (t !== undefined) rows.push({ purl, syft: t.cpes, syftSources: t.sources, wharf });
      }
      compared.set(fixture, rows);
    }
  }, 45 * 60_000);

  it('every allowlist entry names a fixture, a kind of difference and a reason, once', () => {
    const keys = allow.map((e) => `${e.fixture} ${e.package}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of allow) {
      expect(FIXTURES, JSON.stringify(e)).toContain(e.fixture);
      expect(DIFFERENCES, JSON.stringify(e)).toContain(e.difference);
      expect(e.package, 'no version or qualifiers').toBe(withoutVersion(e.package));
      expect(e.reason.length, JSON.stringify(e)).toBeGreaterThan(10);
    }
  });

  it.each(FIXTURES)(
    'on %s, every CPE difference from Syft is allowlisted and no entry is stale',
    (fixture) => {
      const rows = compared.get(fixture) ?? [];
      const withSyft = rows.filter((r) => r.syft.size > 0);
      const agree = withSyft.filter(primaryAgrees).length;
      const exact = rows.filter((r) => difference(r) === undefined).length;
      console.log(
        `${fixture}: ${rows.length} packages in both, ${withSyft.length} with Syft CPEs; ` +
          `Wharf's primary among Syft's ${agree} (${pct(agree, withSyft.length)}), ` +
          `no difference at all ${exact} (${pct(exact, rows.length)})`,
      );
      // both tools found the image's packages and Syft gave them CPEs
      expect(withSyft.length).toBeGreaterThan(80);
      const actual = new Map<string, Compared>();
      for (const r of rows) {
        const d = difference(r);
        if (d !== undefined) actual.set(`${d} ${withoutVersion(r.purl)}`, r);
      }
      const listed = allow
        .filter((e) => e.fixture === fixture)
        .map((e) => `${e.difference} ${e.package}`);
      expect(
        [...actual]
          .filter(([k]) => !listed.includes(k))
          .map(([k, r]) => `${k}: wharf ${JSON.stringify(r.wharf)}, syft ${[...r.syft].join(' ')}`),
        'unexplained differences',
      ).toEqual([]);
      expect(
        listed.filter((k) => !actual.has(k)),
        'stale allowlist entries',
      ).toEqual([]);
    },
  );

  it('allowlisted nvd-dictionary packages got only dictionary CPEs from Syft', () => {
    const entries = allow.filter((e) => e.cause === 'nvd-dictionary');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const row = compared.get(e.fixture)?.find((r) => withoutVersion(r.purl) === e.package);
      expect(row, `${e.fixture} ${e.package}`).toBeDefined();
      expect([...(row?.syftSources ?? [])], `${e.fixture} ${e.package}`).toEqual([
        'nvd-cpe-dictionary',
      ]);
    }
  });

  it("over all images, Wharf's primary CPE is one of Syft's for at least 98% of the packages Syft gives CPEs", () => {
    const rows = FIXTURES.flatMap((f) => compared.get(f) ?? []).filter((r) => r.syft.size > 0);
    const agree = rows.filter(primaryAgrees).length;
    // the same package in several images, once (the base image's debs are in all five)
    const distinct = new Map<string, boolean>();
    for (const r of rows) distinct.set(r.purl, (distinct.get(r.purl) ?? true) && primaryAgrees(r));
    const distinctAgree = [...distinct.values()].filter(Boolean).length;
    console.log(
      `all images: Wharf's primary among Syft's for ${agree} of ${rows.length} image packages ` +
        `(${pct(agree, rows.length)}); distinct packages ${distinctAgree} of ${distinct.size} ` +
        `(${pct(distinctAgree, distinct.size)})`,
    );
    expect(agree / rows.length).toBeGreaterThanOrEqual(0.98);
  });
});
