/**
 * OSV package matching: does an OSV record affect one installed package?
 *
 * Implements the OSV schema's evaluation: a version is affected when it equals an entry of
 * `versions[]` or falls in an `ECOSYSTEM`/`SEMVER` range. In a range, events are sorted by version
 * (`introduced: "0"` first); walking them, `introduced <= v` sets vulnerable, `fixed <= v` clears it,
 * `last_affected < v` clears it. If the range has `limit` events, `v` must be below one of them.
 * `GIT` ranges are ignored (they need the commit graph).
 *
 * @module
 */
import { ScanError } from '../errors.js';
import { go } from '../version/go.js';
import { comparatorFor, parseEcosystem } from '../version/registry.js';
import { semver } from '../version/semver.js';
import type { VersionComparator } from '../version/types.js';
import type { OsvAffected, OsvEvent, OsvRange, OsvRecord } from './schema.js';

/**
 * One installed package to match.
 *
 * - `ecosystem`: the OSV ecosystem string, with the distro release where there is one
 *   (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`, `npm`, `PyPI`, `Maven`, `Go`).
 * - `name`: the installed (binary) package name; for Maven `groupId:artifactId`.
 * - `sourceName`: the distro source package (dpkg `Source:`, apk `o:` origin, the SRPM name).
 *   Debian, Ubuntu and Alpine advisories name source packages, so when present it is the name
 *   matched against the advisory; `name` is the fallback when a package is its own source.
 *   rpm-family advisories (Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE, Mageia, openEuler)
 *   are matched on either the binary `name` or the SRPM `sourceName`.
 * - `version`: the installed version, compared against the ranges (for distros, the binary
 *   version: binNMU suffixes such as `+b1` keep it at or above the source version).
 * - `sourceVersion`: informational only (reports); never used for comparison.
 */
export interface PackageQuery {
  readonly ecosystem: string;
  readonly name: string;
  readonly sourceName?: string;
  readonly version: string;
  readonly sourceVersion?: string;
}

export interface MatchOptions {
  /** Match records that carry `withdrawn` (default false: withdrawn advisories never match). */
  readonly includeWithdrawn?: boolean;
}

/** Ecosystems whose advisories name source packages (dpkg `Source:`, apk origin), as osv-scanner. */
const SOURCE_NAMED = new Set(['Debian', 'Ubuntu', 'Alpine', 'Wolfi', 'Chainguard']);

/**
 * rpm-family ecosystems. Their advisories list binary rpms (and often the package named like the
 * SRPM); a binary rpm always carries its SRPM's epoch:version-release, so an entry naming either
 * the binary or the source rpm is compared against the same installed version.
 */
const RPM_FAMILY = new Set([
  'Red Hat',
  'AlmaLinux',
  'Rocky Linux',
  'openSUSE',
  'SUSE',
  'Mageia',
  'openEuler',
]);

/**
 * Release equality. Red Hat releases are CPE suffixes (`enterprise_linux:9::appstream`); a query
 * for `enterprise_linux:9` (the distro's major version, when the repository stream is unknown, as
 * in a purl) matches every stream of that product and major version.
 */
function sameRelease(base: string, want: string | undefined, have: string | undefined): boolean {
  if (want === have) return true;
  return (
    base === 'Red Hat' && want !== undefined && have !== undefined && have.startsWith(`${want}:`)
  );
}

/** PEP 503 normalisation for PyPI names. */
const normalizePypi = (n: string): string => n.toLowerCase().replace(/[-_.]+/g, '-');

/** True when an `affected[].package` entry describes the queried package. */
export function packageMatches(affected: OsvAffected, query: PackageQuery): boolean {
  const pkg = affected.package;
  if (pkg === undefined) return false;
  const want = parseEcosystem(query.ecosystem);
  const have = parseEcosystem(pkg.ecosystem);
  // Exact ecosystem equality, release included (osv-scanner's rule): `Debian:12` matches only
  // `Debian:12`, and `Debian` only `Debian`; Red Hat streams see `sameRelease`.
  if (want.base !== have.base || !sameRelease(have.base, want.release, have.release)) return false;
  if (have.base === 'PyPI') return normalizePypi(pkg.name) === normalizePypi(query.name);
  if (RPM_FAMILY.has(have.base)) return pkg.name === query.name || pkg.name === query.sourceName;
  const name = SOURCE_NAMED.has(have.base) ? (query.sourceName ?? query.name) : query.name;
  return pkg.name === name;
}

function rangeComparator(range: OsvRange, ecosystem: string): VersionComparator {
  if (range.type === 'SEMVER') return parseEcosystem(ecosystem).base === 'Go' ? go : semver;
  return comparatorFor(ecosystem);
}

