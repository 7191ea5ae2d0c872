/**
 * CVSS v4.0 score (FIRST CVSS v4.0 specification, section 8): the vector's MacroVector
 * (EQ1..EQ6) selects a score from the specification's lookup table, which is then lowered by the
 * mean proportional severity distance to the MacroVector's highest-severity vectors. Threat and
 * environmental metrics present in the vector are applied (their defaults are the worst case),
 * so a base-only vector yields the CVSS-B score.
 *
 * @module
 */
import { MACROVECTOR_SCORES } from './v4-macrovectors.js';
import { parseMetrics, severityOf, type CvssSeverity } from './vector.js';

const X = 'X';
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
  E: [X, 'A', 'P', 'U'],
  CR: [X, 'H', 'M', 'L'],
  IR: [X, 'H', 'M', 'L'],
  AR: [X, 'H', 'M', 'L'],
  MAV: [X, 'N', 'A', 'L', 'P'],
  MAC: [X, 'L', 'H'],
  MAT: [X, 'N', 'P'],
  MPR: [X, 'N', 'L', 'H'],
  MUI: [X, 'N', 'P', 'A'],
  MVC: [X, 'H', 'L', 'N'],
  MVI: [X, 'H', 'L', 'N'],
  MVA: [X, 'H', 'L', 'N'],
  MSC: [X, 'H', 'L', 'N'],
  MSI: [X, 'S', 'H', 'L', 'N'],
  MSA: [X, 'S', 'H', 'L', 'N'],
  S: [X, 'N', 'P'],
  AU: [X, 'N', 'Y'],
  R: [X, 'A', 'U', 'I'],
  V: [X, 'D', 'C'],
  RE: [X, 'L', 'M', 'H'],
  U: [X, 'Clear', 'Green', 'Amber', 'Red'],
};
const BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;

/** Severity level of each metric value used in distances (0 = most severe), in tenths. */
const LEVEL: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
  E: { A: 0, P: 1, U: 2 },
};

/** Highest-severity vectors of each EQ level (specification data). EQ3 is keyed by EQ3 then EQ6. */
const MAX_EQ1: Readonly<Record<number, readonly string[]>> = {
  0: ['AV:N/PR:N/UI:N'],
  1: ['AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'],
  2: ['AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P'],
};
const MAX_EQ2: Readonly<Record<number, readonly string[]>> = {
  0: ['AC:L/AT:N'],
  1: ['AC:H/AT:N', 'AC:L/AT:P'],
};
const MAX_EQ3EQ6: Readonly<Record<string, readonly string[]>> = {
  '00': ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'],
  '01': ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'],
  '10': ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'],
  '11': [
    'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
    'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M',
    'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
    'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H',
    'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M',
  ],
  '21': ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H'],
};
const MAX_EQ4: Readonly<Record<number, readonly string[]>> = {
  0: ['SC:H/SI:S/SA:S'],
  1: ['SC:H/SI:H/SA:H'],
  2: ['SC:L/SI:L/SA:L'],
};
/** Depth of each MacroVector (maximal severity distance + 1), in tenths. */
const DEPTH_EQ1 = [1, 4, 5];
const DEPTH_EQ2 = [1, 2];
const DEPTH_EQ3EQ6: Readonly<Record<string, number>> = {
  '00': 7,
  '01': 6,
  '10': 8,
  '11': 8,
  '21': 10,
};
const DEPTH_EQ4 = [6, 5, 4];

export interface Cvss4Result {
  readonly version: '4.0';
  readonly score: number;
  readonly severity: CvssSeverity;
  /** The six EQ digits, e.g. `"002201"`. */
  readonly macroVector: string;
}

const DEFAULTS: Readonly<Record<string, string>> = { E: 'A', CR: 'H', IR: 'H', AR: 'H' };

/** Effective value: the modified metric when set, else the base value, else the worst case. */
function effective(m: Map<string, string>, key: string): string {
  const modified = m.get(`M${key}`);
  if (modified !== undefined && modified !== X) return modified;
  const v = m.get(key);
  if (v === undefined || v === X) return DEFAULTS[key] ?? X;
  return v;
}

