/**
 * Maven version ordering, following `org.apache.maven.artifact.versioning.ComparableVersion`:
 * versions split on `.`, `-` and digit/letter transitions into nested lists of integer and
 * string items; trailing "null" items (0, "", ga, final, release) are dropped; known qualifiers
 * order `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, and
 * unknown qualifiers sort after `sp`, lexically. `a1`, `b1`, `m1` abbreviate alpha/beta/milestone
 * when directly followed by a digit.
 *
 * @module
 */
import { invalidVersion } from './invalid.js';
import { compareDigits, sign, type Ordering, type VersionComparator } from './types.js';

type Item =
  | { readonly kind: 'int'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly items: Item[] };

export interface MavenVersion {
  readonly raw: string;
  readonly items: Item & { kind: 'list' };
  /** The canonical form (as ComparableVersion.getCanonical would print it). */
  readonly canonical: string;
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) {
    v = v === 'a' ? 'alpha' : v === 'b' ? 'beta' : v === 'm' ? 'milestone' : v;
  }
  return { kind: 'string', value: ALIASES[v] ?? v };
}

function parseItem(buf: string, followedByDigit = false): Item {
  return /^[0-9]+$/.test(buf)
    ? { kind: 'int', value: buf.replace(/^0+(?=\d)/, '').replace(/^0+$/, '0') }
    : stringItem(buf, followedByDigit);
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === '0';
  if (item.kind === 'string') return item.value === '';
  return item.items.length === 0;
}

function normalize(list: Item[], root: boolean): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i] as Item;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
  // A sub-list left holding only a sub-list is that sub-list (`1-ga-1` = `1-1`, as osv-scanner).
  const only = list[0];
  if (!root && list.length === 1 && only?.kind === 'list') list.splice(0, 1, ...only.items);
}

function qualifierKey(value: string): string {
  const i = QUALIFIERS.indexOf(value);
  return i >= 0 ? String(i) : `${QUALIFIERS.length}-${value}`;
}

const cmpStr = (a: string, b: string): Ordering => (a < b ? -1 : a > b ? 1 : 0);

/** ComparableVersion's Item.compareTo; `b` undefined stands for Java's `null` (padding). */
function compareItem(a: Item, b: Item | undefined): Ordering {
  switch (a.kind) {
    case 'int':
      if (b === undefined) return a.value === '0' ? 0 : 1;
      return b.kind === 'int' ? compareDigits(a.value, b.value) : 1;
    case 'string':
      if (b === undefined) return cmpStr(qualifierKey(a.value), RELEASE_INDEX);
      if (b.kind === 'int' || b.kind === 'list') return -1;
      return cmpStr(qualifierKey(a.value), qualifierKey(b.value));
    case 'list': {
      if (b === undefined) {
        for (const item of a.items) {
          const r = compareItem(item, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      if (b.kind === 'int') return -1;
      if (b.kind === 'string') return 1;
      for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
        const l = a.items[i];
        const r = b.items[i];
        const c =
          l === undefined ? (r === undefined ? 0 : sign(-compareItem(r, l))) : compareItem(l, r);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

function canonical(list: Item[]): string {
  let out = '';
  for (const item of list) {
    if (out !== '') out += item.kind === 'list' ? '-' : '.';
    out += item.kind === 'list' ? canonical(item.items) : item.value;
  }
  return out;
}

/** Parses like ComparableVersion.parseVersion (never fails on non-empty input, as Maven). */
export function parse(version: string): MavenVersion {
  if (version.trim() === '' || /\s/.test(version)) {
    throw invalidVersion('maven', version, 'version string is empty or contains whitespace');
  }
  const v = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  const open = () => {
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    list = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '.' || c === '-') {
      list.push(i === start ? { kind: 'int', value: '0' } : parseItem(v.slice(start, i)));
      start = i + 1;
      if (c === '-') open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(v.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(v.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (v.length > start) list.push(parseItem(v.slice(start)));
  while (stack.length > 0) {
    const list = stack.pop() as Item[];
    normalize(list, list === root);
  }
  return { raw: version, items: { kind: 'list', items: root }, canonical: canonical(root) };
}

export function compareParsed(a: MavenVersion, b: MavenVersion): Ordering {
  return compareItem(a.items, b.items);
}

export function compare(a: string, b: string): Ordering {
  return compareParsed(parse(a), parse(b));
}

export const maven: VersionComparator<MavenVersion> = {
  name: 'maven',
  parse,
  compare,
  compareParsed,
};
