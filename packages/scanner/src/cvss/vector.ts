import { ScanError } from '../errors.js';

/** Qualitative severity ratings shared by CVSS v3.x and v4.0. */
export type CvssSeverity = 'None' | 'Low' | 'Medium' | 'High' | 'Critical';

/** The rating scale: 0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical. */
export function severityOf(score: number): CvssSeverity {
  if (score === 0) return 'None';
  if (score < 4) return 'Low';
  if (score < 7) return 'Medium';
  if (score < 9) return 'High';
  return 'Critical';
}

export function invalidVector(vector: string, reason: string): ScanError {
  return new ScanError(
    'CVSS_VECTOR_INVALID',
    `invalid CVSS vector ${JSON.stringify(vector)}: ${reason}`,
    {
      detail: { vector, reason },
    },
  );
}

/**
 * Splits `PREFIX/K:V/K:V...` into a metric map, checking the prefix, allowed metrics and values,
 * duplicates, and that every mandatory metric is present. Metric order is free.
 */
export function parseMetrics(
  vector: string,
  prefix: string,
  allowed: Readonly<Record<string, readonly string[]>>,
  mandatory: readonly string[],
): Map<string, string> {
  const parts = vector.split('/');
  if (parts[0] !== prefix) throw invalidVector(vector, `expected the prefix "${prefix}"`);
  const metrics = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const m = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!m?.[1] || !m[2]) throw invalidVector(vector, `malformed component "${part}"`);
    const [, key, value] = m;
    const values = allowed[key];
    if (values === undefined) throw invalidVector(vector, `unknown metric "${key}"`);
    if (!values.includes(value)) {
      throw invalidVector(
        vector,
        `metric ${key} has value "${value}", expected one of ${values.join(', ')}`,
      );
    }
    if (metrics.has(key)) throw invalidVector(vector, `metric ${key} appears twice`);
    metrics.set(key, value);
  }
  const missing = mandatory.filter((k) => !metrics.has(k));
  if (missing.length > 0)
    throw invalidVector(vector, `missing base metric(s) ${missing.join(', ')}`);
  return metrics;
}