function macroVector(e: (k: string) => string): [number, number, number, number, number, number] {
  const [av, pr, ui] = [e('AV'), e('PR'), e('UI')];
  const eq1 =
    av === 'N' && pr === 'N' && ui === 'N'
      ? 0
      : (av === 'N' || pr === 'N' || ui === 'N') && av !== 'P'
        ? 1
        : 2;
  const eq2 = e('AC') === 'L' && e('AT') === 'N' ? 0 : 1;
  const [vc, vi, va] = [e('VC'), e('VI'), e('VA')];
  const eq3 = vc === 'H' && vi === 'H' ? 0 : vc === 'H' || vi === 'H' || va === 'H' ? 1 : 2;
  const eq4 =
    e('MSI') === 'S' || e('MSA') === 'S'
      ? 0
      : e('SC') === 'H' || e('SI') === 'H' || e('SA') === 'H'
        ? 1
        : 2;
  const eq5 = { A: 0, P: 1, U: 2 }[e('E')] ?? 0;
  const eq6 =
    (e('CR') === 'H' && vc === 'H') ||
    (e('IR') === 'H' && vi === 'H') ||
    (e('AR') === 'H' && va === 'H')
      ? 0
      : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

const lookup = (eqs: readonly number[]): number | undefined => MACROVECTOR_SCORES[eqs.join('')];

/** Computes the CVSS v4.0 score; throws CVSS_VECTOR_INVALID on a bad vector. */
export function scoreCvss4(vector: string): Cvss4Result {
  const m = parseMetrics(vector, 'CVSS:4.0', ALLOWED, BASE);
  const e = (k: string): string => {
    if (k === 'MSI' || k === 'MSA') return m.get(k) ?? X;
    return effective(m, k);
  };
  const eqs = macroVector(e);
  const macro = eqs.join('');
  const done = (score: number): Cvss4Result => ({
    version: '4.0',
    score,
    severity: severityOf(score),
    macroVector: macro,
  });
  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((k) => e(k) === 'N')) return done(0);

  const value = lookup(eqs) ?? 0;
  const [eq1, eq2, eq3, eq4, eq5, eq6] = eqs;
  // Score of the next lower MacroVector along each EQ (undefined where none exists).
  const lower = (i: number): number | undefined => lookup(eqs.map((x, j) => (j === i ? x + 1 : x)));
  let lowerEq3Eq6: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    const a = lower(5);
    const b = lower(2);
    // As in the reference calculator, a missing neighbour makes the pair unusable (NaN).
    lowerEq3Eq6 = a === undefined || b === undefined ? undefined : Math.max(a, b);
  } else if (eq3 === 1 && eq6 === 0) lowerEq3Eq6 = lower(5);
  else if (eq6 === 1 && eq3 < 2) lowerEq3Eq6 = lower(2);
  else lowerEq3Eq6 = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]);

  // Severity distance (in tenths) of each metric from the first highest-severity vector that
  // is at least as severe as the scored vector in every metric.
  const key36 = `${eq3}${eq6}`;
  const candidates: string[] = [];
  for (const a of MAX_EQ1[eq1] ?? [])
    for (const b of MAX_EQ2[eq2] ?? [])
      for (const c of MAX_EQ3EQ6[key36] ?? [])
        for (const d of MAX_EQ4[eq4] ?? []) candidates.push(`${a}/${b}/${c}/${d}`);
  let dist: Record<string, number> = {};
  for (const cand of candidates) {
    const max = new Map(cand.split('/').map((kv) => kv.split(':') as [string, string]));
    dist = {};
    for (const [metric, levels] of Object.entries(LEVEL)) {
      if (metric === 'E') continue; // EQ5 max vectors equal the scored value: distance 0
      dist[metric] = (levels[e(metric)] ?? 0) - (levels[max.get(metric) ?? ''] ?? 0);
    }
    if (Object.values(dist).every((d) => d >= 0)) break;
  }
  const d = (...ks: string[]): number => ks.reduce((s, k) => s + (dist[k] ?? 0), 0) / 10;
  const parts: Array<[number | undefined, number, number]> = [
    [lower(0), d('AV', 'PR', 'UI'), (DEPTH_EQ1[eq1] ?? 1) / 10],
    [lower(1), d('AC', 'AT'), (DEPTH_EQ2[eq2] ?? 1) / 10],
    [lowerEq3Eq6, d('VC', 'VI', 'VA', 'CR', 'IR', 'AR'), (DEPTH_EQ3EQ6[key36] ?? 1) / 10],
    [lower(3), d('SC', 'SI', 'SA'), (DEPTH_EQ4[eq4] ?? 1) / 10],
    [lower(4), 0, 1],
  ];
  let sum = 0;
  let n = 0;
  for (const [next, distance, depth] of parts) {
    if (next === undefined) continue;
    n++;
    sum += (value - next) * (distance / depth);
  }
  const mean = n === 0 ? 0 : sum / n;
  const score = Math.round((Math.max(0, Math.min(10, value - mean)) + 1e-6) * 10) / 10;
  return done(score);
}