type Kind = 'introduced' | 'fixed' | 'last_affected' | 'limit';
const eventKind = (e: OsvEvent): Kind =>
  'introduced' in e
    ? 'introduced'
    : 'fixed' in e
      ? 'fixed'
      : 'last_affected' in e
        ? 'last_affected'
        : 'limit';
const eventValue = (e: OsvEvent): string =>
  'introduced' in e
    ? e.introduced
    : 'fixed' in e
      ? e.fixed
      : 'last_affected' in e
        ? e.last_affected
        : e.limit;

interface ParsedEvent {
  readonly kind: Kind;
  /** Undefined for `introduced: "0"` (before everything) and `limit: "*"` (after everything). */
  readonly version: unknown;
}

function parseEvents(range: OsvRange, cmp: VersionComparator, recordId: string): ParsedEvent[] {
  return range.events.map((e) => {
    const kind = eventKind(e);
    const value = eventValue(e);
    if ((kind === 'introduced' && value === '0') || (kind === 'limit' && value === '*')) {
      return { kind, version: undefined };
    }
    try {
      return { kind, version: cmp.parse(value) };
    } catch (err) {
      throw new ScanError(
        'INVALID_VERSION',
        `OSV record ${recordId}: ${kind} ${JSON.stringify(value)} is not a valid ${cmp.name} version`,
        { cause: err, detail: { id: recordId, event: kind, version: value } },
      );
    }
  });
}

/** The OSV spec's range evaluation for an already-parsed version `v`. */
function inRange(v: unknown, events: readonly ParsedEvent[], cmp: VersionComparator): boolean {
  const limits = events.filter((e) => e.kind === 'limit');
  if (
    limits.length > 0 &&
    !limits.some((l) => l.version === undefined || cmp.compareParsed(v, l.version) < 0)
  ) {
    return false;
  }
  const order = (e: ParsedEvent): number => (e.kind === 'introduced' ? 0 : 1);
  const sorted = events
    .filter((e) => e.kind !== 'limit')
    .map((e, i) => ({ e, i }))
    .sort((x, y) => {
      const a = x.e.version;
      const b = y.e.version;
      const byVersion =
        a === undefined || b === undefined
          ? (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1)
          : cmp.compareParsed(a, b);
      return byVersion || order(x.e) - order(y.e) || x.i - y.i;
    })
    .map((x) => x.e);
  let vulnerable = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.version === undefined || cmp.compareParsed(v, e.version) >= 0) vulnerable = true;
    } else if (e.kind === 'fixed') {
      if (e.version !== undefined && cmp.compareParsed(v, e.version) >= 0) vulnerable = false;
    } else if (e.version !== undefined && cmp.compareParsed(v, e.version) > 0) {
      vulnerable = false;
    }
  }
  return vulnerable;
}

/** Evaluates one matching `affected[]` entry for the query's version. */
function affectedEntryHits(affected: OsvAffected, query: PackageQuery, recordId: string): boolean {
  if (affected.versions?.includes(query.version) === true) return true;
  const ranges = (affected.ranges ?? []).filter((r) => r.type !== 'GIT');
  // An entry with neither ranges nor versions matches nothing (osv-scanner skips it as a mistake).
  if (ranges.length === 0) return false;
  for (const range of ranges) {
    const cmp = rangeComparator(range, affected.package?.ecosystem ?? query.ecosystem);
    const v = cmp.parse(query.version);
    if (inRange(v, parseEvents(range, cmp, recordId), cmp)) return true;
  }
  return false;
}

/**
 * True when `record` affects the queried package at its version. Throws `INVALID_VERSION` when
 * the installed version or an event version does not parse, and `UNKNOWN_ECOSYSTEM` when an
 * `ECOSYSTEM` range has no ordering: callers count these as warnings, never as "not affected".
 */
export function isAffected(
  record: OsvRecord,
  query: PackageQuery,
  options: MatchOptions = {},
): boolean {
  if (record.withdrawn !== undefined && options.includeWithdrawn !== true) return false;
  return (record.affected ?? []).some(
    (a) => packageMatches(a, query) && affectedEntryHits(a, query, record.id),
  );
}

/**
 * The `fixed` versions a record lists for the queried package (from every matching entry's
 * `ECOSYSTEM`/`SEMVER` ranges), deduplicated in record order. Empty means "no fix released".
 */
export function fixedVersions(record: OsvRecord, query: PackageQuery): string[] {
  const out: string[] = [];
  for (const a of record.affected ?? []) {
    if (!packageMatches(a, query)) continue;
    for (const r of a.ranges ?? []) {
      if (r.type === 'GIT') continue;
      for (const e of r.events) if ('fixed' in e && !out.includes(e.fixed)) out.push(e.fixed);
    }
  }
  return out;
}
