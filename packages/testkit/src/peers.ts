/**
 * Locates the peer tools (real third-party programs: oras, notation, the CNCF registry,
 * crane, syft, …) that `npm run peers` (scripts/peers.sh) installs into `<repo>/.peers/bin`,
 * so interop tests can run against them, or skip cleanly when they are absent.
 *
 * @example
 * const oras = requirePeer('oras');
 * it.skipIf(oras === undefined)('pushes with oras', () => { … });
 * @module
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WharfError } from '@wharf/core';

/** Every peer that scripts/peers.sh knows, whether or not it could be installed here. */
export const PEER_NAMES = [
  // Go tools built from the module proxy into .peers/bin
  'notation', // notation v2
  'notation1', // notation v1.3.x
  'oras',
  'registry', // CNCF distribution v3
  'conformance', // distribution-spec conformance suite v1.1.1 (go test -c binary)
  'conformance-main', // redesigned suite from distribution-spec main
  'zb', // zot's benchmark client
  'crane',
  'syft',
  'osv-scanner',
  'minio',
  // Debian packages (found in .peers/bin first, then on PATH)
  'skopeo',
  'umoci',
  'mmdebstrap',
  'openssl',
  'psql',
  'postgres',
  'initdb',
  'pg_ctl',
  'softhsm2-util',
  'chromium',
] as const;

export type PeerName = (typeof PEER_NAMES)[number];

/** How a peer gets onto the machine: built with Go into .peers/bin, or a Debian package. */
export type PeerKind = 'go' | 'apt';

const APT_PEERS: ReadonlySet<PeerName> = new Set<PeerName>([
  'skopeo',
  'umoci',
  'mmdebstrap',
  'openssl',
  'psql',
  'postgres',
  'initdb',
  'pg_ctl',
  'softhsm2-util',
  'chromium',
]);

/** PostgreSQL server programs, which Debian keeps in /usr/lib/postgresql/<major>/bin. */
const PG_SERVER_PEERS: ReadonlySet<PeerName> = new Set<PeerName>(['postgres', 'initdb', 'pg_ctl']);

/**
 * Arguments that make each peer print its own version (as scripts/peers.sh runs it), or
 * null when the peer has no side-effect-free version command.
 */
export const PEER_VERSION_ARGS: Readonly<Record<PeerName, readonly string[] | null>> = {
  notation: ['version'],
  notation1: ['version'],
  oras: ['version'],
  registry: ['--version'],
  // a go test binary: listing its specs runs nothing
  conformance: ['-test.list', '.*'],
  // takes no flags: any run executes the whole suite against OCI_REGISTRY
  'conformance-main': null,
  zb: ['--version'],
  crane: ['version'],
  syft: ['version'],
  'osv-scanner': ['--version'],
  minio: ['--version'],
  skopeo: ['--version'],
  umoci: ['--version'],
  mmdebstrap: ['--version'],
  openssl: ['version'],
  psql: ['--version'],
  postgres: ['--version'],
  initdb: ['--version'],
  pg_ctl: ['--version'],
  'softhsm2-util': ['--version'],
  chromium: ['--version'],
};

export function isPeerName(value: string): value is PeerName {
  return (PEER_NAMES as readonly string[]).includes(value);
}

export function peerKind(name: PeerName): PeerKind {
  return APT_PEERS.has(name) ? 'apt' : 'go';
}

/** Thrown by {@link requirePeer} when a peer is missing and WHARF_REQUIRE_PEERS=1. */
export class PeerMissingError extends WharfError<'PEER_MISSING'> {
  readonly peer: PeerName;

  constructor(peer: PeerName, searched: string) {
    super(
      'PEER_MISSING',
      `peer tool "${peer}" is not installed (looked in ${searched}); run \`npm run peers\`` +
        ' (see docs/peers.md), or unset WHARF_REQUIRE_PEERS to skip tests that need it',
      { detail: { peer } },
    );
    this.peer = peer;
  }
}

let cachedRoot: string | undefined;

function isRepoRoot(dir: string): boolean {
  if (existsSync(join(dir, '.git'))) return true;
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) return false;
  try {
    const pkg: unknown = JSON.parse(readFileSync(pkgFile, 'utf8'));
    return typeof pkg === 'object' && pkg !== null && 'workspaces' in pkg;
  } catch {
    return false;
  }
}

/**
 * The repository root: the nearest folder above this module holding `.git` or a
 * package.json with `workspaces`.
 */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (isRepoRoot(dir)) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new WharfError('REPO_ROOT_NOT_FOUND', `no repository root above ${start}`);
    }
    dir = parent;
  }
}

