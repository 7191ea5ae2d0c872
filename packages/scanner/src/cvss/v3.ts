/**
 * CVSS v3.0 / v3.1 base score (FIRST CVSS v3.1 specification, sections 7.1 and Appendix A).
 * Temporal and environmental metrics are validated but do not change the base score.
 *
 * @module
 */
import { parseMetrics, severityOf, type CvssSeverity } from './vector.js';

const X = 'X';
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  E: [X, 'H', 'F', 'P', 'U'],
  RL: [X, 'U', 'W', 'T', 'O'],
  RC: [X, 'C', 'R', 'U'],
  CR: [X, 'H', 'M', 'L'],
  IR: [X, 'H', 'M', 'L'],
  AR: [X, 'H', 'M', 'L'],
  MAV: [X, 'N', 'A', 'L', 'P'],
  MAC: [X, 'L', 'H'],
  MPR: [X, 'N', 'L', 'H'],
  MUI: [X, 'N', 'R'],
  MS: [X, 'U', 'C'],
  MC: [X, 'H', 'L', 'N'],
  MI: [X, 'H', 'L', 'N'],
  MA: [X, 'H', 'L', 'N'],
};
const BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;

const AV: Readonly<Record<string, number>> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Readonly<Record<string, number>> = { L: 0.77, H: 0.44 };
const UI: Readonly<Record<string, number>> = { N: 0.85, R: 0.62 };
const CIA: Readonly<Record<string, number>> = { H: 0.56, L: 0.22, N: 0 };
const PR_UNCHANGED: Readonly<Record<string, number>> = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Readonly<Record<string, number>> = { N: 0.85, L: 0.68, H: 0.5 };

export interface Cvss3Result {
  readonly version: '3.0' | '3.1';
  readonly baseScore: number;
  readonly severity: CvssSeverity;
  readonly impact: number;
  readonly exploitability: number;
}

/** v3.1 Roundup (Appendix A): the smallest one-decimal number >= input, robust to float error. */
function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/** v3.0 round up: ceiling to one decimal. */
function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

const w = (table: Readonly<Record<string, number>>, key: string | undefined): number =>
  table[key ?? ''] ?? 0;

/** Computes the CVSS v3.0/v3.1 base score; throws CVSS_VECTOR_INVALID on a bad vector. */
export function scoreCvss3(vector: string): Cvss3Result {
  const version = vector.startsWith('CVSS:3.0/') ? '3.0' : '3.1';
  const m = parseMetrics(vector, `CVSS:${version}`, ALLOWED, BASE);
  const changed = m.get('S') === 'C';
  const iss = 1 - (1 - w(CIA, m.get('C'))) * (1 - w(CIA, m.get('I'))) * (1 - w(CIA, m.get('A')));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability =
    8.22 *
    w(AV, m.get('AV')) *
    w(AC, m.get('AC')) *
    w(changed ? PR_CHANGED : PR_UNCHANGED, m.get('PR')) *
    w(UI, m.get('UI'));
  const roundup = version === '3.0' ? roundup30 : roundup31;
  let baseScore = 0;
  if (impact > 0) {
    baseScore = roundup(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
  }
  return { version, baseScore, severity: severityOf(baseScore), impact, exploitability };
}
