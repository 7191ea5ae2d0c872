/**
 * Go module version ordering (golang.org/x/mod/semver): `v`-prefixed SemVer, where `vMAJOR`
 * and `vMAJOR.MINOR` are shorthands for `.0`. Pseudo-versions such as
 * `v0.0.0-20191109021931-daa7c04131f5` are pre-releases and order by their timestamp;
 * `+incompatible` is build metadata and ignored. OSV Go records omit the `v`, so it is optional.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareParsed as compareSemVer, parse as parseSemVer, type SemVer } from './semver.js';
import type { Ordering, VersionComparator } from './types.js';

export interface GoVersion extends SemVer {
  /** True for a pseudo-version (`vX.Y.Z-[pre.]yyyymmddhhmmss-abcdefabcdef`). */
  readonly pseudo: boolean;
}

const PSEUDO_RE =
  /^v?[0-9]+\.[0-9]+\.[0-9]+-(?:[0-9A-Za-z.-]*\.)?(?:0\.)?[0-9]{14}-[0-9a-f]{12}(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses a Go module version; `v` optional, shorthand `v1`/`v1.2` accepted. */
export function parse(version: string): GoVersion {
  const body = version.startsWith('v') ? version.slice(1) : version;
  const m = /^([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(.*)$/.exec(body);
  if (!m || (m[3] === undefined && m[4] !== '')) {
    throw invalidVersion('go', version, 'expected vMAJOR[.MINOR[.PATCH[-pre][+build]]]');
  }
  const full = `${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}${m[4] ?? ''}`;
  return { ...parseSemVer(full, 'go'), pseudo: PSEUDO_RE.test(version) };
}

export function isPseudoVersion(version: string): boolean {
  return PSEUDO_RE.test(version);
}

export function compareParsed(a: GoVersion, b: GoVersion): Ordering {
  return compareSemVer(a, b);
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const go: VersionComparator<GoVersion> = { name: 'go', parse, compare, compareParsed };
