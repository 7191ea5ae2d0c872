/** Test helpers: zips of OSV records, the fixture record directory, the sbom fixture images. */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { getuid } from 'node:process';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { requirePeer } from '@wharf/testkit';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const OSV_FIXTURES = join(REPO_ROOT, 'packages/vulndb/test-fixtures/osv');

/** Every fixture record file, relative to OSV_FIXTURES, sorted. */
export function fixtureRecordFiles(dir = OSV_FIXTURES): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Writes a zip of (name, content) entries with yazl (deflate). yazl refuses `..` names, so a
 * name containing `..` is written with `__` and patched in the bytes afterwards (same length).
 */
export async function writeZip(
  path: string,
  entries: readonly { name: string; content: Buffer | string }[],
  /** Deflate entries (yazl deflates asynchronously per entry: slow for tens of thousands). */
  compress = true,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const patches: [string, string][] = [];
  for (const e of entries) {
    const safe = e.name.replaceAll('..', '__').replace(/^\//, '_');
    if (safe !== e.name) patches.push([safe, e.name]);
    zip.addBuffer(Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content), safe, {
      compress,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  let bytes = Buffer.concat(chunks);
  for (const [from, to] of patches) {
    bytes = Buffer.from(bytes.toString('latin1').replaceAll(from, to), 'latin1');
  }
  await new Promise<void>((res, rej) => {
    const out = createWriteStream(path);
    out.on('error', rej);
    out.end(bytes, () => res());
  });
}

export const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

interface InstalledMarker {
  readonly package: string;
  readonly version: string;
}
interface FixtureRecord {
  affected?: {
    ranges?: { events: Record<string, string>[] }[];
    versions?: string[];
    database_specific?: { wharf_test_installed?: InstalledMarker };
  }[];
}

/**
 * Copies the OSV fixture records into `dir` for a scan of the fixture images, which are built
 * from Debian's live archive, so their package versions move with every security update. A
 * record whose boundary is "the installed version" (fixed at it, last_affected at it, or listing
 * it) says so in its affected entry's `database_specific.wharf_test_installed`: the binary
 * package and the version the record was written against. That version is replaced, in the
 * entry's events and versions, by `installed(package)`; every other record is copied unchanged.
 * Returns `dir`.
 */
export async function osvFixturesFor(
  dir: string,
  installed: (pkg: string) => string,
): Promise<string> {
  for (const file of fixtureRecordFiles()) {
    const text = await readFile(join(OSV_FIXTURES, file), 'utf8');
    const record = JSON.parse(text) as FixtureRecord;
    let changed = false;
    for (const a of record.affected ?? []) {
      const marker = a.database_specific?.wharf_test_installed;
      if (marker === undefined) continue;
      const now = installed(marker.package);
      const swap = (v: string): string => (v === marker.version ? now : v);
      for (const r of a.ranges ?? [])
        r.events = r.events.map((e) =>
          Object.fromEntries(Object.entries(e).map(([k, v]) => [k, swap(v)])),
        );
      if (a.versions !== undefined) a.versions = a.versions.map(swap);
      changed = true;
    }
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), changed ? JSON.stringify(record, null, 2) : text);
  }
  return dir;
}

/** The one version of package `name` in a catalog (throws when there is none or several). */
export function versionIn(
  packages: readonly { readonly name: string; readonly version: string }[],
  name: string,
): string {
  const versions = [...new Set(packages.filter((p) => p.name === name).map((p) => p.version))];
  if (versions.length !== 1 || versions[0] === undefined)
    throw new Error(`expected one version of ${name}, found ${JSON.stringify(versions)}`);
  return versions[0];
}

export type Fixture = 'base' | 'node' | 'python' | 'go' | 'whiteout';

/**
 * The sbom package's fixture images (built once by its script, cached outside the checkout),
 * or undefined when they cannot be built here (no root, mmdebstrap or umoci).
 */
export function fixtureLayouts(): Map<Fixture, string> | undefined {
  const mmdebstrap = requirePeer('mmdebstrap');
  const umoci = requirePeer('umoci');
  if (mmdebstrap === undefined || umoci === undefined || getuid?.() !== 0) return undefined;
  const cache =
    process.env['WHARF_FIXTURE_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'wharf-test-fixtures', 'sbom');
  // The same Go binaries as packages/sbom/src/fixtures.test.ts, so the recipe hash (and cache) match.
  const goBinaries = [umoci, '/usr/local/go/bin/gofmt'].filter((p) => existsSync(p));
  const out = execFileSync(
    'bash',
    [join(REPO_ROOT, 'packages/sbom/scripts/build-fixtures.sh'), cache, ...goBinaries],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 40 * 60_000 },
  );
  const layouts = new Map<Fixture, string>();
  for (const line of out.trim().split('\n')) {
    const [name, dir] = line.split('\t');
    if (name !== undefined && dir !== undefined) layouts.set(name as Fixture, dir);
  }
  return layouts;
}
