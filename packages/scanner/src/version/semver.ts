/**
 * SemVer 2.0.0 precedence (npm, OSV `SEMVER` ranges): numeric major.minor.patch, then
 * pre-release identifiers (numeric ones numerically and below alphanumeric ones; a version
 * without pre-release is higher). Build metadata is kept but ignored for ordering.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, type Ordering, type VersionComparator } from './types.js';

export interface SemVer {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
}

const NUM = '0|[1-9][0-9]*';
const PRE_ID = `(?:${NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const SEMVER_RE = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);

/** Parses a SemVer 2.0.0 string (no leading zeros; an optional leading `v` is ignored). */
export function parse(version: string, ordering = 'semver'): SemVer {
  // A leading "v" is tolerated, as osv-scanner does for SEMVER ranges.
  const m = SEMVER_RE.exec(version.startsWith('v') ? version.slice(1) : version);
  if (!m) {
    throw invalidVersion(
      ordering,
      version,
      'expected MAJOR.MINOR.PATCH[-prerelease][+build] (SemVer 2.0.0, no leading zeros)',
    );
  }
  return {
    major: m[1] ?? '0',
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

function compareIdentifier(a: string, b: string): Ordering {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareParsed(a: SemVer, b: SemVer): Ordering {
  const core =
    compareDigits(a.major, b.major) ||
    compareDigits(a.minor, b.minor) ||
    compareDigits(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const r = compareIdentifier(x, y);
    if (r !== 0) return r;
  }
  return 0;
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const semver: VersionComparator<SemVer> = {
  name: 'semver',
  parse: (v) => parse(v),
  compare,
  compareParsed,
};