/** `<repo>/.peers`, where scripts/peers.sh installs everything. */
export function peersDir(): string {
  return join(repoRoot(), '.peers');
}

/** `<repo>/.peers/bin`. */
export function peersBinDir(): string {
  return join(peersDir(), 'bin');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = resolve(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The newest /usr/lib/postgresql/<major>/bin/<program>, if any. */
function findPgServerProgram(program: string): string | undefined {
  const base = '/usr/lib/postgresql';
  let majors: string[];
  try {
    majors = readdirSync(base).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const candidate = join(base, major, 'bin', program);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Absolute path of an installed peer, or undefined. Looks in `<repo>/.peers/bin`; Debian
 * tools are also looked up on PATH (and PostgreSQL server programs in their Debian folder).
 * Go tools are never taken from PATH, since only the pinned builds are trusted to match.
 */
export function peerPath(name: PeerName): string | undefined {
  const local = join(peersBinDir(), name);
  if (isExecutableFile(local)) return local;
  if (peerKind(name) !== 'apt') return undefined;
  return findOnPath(name) ?? (PG_SERVER_PEERS.has(name) ? findPgServerProgram(name) : undefined);
}

/** True when the environment demands every peer (WHARF_REQUIRE_PEERS=1). */
export function peersRequired(): boolean {
  return process.env.WHARF_REQUIRE_PEERS === '1';
}

/**
 * For tests: the peer's path; when it is missing, throws {@link PeerMissingError} if
 * WHARF_REQUIRE_PEERS=1, else returns undefined so the caller can `it.skipIf(!path)`.
 * A peer that scripts/peers.sh recorded as `unavailable` (the Go module proxy this project
 * reaches refuses it; docs/peers.md) cannot be fixed by installing: its tests skip, and the
 * reason is printed, even when WHARF_REQUIRE_PEERS=1.
 */
export function requirePeer(name: PeerName): string | undefined {
  const path = peerPath(name);
  if (path !== undefined) return path;
  const record = readPeerVersions()?.[name];
  if (record?.status === 'unavailable') {
    process.stderr.write(
      `skipping tests that need ${name}: ${record.reason ?? 'not obtainable here'}\n`,
    );
    return undefined;
  }
  if (peersRequired()) {
    const searched = peerKind(name) === 'apt' ? `${peersBinDir()} and PATH` : peersBinDir();
    throw new PeerMissingError(name, searched);
  }
  return undefined;
}

/** What scripts/peers.sh recorded for one tool in `.peers/versions.json`. */
export interface PeerVersionRecord {
  /** The pinned version: a Go module version, or the Debian package version found. */
  readonly pinned: string;
  /** The line of the tool's own version output that was reported, or null. */
  readonly reported: string | null;
  /** Where the tool is, or null when it is not installed. */
  readonly path: string | null;
  /** A string that the tool's version output must contain ('' when it has none). */
  readonly expect: string;
  readonly status: 'installed' | 'cached' | 'present' | 'failed' | 'unavailable';
  readonly method: string;
  readonly kind: PeerKind;
  readonly seconds: number;
  /** Why a failed or unavailable tool is missing. */
  readonly reason?: string;
}

export type PeerVersions = Readonly<Partial<Record<PeerName, PeerVersionRecord>>>;

const STATUSES: ReadonlySet<string> = new Set([
  'installed',
  'cached',
  'present',
  'failed',
  'unavailable',
]);

function toRecord(value: unknown): PeerVersionRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  if (
    !str(v.pinned) ||
    !strOrNull(v.reported) ||
    !strOrNull(v.path) ||
    !str(v.expect) ||
    !str(v.status) ||
    !STATUSES.has(v.status) ||
    !str(v.method) ||
    (v.kind !== 'go' && v.kind !== 'apt') ||
    typeof v.seconds !== 'number'
  ) {
    return undefined;
  }
  const record: PeerVersionRecord = {
    pinned: v.pinned,
    reported: v.reported,
    path: v.path,
    expect: v.expect,
    status: v.status as PeerVersionRecord['status'],
    method: v.method,
    kind: v.kind,
    seconds: v.seconds,
    ...(str(v.reason) ? { reason: v.reason } : {}),
  };
  return record;
}

/**
 * Reads `.peers/versions.json` as written by the last `npm run peers`, or undefined when
 * the script has not been run. Entries that are not well formed are left out.
 */
export function readPeerVersions(): PeerVersions | undefined {
  const file = join(peersDir(), 'versions.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const out: Partial<Record<PeerName, PeerVersionRecord>> = {};
  for (const [name, value] of Object.entries(raw)) {
    const record = toRecord(value);
    if (isPeerName(name) && record !== undefined) out[name] = record;
  }
  return out;
}
