/**
 * Wharf and osv-scanner side by side: the same fixture images, the same OSV records. Debian
 * findings come from osv-scanner's image scan (its dpkg extractor maps binary packages to their
 * source), language findings from its SBOM scan of the SPDX document Wharf writes for the image.
 * Every difference must be listed, with a reason, in test-fixtures/osv-scanner-differences.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '@wharf/testkit';
import { catalogSource, MemoryLayerCache, writeSpdx } from '@wharf/sbom';
import {
  fixtureLayouts,
  fixtureRecordFiles,
  osvFixturesFor,
  readJson,
  REPO_ROOT,
  versionIn,
  writeZip,
  type Fixture,
} from '../test/helpers.js';
import { VulnDb } from './db.js';
import { dbFile, importOsv } from './import.js';
import { packagesFromCatalog } from './packages.js';
import { matchPackages } from './scan.js';

const osvScanner = requirePeer('osv-scanner');
const skopeo = requirePeer('skopeo');
const layouts = osvScanner !== undefined && skopeo !== undefined ? fixtureLayouts() : undefined;

interface Difference {
  readonly fixture: Fixture;
  readonly finding: string;
  readonly side: 'wharf-only' | 'osv-scanner-only';
  readonly reason: string;
}
const DIFFERENCES = (
  readJson(join(REPO_ROOT, 'packages/vulndb/test-fixtures/osv-scanner-differences.json')) as {
    differences: Difference[];
  }
).differences;

interface OsvOutput {
  results?: {
    packages?: {
      package: { name: string; version: string; ecosystem: string; os_package_name?: string };
      vulnerabilities?: { id: string }[];
    }[];
  }[];
}

let work: string;
let db: VulnDb;
const cache = new MemoryLayerCache();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-osv-scanner-'));
  // The records at "the installed version" follow the base image's current versions.
  const base =
    layouts === undefined
      ? []
      : (
          await catalogSource(
            { kind: 'oci-layout', path: layouts.get('base') ?? '' },
            { platform: 'linux/amd64', cache },
          )
        ).packages;
  const osv = await osvFixturesFor(join(work, 'osv'), (pkg) => versionIn(base, pkg));
  await importOsv(work, osv);
  db = VulnDb.open(dbFile(work));
  // osv-scanner 2.5's local database layout: <dir>/osv-scalibr/<Ecosystem>/all.zip
  const dirs: Record<string, string> = { debian: 'Debian', npm: 'npm', pypi: 'PyPI', go: 'Go' };
  for (const [sub, eco] of Object.entries(dirs)) {
    await mkdir(join(work, 'osvdb', 'osv-scalibr', eco), { recursive: true });
    const files = fixtureRecordFiles(join(osv, sub));
    await writeZip(
      join(work, 'osvdb', 'osv-scalibr', eco, 'all.zip'),
      await Promise.all(
        files.map(async (f) => ({ name: f, content: await readFile(join(osv, sub, f)) })),
      ),
    );
  }
});
afterAll(async () => {
  db.close();
  await rm(work, { recursive: true, force: true });
});

function runOsvScanner(args: string[]): OsvOutput {
  let out: string;
  try {
    out = execFileSync(osvScanner ?? '', args, {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY: join(work, 'osvdb') },
    });
  } catch (err) {
    // exit 1 means "vulnerabilities found"; the JSON is still on stdout
    const e = err as { status?: number; stdout?: string; stderr?: string };
    if (e.status !== 1 || e.stdout === undefined)
      throw new Error(`osv-scanner failed: ${e.stderr ?? String(err)}`, { cause: err });
    out = e.stdout;
  }
  return JSON.parse(out) as OsvOutput;
}

function osvFindings(o: OsvOutput, keep: (ecosystem: string) => boolean): string[] {
  const out: string[] = [];
  for (const r of o.results ?? []) {
    for (const p of r.packages ?? []) {
      if (!keep(p.package.ecosystem)) continue;
      const name = p.package.os_package_name ?? p.package.name;
      for (const v of p.vulnerabilities ?? []) out.push(`${name}@${p.package.version} ${v.id}`);
    }
  }
  return [...new Set(out)].sort();
}

describe.skipIf(layouts === undefined)('side by side with osv-scanner', () => {
  it('every listed difference has a reason', () => {
    for (const d of DIFFERENCES) expect(d.reason.length, JSON.stringify(d)).toBeGreaterThan(20);
  });

  it.each(['base', 'node', 'python', 'go'] as const)(
    'finds the same vulnerabilities in the %s image',
    async (fixture) => {
      const layout = layouts?.get(fixture) ?? '';
      const catalog = await catalogSource(
        { kind: 'oci-layout', path: layout },
        { platform: 'linux/amd64', cache },
      );
      const wharf = [
        ...new Set(
          matchPackages(db, packagesFromCatalog(catalog)).findings.map(
            (f) => `${f.package.name}@${f.package.version} ${f.id}`,
          ),
        ),
      ].sort();
      const archive = join(work, `${fixture}.docker.tar`);
      execFileSync(skopeo ?? '', [
        'copy',
        '-q',
        `oci:${layout}:latest`,
        `docker-archive:${archive}:${fixture}:latest`,
      ]);
      const image = runOsvScanner([
        'scan',
        'image',
        '--offline-vulnerabilities',
        '--archive',
        archive,
        '--format',
        'json',
      ]);
      const spdx = join(work, `${fixture}.spdx.json`);
      await writeFile(spdx, JSON.stringify(writeSpdx(catalog, { created: new Date(0) })));
      const sbom = runOsvScanner([
        'scan',
        'source',
        '--offline-vulnerabilities',
        '-L',
        spdx,
        '--format',
        'json',
      ]);
      const theirs = [
        ...new Set([
          ...osvFindings(image, (e) => e.startsWith('Debian')),
          ...osvFindings(sbom, (e) => !e.startsWith('Debian')),
        ]),
      ].sort();
      const listed = DIFFERENCES.filter((d) => d.fixture === fixture);
      const wharfOnly = wharf.filter((k) => !theirs.includes(k));
      const theirsOnly = theirs.filter((k) => !wharf.includes(k));
      expect(wharfOnly).toEqual(
        listed
          .filter((d) => d.side === 'wharf-only')
          .map((d) => d.finding)
          .sort(),
      );
      expect(theirsOnly).toEqual(
        listed
          .filter((d) => d.side === 'osv-scanner-only')
          .map((d) => d.finding)
          .sort(),
      );
      expect(wharf.length).toBeGreaterThan(0);
    },
    300_000,
  );
});
