/**
 * RubyGems version ordering, as `Gem::Version#<=>` (rubygems `lib/rubygems/version.rb`).
 *
 * Hand-written because the npm ports (`@renovatebot/ruby-semver`) carry requirement parsing and
 * more than a matcher needs; the rules are short:
 * - valid versions match `\A\s*([0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z`;
 *   blank is `0`; every `-` is read as `.pre.`;
 * - segments are the runs of digits (integers) or letters (strings), any other character separates;
 * - canonical segments drop trailing zeros of the numeric part before the first string segment and
 *   of the rest (`1.0.a.0` ≡ `1.a`);
 * - walking the canonical segments (a missing one is `0`): a string is lower than a number
 *   (`1.a < 1`, so prereleases sort first), numbers compare numerically, strings bytewise.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, type Ordering, type VersionComparator } from './types.js';

/** A parsed gem version: canonical segments, digit runs kept as strings (`/^\d+$/`). */
export interface GemVersion {
  readonly segments: readonly { readonly num: boolean; readonly text: string }[];
}

const VALID = /^\s*(?:[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;

function parse(version: string): GemVersion {
  if (!VALID.test(version)) {
    throw invalidVersion('rubygems', version, 'not a Gem::Version (digits, dots, letters, `-`)');
  }
  const text = version.trim() === '' ? '0' : version.trim().replaceAll('-', '.pre.');
  const raw = (text.match(/[0-9]+|[a-z]+/gi) ?? []).map((t) => ({
    num: /^[0-9]/.test(t),
    text: /^[0-9]/.test(t) ? t.replace(/^0+(?=.)/, '') : t,
  }));
  const firstString = raw.findIndex((s) => !s.num);
  const parts = firstString < 0 ? [raw] : [raw.slice(0, firstString), raw.slice(firstString)];
  const segments = parts.flatMap((p) => {
    let end = p.length;
    while (end > 0 && p[end - 1]?.num === true && p[end - 1]?.text === '0') end--;
    return p.slice(0, end);
  });
  return { segments };
}

const ZERO = { num: true, text: '0' };

function compareParsed(a: GemVersion, b: GemVersion): Ordering {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const l = a.segments[i] ?? ZERO;
    const r = b.segments[i] ?? ZERO;
    if (l.num && r.num) {
      const c = compareDigits(l.text, r.text);
      if (c !== 0) return c;
    } else if (l.num !== r.num) {
      return l.num ? 1 : -1;
    } else if (l.text !== r.text) {
      return l.text < r.text ? -1 : 1;
    }
  }
  return 0;
}

export const rubygems: VersionComparator<GemVersion> = {
  name: 'rubygems',
  parse,
  compare: (a, b) => compareParsed(parse(a), parse(b)),
  compareParsed,
};
