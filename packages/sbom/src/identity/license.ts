import spdxCorrect from 'spdx-correct';
import parseSpdx from 'spdx-expression-parse';

/** Declared licenses split into one SPDX expression and the leftovers that are not SPDX. */
export interface NormalizedLicenses {
  readonly expression?: string;
  readonly names: readonly string[];
}

function validExpression(s: string): boolean {
  try {
    parseSpdx(s);
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
  for (const p of parts) {
    if (ops.has(p)) {
      lastOp = p.toUpperCase();
      continue;
    }
    const c =
      spdxCorrect(p.replace(/\+$/, '-or-later'), { upgrade: true }) ??
      spdxCorrect(p, { upgrade: true });
    if (c === null) return undefined;
    if (fixed.length > 0) fixed.push(lastOp);
    fixed.push(c);
  }
  const expr = fixed.join(' ');
  return expr !== '' && validExpression(expr) ? expr : undefined;
}

/** Normalizes a package's declared licenses: SPDX ones are AND-ed, the rest kept as names. */
export function normalizeLicenses(raw: readonly string[]): NormalizedLicenses {
  const exprs: string[] = [];
  const names: string[] = [];
  for (const r of raw) {
    const e = toSpdx(r);
    if (e !== undefined) {
      if (!exprs.includes(e)) exprs.push(e);
    } else if (r.trim() !== '' && !names.includes(r.trim())) names.push(r.trim());
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
