import { ScanError } from '../errors.js';
import { scoreCvss3 } from './v3.js';
import { scoreCvss4 } from './v4.js';
import { invalidVector, type CvssSeverity } from './vector.js';

export { scoreCvss3, type Cvss3Result } from './v3.js';
export { scoreCvss4, type Cvss4Result } from './v4.js';
export { severityOf, type CvssSeverity } from './vector.js';

export interface CvssScore {
  readonly version: '3.0' | '3.1' | '4.0';
  readonly score: number;
  readonly severity: CvssSeverity;
  readonly vector: string;
}

/** Scores a CVSS v3.0, v3.1 or v4.0 vector (as found in OSV `severity[].score`). */
export function scoreCvss(vector: string): CvssScore {
  const v = vector.trim();
  if (v.startsWith('CVSS:4.0/')) {
    const r = scoreCvss4(v);
    return { version: r.version, score: r.score, severity: r.severity, vector: v };
  }
  if (v.startsWith('CVSS:3.0/') || v.startsWith('CVSS:3.1/')) {
    const r = scoreCvss3(v);
    return { version: r.version, score: r.baseScore, severity: r.severity, vector: v };
  }
  throw invalidVector(vector, 'expected a "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix');
}

/** Like {@link scoreCvss} but returns undefined instead of throwing. */
export function tryScoreCvss(vector: string): CvssScore | undefined {
  try {
    return scoreCvss(vector);
  } catch (err) {
    if (err instanceof ScanError) return undefined;
    throw err;
  }
}
