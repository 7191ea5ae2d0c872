/**
 * PEP 440 version ordering (PyPI): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the
 * spec's normalisations (case, `alpha/beta/c/pre/preview`, `rev/r`, `-N` post, separators,
 * implicit numbers, leading `v`). Release segments compare with trailing zeros ignored;
 * `X.devN < X.aN < X < X.postN`; local versions sort after their public version.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, type Ordering, type VersionComparator } from './types.js';

export interface Pep440Version {
  readonly epoch: string;
  readonly release: readonly string[];
  readonly pre: readonly ['a' | 'b' | 'rc', string] | undefined;
  readonly post: string | undefined;
  readonly dev: string | undefined;
  readonly local: readonly string[] | undefined;
  /** The normalised form, e.g. `1.0rc1.post2.dev3+ubuntu.1`. */
  readonly normalized: string;
}

const RE = new RegExp(
  '^\\s*v?(?:([0-9]+)!)?([0-9]+(?:\\.[0-9]+)*)' +
    '([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?' +
    '((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?' +
    '([-_.]?(dev)[-_.]?([0-9]+)?)?' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const strip = (n: string): string => n.replace(/^0+(?=\d)/, '');

export function parse(version: string): Pep440Version {
  const m = RE.exec(version);
  if (!m) {
    throw invalidVersion('pep440', version, 'does not match the PEP 440 version scheme');
  }
  const epoch = strip(m[1] ?? '0');
  const release = (m[2] ?? '0').split('.').map(strip);
  let pre: Pep440Version['pre'];
  if (m[3] !== undefined) {
    const l = (m[4] ?? '').toLowerCase();
    const kind = l === 'alpha' || l === 'a' ? 'a' : l === 'beta' || l === 'b' ? 'b' : 'rc';
    pre = [kind, strip(m[5] ?? '0')];
  }
  const post = m[6] === undefined ? undefined : strip(m[7] ?? m[9] ?? '0');
  const dev = m[10] === undefined ? undefined : strip(m[12] ?? '0');
  const local = m[13]
    ?.toLowerCase()
    .split(/[-_.]/)
    .map((p) => (/^[0-9]+$/.test(p) ? strip(p) : p));
  const normalized =
    (epoch !== '0' ? `${epoch}!` : '') +
    release.join('.') +
    (pre ? `${pre[0]}${pre[1]}` : '') +
    (post !== undefined ? `.post${post}` : '') +
    (dev !== undefined ? `.dev${dev}` : '') +
    (local ? `+${local.join('.')}` : '');
  return { epoch, release, pre, post, dev, local, normalized };
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

/** Compares optional numbers where `undefined` is -∞ (`low`) or +∞ (`!low`). */
function optional(a: string | undefined, b: string | undefined, low: boolean): Ordering {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return (a === undefined) === low ? -1 : 1;
  }
  return compareDigits(a, b);
}

function comparePre(a: Pep440Version, b: Pep440Version): Ordering {
  // A dev release without pre or post sorts before any pre-release of the same release.
  const rank = (v: Pep440Version): number =>
    v.pre ? PRE_RANK[v.pre[0]] : v.post === undefined && v.dev !== undefined ? -1 : 3;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return a.pre && b.pre ? compareDigits(a.pre[1], b.pre[1]) : 0;
}

function compareLocal(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): Ordering {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    // Numeric segments sort above alphanumeric ones; alphanumerics compare lexically.
    const r = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : x < y ? -1 : x > y ? 1 : 0;
    if (r !== 0) return r;
  }
  return 0;
}

function compareRelease(a: readonly string[], b: readonly string[]): Ordering {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const r = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (r !== 0) return r;
  }
  return 0;
}

export function compareParsed(a: Pep440Version, b: Pep440Version): Ordering {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    optional(a.post, b.post, true) ||
    optional(a.dev, b.dev, false) ||
    compareLocal(a.local, b.local)
  );
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const pep440: VersionComparator<Pep440Version> = {
  name: 'pep440',
  parse,
  compare,
  compareParsed,
};
