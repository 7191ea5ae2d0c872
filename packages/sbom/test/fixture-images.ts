/**
 * The realistic fixture images (Debian 12 minbase via mmdebstrap + umoci: base, node, python,
 * go, whiteout) and Syft's syft-json on them, for tests beyond fixtures.test.ts. Same recipe,
 * cache directory, Go binaries and Syft output file as fixtures.test.ts, so both share one
 * build and one Syft run per image.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { getuid } from 'node:process';
import { peersRequired, REPO_ROOT, requirePeer } from './peers.js';

export const FIXTURES = ['base', 'node', 'python', 'go', 'whiteout'] as const;
export type Fixture = (typeof FIXTURES)[number];

// Outside the checkout, so a fresh clone on the same machine (CI) reuses images built before.
const CACHE_DIR =
  process.env['WHARF_FIXTURE_CACHE'] ??
  join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'wharf-test-fixtures', 'sbom');
const SCRIPT = join(REPO_ROOT, 'packages/sbom/scripts/build-fixtures.sh');

const mmdebstrap = requirePeer('mmdebstrap');
const umoci = requirePeer('umoci');
export const syftPath = requirePeer('syft');
const isRoot = getuid?.() === 0;
if (!isRoot && peersRequired())
  throw new Error('fixture images need root (mmdebstrap --mode=root)');
export const canBuildFixtures = mmdebstrap !== undefined && umoci !== undefined && isRoot;

/** Builds (or finds cached) the fixture image layouts; fixture name → OCI layout directory. */
export function buildFixtureLayouts(): Map<Fixture, string> {
  // the recipe hash covers these binaries, so they must be the ones fixtures.test.ts passes
  const goBinaries = [umoci ?? '', '/usr/local/go/bin/gofmt'].filter(
    (p) => p !== '' && existsSync(p),
  );
  const out = execFileSync('bash', [SCRIPT, CACHE_DIR, ...goBinaries], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 40 * 60_000,
  });
  const layouts = new Map<Fixture, string>();
  for (const line of out.trim().split('\n')) {
    const [name, dir] = line.split('\t');
    if (name !== undefined && dir !== undefined) layouts.set(name as Fixture, dir);
  }
  return layouts;
}

export interface SyftCpe {
  readonly cpe: string;
  /** `syft-generated`, `nvd-cpe-dictionary` or `declared`. */
  readonly source?: string;
}

export interface SyftArtifact {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly purl?: string;
  readonly cpes?: readonly SyftCpe[];
}

/** The parts of Syft's syft-json the tests read. */
export interface SyftJson {
  readonly artifacts: SyftArtifact[];
  readonly files?: {
    readonly id: string;
    readonly location: { readonly path: string };
    readonly digests?: { readonly algorithm: string; readonly value: string }[];
  }[];
  readonly artifactRelationships?: {
    readonly parent: string;
    readonly child: string;
    readonly type: string;
  }[];
}

/**
 * Syft's syft-json for an OCI layout, run once per Syft version and kept next to the layout
 * (`syft-<version>.json`, written via a rename so a concurrent reader never sees half a file).
 */
export function syftJson(dir: string, bin: string): SyftJson {
  const version =
    execFileSync(bin, ['version'], { encoding: 'utf8' }).match(/Version:\s*(\S+)/)?.[1] ?? 'x';
  const out = join(dir, `syft-${version}.json`);
  if (!existsSync(out)) {
    const json = execFileSync(bin, [`oci-dir:${dir}`, '-o', 'syft-json', '-q'], {
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: 'false' },
    });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, json);
    renameSync(tmp, out);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as SyftJson;
}

/** Syft's artifacts (packages) for an OCI layout. */
export function syftArtifacts(dir: string, bin: string): SyftArtifact[] {
  return syftJson(dir, bin).artifacts;
}
