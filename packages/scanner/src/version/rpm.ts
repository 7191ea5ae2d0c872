/**
 * RPM version ordering: `[epoch:]version[-release]` with rpm's `rpmvercmp` on each part.
 *
 * `rpmvercmp` splits strings into runs of ASCII digits or letters, skipping every other
 * character as a separator. Digit runs compare numerically and beat letter runs; letter runs
 * compare bytewise. `~` sorts before anything (even the end), `^` after the end but before any
 * other content. When only one side has a release, that side is greater (osv-scanner's rule;
 * rpm's own `rpmverCmp` would skip the release comparison).
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, type Ordering, type VersionComparator } from './types.js';

export interface RpmVersion {
  readonly epoch: string;
  readonly version: string;
  readonly release: string | undefined;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);

/** rpm's `rpmvercmp` on one version or release string. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const take = numeric ? isDigit : isAlpha;
    const si = i;
    while (take(a[i])) i++;
    const sj = j;
    while (take(b[j])) j++;
    const x = a.slice(si, i);
    const y = b.slice(sj, j);
    // Segments of different kinds: the numeric one is newer.
    if (y === '') return numeric ? 1 : -1;
    const r = numeric ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (r !== 0) return r;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Parses `[epoch:]version[-release]` as rpm does: release after the last hyphen. */
export function parse(evr: string): RpmVersion {
  const bad = (reason: string) => invalidVersion('rpm', evr, reason);
  if (evr.trim() === '') throw bad('version string is empty');
  if (/\s/.test(evr)) throw bad('version string contains whitespace');
  const m = /^([0-9]*):/.exec(evr);
  const epoch = m ? (m[1] === '' ? '0' : (m[1] ?? '0')) : '0';
  const rest = m ? evr.slice(m[0].length) : evr;
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version === '') throw bad('version part is empty');
  return { epoch, version, release };
}

export function compareParsed(a: RpmVersion, b: RpmVersion): Ordering {
  const e = compareDigits(a.epoch, b.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  // As osv-scanner orders them: a version with a release (even an empty one) is above the same
  // version without one; two releases compare with rpmvercmp.
  if (a.release === undefined || b.release === undefined) {
    return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const rpm: VersionComparator<RpmVersion> = { name: 'rpm', parse, compare, compareParsed };
