/**
 * Debian package version ordering, as `deb-version(7)` and dpkg's `verrevcmp` define it.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, sign, type Ordering, type VersionComparator } from './types.js';

/** A parsed `[epoch:]upstream[-revision]` version. A missing revision is `''`. */
export interface DpkgVersion {
  readonly epoch: string;
  readonly upstream: string;
  readonly revision: string;
}

const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]*$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]*$/;

/**
 * Parses a Debian version. Rejects what `dpkg --compare-versions` rejects (empty epoch, nothing
 * after the colon, empty revision) and also what it only warns about (upstream not starting with a
 * digit, characters outside the allowed sets), since no archive version has those.
 */
export function parse(version: string): DpkgVersion {
  const bad = (reason: string) => invalidVersion('dpkg', version, reason);
  const s = version.trim();
  if (s === '') throw bad('version string is empty');
  if (/\s/.test(s)) throw bad('version string has embedded spaces');
  let epoch = '0';
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    epoch = s.slice(0, colon);
    rest = s.slice(colon + 1);
    if (!/^[0-9]+$/.test(epoch)) throw bad('epoch in version is empty or not a number');
    if (Number(epoch) > 2147483647) throw bad('epoch in version is too big');
    if (rest === '') throw bad('nothing after colon in version number');
  }
  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') throw bad('revision number is empty');
  }
  if (upstream === '') throw bad('version number is empty');
  if (!/^[0-9]/.test(upstream)) throw bad('version number does not start with digit');
  if (!UPSTREAM_CHARS.test(upstream)) throw bad('invalid character in version number');
  if (!REVISION_CHARS.test(revision)) throw bad('invalid character in revision number');
  return { epoch: epoch.replace(/^0+(?=\d)/, ''), upstream, revision };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's modified ASCII weight: `~` < end of string < letters < everything else. */
function weight(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigit(c)) return 0;
  if (isLetter(c)) return c;
  if (c === 126) return -1; // '~'
  return c + 256;
}

/** Compares one version part (upstream or revision) with dpkg's alternating algorithm. */
export function compareFragment(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character.
    while (
      (i < a.length && !isDigit(a.charCodeAt(i))) ||
      (j < b.length && !isDigit(b.charCodeAt(j)))
    ) {
      const d = weight(a, i) - weight(b, j);
      if (d !== 0) return sign(d);
      i++;
      j++;
    }
    // Digit run, numerically.
    const si = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const d = compareDigits(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  return 0;
}

export function compareParsed(a: DpkgVersion, b: DpkgVersion): Ordering {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareFragment(a.upstream, b.upstream) ||
    compareFragment(a.revision, b.revision)
  );
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const dpkg: VersionComparator<DpkgVersion> = { name: 'dpkg', parse, compare, compareParsed };
