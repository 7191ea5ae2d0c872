/**
 * Matching packages against the database: distro packages by the *source* package the advisory
 * names (rpm: the binary or the SRPM name), with the ecosystem's own ordering (dpkg, apk, rpm,
 * semver, PEP 440, Go, Maven, RubyGems); severity from
 * the distro's own rating, else the CVSS v3 vector, else the CVSS v4 vector, else the advisory's
 * textual severity (`database_specific.severity`, as GHSA writes it).
 *
 * @module
 */
import {
  fixedVersions,
  isAffected,
  packageMatches,
  parseEcosystem,
  tryScoreCvss,
  type OsvAffected,
  type OsvRecord,
  type OsvSeverity,
} from '@wharf/scanner';
import type { VulnDb } from './db.js';
import type { ScanPackage } from './packages.js';

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

/** One vulnerability found in one package. */
export interface Finding {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  readonly package: ScanPackage;
  /** `fixed` when the advisory lists a fix for this package, else `affected` (no fix released). */
  readonly status: 'fixed' | 'affected';
  /** The fixed versions, comma-separated as Trivy writes them; empty when unfixed. */
  readonly fixedVersion: string;
  readonly severity: Severity;
  /** Where the severity came from: `debian`, `ubuntu`, `alpine`, `cvss_v3`, `cvss_v4`, `advisory`, or `none`. */
  readonly severitySource: string;
  readonly cvss: {
    readonly v3?: { readonly vector: string; readonly score: number };
    readonly v4?: { readonly vector: string; readonly score: number };
  };
  readonly references: readonly string[];
  readonly primaryUrl?: string;
  readonly published?: string;
  readonly modified: string;
}

/** A problem met while matching (never a silent "not affected"). */
export interface ScanWarning {
  readonly message: string;
}

export interface MatchResult {
  readonly findings: Finding[];
  readonly warnings: ScanWarning[];
  /** Packages whose type Wharf cannot match, by purl type. */
  readonly unsupported: Readonly<Record<string, number>>;
  readonly scanned: number;
}

const TEXT_SEVERITY: Readonly<Record<string, Severity>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  important: 'HIGH',
  moderate: 'MEDIUM',
  medium: 'MEDIUM',
  low: 'LOW',
  negligible: 'LOW',
  unimportant: 'LOW',
};

const textSeverity = (v: unknown): Severity | undefined =>
  typeof v === 'string' ? TEXT_SEVERITY[v.trim().toLowerCase()] : undefined;

function severityOf(
  record: OsvRecord,
  entry: OsvAffected | undefined,
): Pick<Finding, 'severity' | 'severitySource' | 'cvss'> {
  const list: readonly OsvSeverity[] = entry?.severity ?? record.severity ?? [];
  const cvss: { v3?: { vector: string; score: number }; v4?: { vector: string; score: number } } =
    {};
  for (const s of list) {
    if (s.type === 'CVSS_V3' && cvss.v3 === undefined) {
      const r = tryScoreCvss(s.score);
      if (r !== undefined) cvss.v3 = { vector: r.vector, score: r.score };
    }
    if (s.type === 'CVSS_V4' && cvss.v4 === undefined) {
      const r = tryScoreCvss(s.score);
      if (r !== undefined) cvss.v4 = { vector: r.vector, score: r.score };
    }
  }
  const base = entry?.package !== undefined ? parseEcosystem(entry.package.ecosystem).base : '';
  const distro =
    textSeverity(entry?.ecosystem_specific?.['urgency']) ??
    textSeverity(entry?.ecosystem_specific?.['severity']) ??
    textSeverity(list.find((s) => s.type === 'Ubuntu')?.score);
  if (distro !== undefined && ['Debian', 'Ubuntu', 'Alpine'].includes(base)) {
    return { severity: distro, severitySource: base.toLowerCase(), cvss };
  }
  const fromScore = (score: number): Severity =>
    score >= 9
      ? 'CRITICAL'
      : score >= 7
        ? 'HIGH'
        : score >= 4
          ? 'MEDIUM'
          : score > 0
            ? 'LOW'
            : 'UNKNOWN';
  if (cvss.v3 !== undefined)
    return { severity: fromScore(cvss.v3.score), severitySource: 'cvss_v3', cvss };
  if (cvss.v4 !== undefined)
    return { severity: fromScore(cvss.v4.score), severitySource: 'cvss_v4', cvss };
  const text =
    textSeverity(record.database_specific?.['severity']) ??
    textSeverity(entry?.database_specific?.['severity']);
  if (text !== undefined) return { severity: text, severitySource: 'advisory', cvss };
  return { severity: 'UNKNOWN', severitySource: 'none', cvss };
}

function primaryUrl(record: OsvRecord): string | undefined {
  const refs = record.references ?? [];
  return (refs.find((r) => r.type === 'ADVISORY') ?? refs[0])?.url;
}

/** Matches every package against the database. Findings are sorted by severity, package, id. */
export function matchPackages(db: VulnDb, packages: readonly ScanPackage[]): MatchResult {
  const findings: Finding[] = [];
  const warnings: ScanWarning[] = [];
  const unsupported: Record<string, number> = {};
  const seen = new Set<string>();
  let scanned = 0;
  for (const pkg of packages) {
    if (pkg.ecosystem === undefined) {
      unsupported[pkg.type] = (unsupported[pkg.type] ?? 0) + 1;
      continue;
    }
    scanned++;
    const query = {
      ecosystem: pkg.ecosystem,
      name: pkg.name,
      version: pkg.version,
      ...(pkg.sourceName !== undefined ? { sourceName: pkg.sourceName } : {}),
    };
    const names = new Set([pkg.name]);
    const base = parseEcosystem(pkg.ecosystem).base;
    if (pkg.sourceName !== undefined && ['Debian', 'Ubuntu', 'Alpine'].includes(base)) {
      names.clear();
      names.add(pkg.sourceName);
    }
    // rpm-family advisories list binary rpms and sometimes the SRPM-named package: look up both.
    if (pkg.sourceName !== undefined && pkg.type === 'rpm') names.add(pkg.sourceName);
    for (const lookup of names) {
      for (const record of db.recordsFor(pkg.ecosystem, lookup)) {
        let hit: boolean;
        try {
          hit = isAffected(record, query);
        } catch (err) {
          warnings.push({
            message: `${pkg.purl}: ${record.id} not evaluated: ${err instanceof Error ? err.message : String(err)}`,
          });
          continue;
        }
        if (!hit) continue;
        const key = `${pkg.purl}\0${record.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const entry = (record.affected ?? []).find((a) => packageMatches(a, query));
        const fixed = fixedVersions(record, query);
        const url = primaryUrl(record);
        findings.push({
          id: record.id,
          aliases: record.aliases ?? [],
          ...(record.summary !== undefined ? { summary: record.summary } : {}),
          ...(record.details !== undefined ? { details: record.details } : {}),
          package: pkg,
          status: fixed.length > 0 ? 'fixed' : 'affected',
          fixedVersion: fixed.join(', '),
          ...severityOf(record, entry),
          references: (record.references ?? []).map((r) => r.url),
          ...(url !== undefined ? { primaryUrl: url } : {}),
          ...(record.published !== undefined ? { published: record.published } : {}),
          modified: record.modified,
        });
      }
    }
  }
  findings.sort(compareFindings);
  return { findings, warnings, unsupported, scanned };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.package.name.localeCompare(b.package.name) ||
    a.package.version.localeCompare(b.package.version) ||
    a.id.localeCompare(b.id)
  );
}
