/**
 * Alpine apk version ordering, following the current apk-tools `version.c` token rules:
 * `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`.
 *
 * - Pre-release suffixes `alpha < beta < pre < rc` sort below no suffix; post-release suffixes
 *   `cvs < svn < git < hg < p` above it; each may carry a number (`_rc2`, `_p16`).
 * - Digit components after the first compare numerically, unless either has a leading zero:
 *   then they compare as strings (Gentoo rule), so `1.02 < 1.1` and `1.02 < 1.2`.
 * - At equal prefixes the longer version wins unless its next token is a pre-release suffix.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, sign, type Ordering, type VersionComparator } from './types.js';

// Token kinds in apk-tools order; the order decides "longer wins" at the end of a comparison.
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

/** Suffix ranks: below `NONE` are pre-releases, above are post-releases. */
const SUFFIX_RANK: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NONE = 5;

interface Token {
  readonly kind: number;
  /** The token's text (digits, letter, suffix name or hash). */
  readonly text: string;
  /** Suffix rank for SUFFIX tokens, else 0. */
  readonly rank: number;
}

/** A lexed apk version: its tokens, ending with an END token when valid or INVALID when not. */
export interface ApkVersion {
  readonly raw: string;
  readonly tokens: readonly Token[];
}

const span = (s: string, from: number, re: RegExp): string => re.exec(s.slice(from))?.[0] ?? '';

/** Lexes a version the way apk-tools walks it; never throws. */
export function lex(s: string): ApkVersion {
  const tokens: Token[] = [];
  const push = (kind: number, text = '', rank = 0) => tokens.push({ kind, text, rank });
  let kind = INITIAL_DIGIT;
  let text = span(s, 0, /^[0-9]*/);
  let pos = text.length;
  if (text === '') kind = INVALID;
  push(kind, text);
  while (kind < END) {
    const c = s[pos];
    if (c === undefined) kind = END;
    else if (c >= 'a' && c <= 'z') {
      kind = kind > DIGIT ? INVALID : LETTER;
      text = c;
      pos++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.' && kind > DIGIT) kind = INVALID;
      else {
        if (c === '.') pos++;
        kind = kind <= DIGIT ? DIGIT : kind === SUFFIX ? SUFFIX_NO : INVALID;
        text = span(s, pos, /^[0-9]*/);
        pos += text.length;
        if (text === '') kind = INVALID;
      }
    } else if (c === '_') {
      text = span(s, pos + 1, /^[a-z]*/);
      pos += 1 + text.length;
      const rank = SUFFIX_RANK[text];
      kind = kind > SUFFIX_NO || rank === undefined ? INVALID : SUFFIX;
      if (kind === SUFFIX) {
        push(kind, text, rank);
        continue;
      }
    } else if (c === '~') {
      text = span(s, pos + 1, /^[0-9a-f]*/);
      pos += 1 + text.length;
      kind = kind >= COMMIT_HASH || text === '' ? INVALID : COMMIT_HASH;
    } else if (c === '-') {
      if (kind >= REVISION_NO || s[pos + 1] !== 'r') kind = INVALID;
      else {
        text = span(s, pos + 2, /^[0-9]*/);
        pos += 2 + text.length;
        kind = text === '' ? INVALID : REVISION_NO;
      }
    } else kind = INVALID;
    push(kind, kind >= END ? '' : text);
  }
  return { raw: s, tokens };
}

function compareText(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0; // bytewise for ASCII, then shorter first
}

function compareToken(a: Token, b: Token): Ordering {
  switch (a.kind) {
    case DIGIT:
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareText(a.text, b.text);
      return compareDigits(a.text, b.text);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareDigits(a.text, b.text);
    case LETTER:
      return compareText(a.text, b.text);
    case SUFFIX:
      return sign(a.rank - b.rank);
    default:
      return compareText(a.text, b.text);
  }
}

export function parse(version: string): ApkVersion {
  const v = lex(version);
  if (v.tokens[v.tokens.length - 1]?.kind !== END) {
    throw invalidVersion(
      'apk',
      version,
      'expected digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r<number>} with suffixes ' +
        'alpha, beta, pre, rc, cvs, svn, git, hg, p',
    );
  }
  return v;
}

/** apk-tools' comparison; also defined on invalid versions (it compares the valid prefix). */
export function compareParsed(a: ApkVersion, b: ApkVersion): Ordering {
  const end: Token = { kind: INVALID, text: '', rank: 0 };
  let i = 0;
  let ta = a.tokens[0] ?? end;
  let tb = b.tokens[0] ?? end;
  while (ta.kind === tb.kind && ta.kind < END) {
    const r = compareToken(ta, tb);
    if (r !== 0) return r;
    i++;
    ta = a.tokens[i] ?? end;
    tb = b.tokens[i] ?? end;
  }
  if (ta.kind === tb.kind) return 0;
  if (ta.kind === SUFFIX && ta.rank < NONE) return -1;
  if (tb.kind === SUFFIX && tb.rank < NONE) return 1;
  return ta.kind > tb.kind ? -1 : 1;
}

/** Strict comparison: throws INVALID_VERSION unless both versions are valid apk versions. */
export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

/** apk-tools' lenient comparison, which also orders invalid versions (as `apk version -t` does). */
export function compareLoose(a: string, b: string): Ordering {
  return compareParsed(lex(a), lex(b));
}

/** True when apk-tools would accept the version (`apk version -c`). */
export function isValid(version: string): boolean {
  return lex(version).tokens.at(-1)?.kind === END;
}

export const apk: VersionComparator<ApkVersion> = { name: 'apk', parse, compare, compareParsed };
