import { createRequire } from 'node:module';
import type spdxCorrectFn from 'spdx-correct';
import type parseSpdxFn from 'spdx-expression-parse';

/** Declared licenses split into one SPDX expression and the leftovers that are not SPDX. */
export interface NormalizedLicenses {
  readonly expression?: string;
  readonly names: readonly string[];
}

/**
 * Declared license strings already turned into SPDX (`null`: not SPDX), e.g. the ones a cached
 * layer analysis carries. Keys are trimmed.
 */
export type KnownLicenses = ReadonlyMap<string, string | null>;

interface SpdxLibs {
  readonly correct: typeof spdxCorrectFn;
  readonly parse: typeof parseSpdxFn;
}

let libs: SpdxLibs | undefined;

/**
 * spdx-correct and spdx-expression-parse (CommonJS, with the SPDX id lists) load on first use:
 * a run whose licenses all come from the layer cache never needs them, and loading them costs
 * about 20 ms of start-up.
 */
function spdxLibs(): SpdxLibs {
  if (libs === undefined) {
    const require = createRequire(import.meta.url);
    libs = {
      correct: require('spdx-correct') as typeof spdxCorrectFn,
      parse: require('spdx-expression-parse') as typeof parseSpdxFn,
    };
  }
  return libs;
}

let versions: string | undefined;

/**
 * Versions of the license libraries (and of the SPDX id list spdx-correct uses), part of the
 * layer cache key: an upgrade that normalizes a license differently must not be masked by
 * analyses cached with the old one.
 */
export function licenseLibraryVersions(): string {
  if (versions === undefined) {
    const require = createRequire(import.meta.url);
    const fromCorrect = createRequire(require.resolve('spdx-correct'));
    const version = (req: NodeJS.Require, name: string): string =>
      `${name}@${String((req(`${name}/package.json`) as { version?: unknown }).version)}`;
    versions = [
      version(require, 'spdx-correct'),
      version(require, 'spdx-expression-parse'),
      version(fromCorrect, 'spdx-license-ids'),
    ].join(',');
  }
  return versions;
}

function validExpression(s: string): boolean {
  try {
    spdxLibs().parse(s);
    return true;
  } catch {
    return false;
  }
}

const memo = new Map<string, string | undefined>();

/** Turns one declared license into an SPDX expression, or undefined when it is not one. */
export function toSpdx(raw: string): string | undefined {
  const s = raw.trim();
  if (memo.has(s)) return memo.get(s);
  const result = toSpdxUncached(s);
  if (memo.size > 10_000) memo.clear();
  memo.set(s, result);
  return result;
}

/**
 * The SPDX form of every distinct declared license string in `raw` (trimmed, empty ones left
 * out), in first-seen order: what a layer analysis stores so a warm run skips {@link toSpdx}.
 */
export function spdxTable(raw: Iterable<string>): [string, string | null][] {
  const out = new Map<string, string | null>();
  for (const r of raw) {
    const s = r.trim();
    if (s !== '' && !out.has(s)) out.set(s, toSpdx(s) ?? null);
  }
  return [...out];
}

function toSpdxUncached(raw: string): string | undefined {
  let s = raw;
  // `(MIT OR Apache-2.0)`: drop redundant outer parentheses
  while (s.startsWith('(') && s.endsWith(')') && validExpression(s.slice(1, -1)))
    s = s.slice(1, -1).trim();
  if (s === '' || /^(UNKNOWN|NONE|NOASSERTION)$/i.test(s)) return undefined;
  if (validExpression(s)) return s;
  // Debian and others write `GPL-2+`, `BSD-3-clause`, `Apache 2.0`: try each operand.
  const parts = s
    .split(/\s+(and|or|AND|OR)\s+|\s*[,|/]\s*/)
    .filter((p): p is string => p !== undefined && p !== '');
  const ops = new Set(['and', 'or', 'AND', 'OR']);
  const fixed: string[] = [];
  let lastOp = 'AND';
  const { correct } = spdxLibs();
  for (const p of parts) {
    if (ops.has(p)) {
      lastOp = p.toUpperCase();
      continue;
    }
    const c =
      correct(p.replace(/\+$/, '-or-later'), { upgrade: true }) ?? correct(p, { upgrade: true });
    if (c === null) return undefined;
    if (fixed.length > 0) fixed.push(lastOp);
    fixed.push(c);
  }
  const expr = fixed.join(' ');
  return expr !== '' && validExpression(expr) ? expr : undefined;
}

/**
 * Normalizes a package's declared licenses: SPDX ones are AND-ed, the rest kept as names.
 * `known` answers for strings already normalized (a cached layer's table); others go through
 * {@link toSpdx}.
 */
export function normalizeLicenses(
  raw: readonly string[],
  known?: KnownLicenses,
): NormalizedLicenses {
  const exprs: string[] = [];
  const names: string[] = [];
  for (const r of raw) {
    const t = r.trim();
    const k = known?.get(t);
    const e = k === undefined ? toSpdx(t) : (k ?? undefined);
    if (e !== undefined) {
      if (!exprs.includes(e)) exprs.push(e);
    } else if (t !== '' && !names.includes(t)) names.push(t);
  }
  // split top-level ANDs of plain ids so `MIT`, `MIT AND BSD-2-Clause` do not repeat ids
  const flat = new Set<string>();
  for (const e of exprs) {
    if (/^[A-Za-z0-9.+-]+( AND [A-Za-z0-9.+-]+)*$/.test(e))
      e.split(' AND ').forEach((x) => flat.add(x));
    else flat.add(e);
  }
  exprs.length = 0;
  exprs.push(...[...flat].sort());
  const expression =
    exprs.length === 0
      ? undefined
      : exprs.length === 1
        ? exprs[0]
        : exprs.map((e) => (/\s/.test(e) ? `(${e})` : e)).join(' AND ');
  return { ...(expression !== undefined ? { expression } : {}), names: names.sort() };
}
