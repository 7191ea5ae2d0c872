/**
 * Scan reports: Wharf's JSON (documented in docs/scan-json.md), a text table, SARIF 2.1.0 laid
 * out as Trivy lays it out, and a CycloneDX 1.6 VEX document.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DbStatus } from './db.js';
import type { Suppressed } from './filters.js';
import type { ScanPackage, ScanTarget } from './packages.js';
import { SEVERITIES, type Finding, type Severity } from './scan.js';

/** Media types of attached reports. */
export const REPORT_ARTIFACT_TYPES = {
  json: 'application/vnd.wharf.vulnerability-report.v1+json',
  sarif: 'application/sarif+json',
  'cyclonedx-vex': 'application/vnd.cyclonedx+json',
} as const;

export const REPORT_FORMATS = ['table', 'json', 'sarif', 'cyclonedx-vex'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Everything a report is written from. */
export interface ScanReport {
  readonly tool: { readonly name: string; readonly version: string };
  /** RFC 3339 UTC. */
  readonly createdAt: string;
  readonly target: ScanTarget;
  readonly database: Pick<DbStatus, 'path' | 'schemaVersion' | 'importedAt' | 'source'>;
  readonly packages: number;
  readonly scanned: number;
  readonly unsupported: Readonly<Record<string, number>>;
  readonly findings: readonly Finding[];
  readonly suppressed: readonly Suppressed[];
  readonly warnings: readonly string[];
}

export function summaryOf(findings: readonly Finding[]): Record<Severity, number> {
  const s = Object.fromEntries(SEVERITIES.map((k) => [k, 0])) as Record<Severity, number>;
  for (const f of findings) s[f.severity]++;
  return s;
}

function pkgJson(p: ScanPackage): Record<string, unknown> {
  return {
    name: p.name,
    version: p.version,
    purl: p.purl,
    type: p.type,
    ecosystem: p.ecosystem,
    class: p.class,
    ...(p.sourceName !== undefined ? { sourceName: p.sourceName } : {}),
    ...(p.sourceVersion !== undefined ? { sourceVersion: p.sourceVersion } : {}),
    ...(p.locations.length > 0 ? { locations: p.locations } : {}),
    ...(p.layer !== undefined ? { layer: p.layer } : {}),
  };
}

function findingJson(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    aliases: f.aliases,
    package: pkgJson(f.package),
    installedVersion: f.package.version,
    status: f.status,
    fixedVersion: f.fixedVersion,
    severity: f.severity,
    severitySource: f.severitySource,
    cvss: f.cvss,
    ...(f.summary !== undefined ? { summary: f.summary } : {}),
    ...(f.primaryUrl !== undefined ? { primaryUrl: f.primaryUrl } : {}),
    references: f.references,
    ...(f.published !== undefined ? { published: f.published } : {}),
    modified: f.modified,
  };
}

/** Wharf's JSON report, schema version 1 (docs/scan-json.md). */
export function toJsonReport(r: ScanReport): Record<string, unknown> {
  return {
    schemaVersion: 1,
    tool: r.tool,
    createdAt: r.createdAt,
    target: r.target,
    database: r.database,
    packages: { total: r.packages, scanned: r.scanned, unsupported: r.unsupported },
    summary: summaryOf(r.findings),
    findings: r.findings.map(findingJson),
    suppressed: r.suppressed.map((s) => ({
      id: s.finding.id,
      package: s.finding.package.purl,
      by: s.by,
      statement: s.statement,
    })),
    warnings: r.warnings,
  };
}

function cell(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}

/** The text table (one line per finding, sorted by severity). */
export function toTable(r: ScanReport): string {
  const s = summaryOf(r.findings);
  const lines: string[] = [];
  const os = r.target.os !== undefined ? ` (${r.target.os.family} ${r.target.os.name})` : '';
  lines.push(`${r.target.name}${os}`);
  lines.push(
    `Total: ${r.findings.length} (${SEVERITIES.map((k) => `${k}: ${s[k]}`).join(', ')})` +
      (r.suppressed.length > 0 ? `, suppressed: ${r.suppressed.length}` : ''),
  );
  if (r.findings.length > 0) {
    const rows = r.findings.map((f) => [
      f.package.name,
      f.id,
      f.severity,
      f.status,
      f.package.version,
      f.fixedVersion,
      f.summary ?? '',
    ]);
    const head = ['PACKAGE', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'INSTALLED', 'FIXED', 'TITLE'];
    const widths = head.map((h, i) =>
      Math.min(i === 6 ? 60 : 40, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))),
    );
    lines.push('');
    lines.push(
      head
        .map((h, i) => cell(h, widths[i] ?? 10))
        .join('  ')
        .trimEnd(),
    );
    for (const row of rows)
      lines.push(
        row
          .map((c, i) => cell(c, widths[i] ?? 10))
          .join('  ')
          .trimEnd(),
      );
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

const SARIF_LEVEL: Readonly<Record<Severity, string>> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  UNKNOWN: 'note',
};
/** Trivy's fallback `security-severity` when there is no CVSS v3 score. */
const SARIF_SCORE: Readonly<Record<Severity, string>> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
  UNKNOWN: '0.0',
};

/** The name in a reference without tag or digest (`localhost:5000/library/debian`). */
function repositoryOf(name: string): string {
  const noDigest = name.split('@')[0] ?? name;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * SARIF 2.1.0 as Trivy writes it: one run; one rule per vulnerability id (`OsPackageVulnerability`
 * or `LanguageSpecificPackageVulnerability`, help text with `Severity: X`, `security-severity`);
 * one result per finding whose location is the image repository (OS packages) or the file the
 * package was found in (language packages).
 */
export function toSarif(r: ScanReport): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  const repo = repositoryOf(r.target.name);
  for (const f of r.findings) {
    const link = f.primaryUrl ?? '';
    const helpText = [
      `Vulnerability ${f.id}`,
      `Severity: ${f.severity}`,
      `Package: ${f.package.name}`,
      `Fixed Version: ${f.fixedVersion}`,
      `Link: [${f.id}](${link})`,
      f.summary ?? '',
    ].join('\n');
    let idx = ruleIndex.get(f.id);
    if (idx === undefined) {
      idx = rules.length;
      ruleIndex.set(f.id, idx);
      const score = f.cvss.v3 !== undefined ? f.cvss.v3.score.toFixed(1) : SARIF_SCORE[f.severity];
      rules.push({
        id: f.id,
        name:
          f.package.class === 'os-pkgs'
            ? 'OsPackageVulnerability'
            : 'LanguageSpecificPackageVulnerability',
        shortDescription: { text: f.summary ?? f.id },
        fullDescription: { text: f.details ?? f.summary ?? f.id },
        defaultConfiguration: { level: SARIF_LEVEL[f.severity] },
        ...(link !== '' ? { helpUri: link } : {}),
        help: {
          text: helpText,
          markdown: `**Vulnerability ${f.id}**\n| Severity | Package | Fixed Version | Link |\n| --- | --- | --- | --- |\n|${f.severity}|${f.package.name}|${f.fixedVersion}|[${f.id}](${link})|\n\n${f.summary ?? ''}`,
        },
        properties: {
          precision: 'very-high',
          'security-severity': score,
          tags: ['vulnerability', 'security', f.severity],
          ...(f.cvss.v3 !== undefined
            ? { cvssv3_vector: f.cvss.v3.vector, cvssv3_baseScore: f.cvss.v3.score }
            : {}),
          ...(f.cvss.v4 !== undefined
            ? { cvssv40_vector: f.cvss.v4.vector, cvssv40_baseScore: f.cvss.v4.score }
            : {}),
        },
      });
    }
    const uri =
      f.package.class === 'lang-pkgs' && f.package.locations[0] !== undefined
        ? f.package.locations[0].replace(/^\/+/, '')
        : repo;
    results.push({
      ruleId: f.id,
      ruleIndex: idx,
      level: SARIF_LEVEL[f.severity],
      message: {
        text: `Package: ${f.package.name}\nInstalled Version: ${f.package.version}\nVulnerability ${f.id}\nSeverity: ${f.severity}\nFixed Version: ${f.fixedVersion}\nLink: [${f.id}](${link})`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri, uriBaseId: 'ROOTPATH' },
            region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
          },
          message: { text: `${uri}: ${f.package.name}@${f.package.version}` },
        },
      ],
    });
  }
  return {
    version: '2.1.0',
    $schema:
      'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            fullName: 'Wharf Vulnerability Scanner',
            informationUri: 'https://github.com/wharf-dev/wharf',
            name: 'Wharf',
            rules,
            version: r.tool.version,
          },
        },
        results,
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { ROOTPATH: { uri: 'file:///' } },
        properties: {
          ...(r.target.kind === 'image'
            ? {
                imageName: r.target.name,
                repoDigests: r.target.digest !== undefined ? [`${repo}@${r.target.digest}`] : [],
              }
            : { targetName: r.target.name, targetKind: r.target.kind }),
        },
      },
    ],
  };
}

const CDX_SEVERITY: Readonly<Record<Severity, string>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'unknown',
};

function sourceOf(id: string): { name: string; url?: string } {
  if (id.startsWith('GHSA-')) return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${id}` };
}

const VEX_JUSTIFICATION: Readonly<Record<string, string>> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'protected_by_mitigating_control',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};

/**
 * CycloneDX 1.6 VEX: the affected packages as components (bom-ref = purl) and one vulnerability
 * per (advisory, package) with ratings and `affects`; findings suppressed by VEX or the ignore
 * file are listed with `analysis.state: not_affected`.
 */
export function toCycloneDxVex(
  r: ScanReport,
  serial: string = randomUUID(),
): Record<string, unknown> {
  const components = new Map<string, Record<string, unknown>>();
  const vulns: Record<string, unknown>[] = [];
  const add = (f: Finding, analysis?: Record<string, unknown>): void => {
    const ref = f.package.purl;
    if (!components.has(ref)) {
      components.set(ref, {
        type: 'library',
        'bom-ref': ref,
        name: f.package.name,
        version: f.package.version,
        purl: f.package.purl,
      });
    }
    const ratings: Record<string, unknown>[] = [];
    if (f.cvss.v3 !== undefined) {
      ratings.push({
        source: sourceOf(f.id),
        score: f.cvss.v3.score,
        severity: CDX_SEVERITY[f.severity],
        method: f.cvss.v3.vector.startsWith('CVSS:3.0/') ? 'CVSSv3' : 'CVSSv31',
        vector: f.cvss.v3.vector,
      });
    }
    if (f.cvss.v4 !== undefined) {
      ratings.push({
        source: sourceOf(f.id),
        score: f.cvss.v4.score,
        severity: CDX_SEVERITY[f.severity],
        method: 'CVSSv4',
        vector: f.cvss.v4.vector,
      });
    }
    if (ratings.length === 0) {
      ratings.push({ source: sourceOf(f.id), severity: CDX_SEVERITY[f.severity], method: 'other' });
    }
    const hash = createHash('sha256').update(`${f.id}\0${ref}`).digest('hex').slice(0, 16);
    vulns.push({
      'bom-ref': `vuln-${hash}`,
      id: f.id,
      source: sourceOf(f.id),
      ...(f.aliases.length > 0
        ? { references: f.aliases.map((a) => ({ id: a, source: sourceOf(a) })) }
        : {}),
      ratings,
      ...(f.summary !== undefined ? { description: f.summary } : {}),
      ...(f.details !== undefined ? { detail: f.details } : {}),
      ...(f.fixedVersion !== ''
        ? { recommendation: `Upgrade ${f.package.name} to ${f.fixedVersion}` }
        : {}),
      ...(f.published !== undefined ? { published: f.published } : {}),
      updated: f.modified,
      ...(analysis !== undefined ? { analysis } : {}),
      affects: [
        {
          ref,
          versions: [
            {
              version: f.package.version,
              status: analysis === undefined ? 'affected' : 'unaffected',
            },
          ],
        },
      ],
    });
  };
  for (const f of r.findings) add(f);
  for (const s of r.suppressed) {
    const just = /\((\w+)\)$/.exec(s.statement)?.[1];
    const mapped = just !== undefined ? VEX_JUSTIFICATION[just] : undefined;
    add(s.finding, {
      state: 'not_affected',
      ...(mapped !== undefined ? { justification: mapped } : {}),
      detail: `${s.by === 'vex' ? 'OpenVEX' : 'ignore file'}: ${s.statement}`,
    });
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: r.createdAt,
      tools: { components: [{ type: 'application', name: r.tool.name, version: r.tool.version }] },
      component: {
        type:
          r.target.kind === 'image'
            ? 'container'
            : r.target.kind === 'rootfs'
              ? 'file'
              : 'application',
        'bom-ref': 'target',
        name: r.target.name,
      },
    },
    components: [...components.values()],
    vulnerabilities: vulns,
  };
}

/** Renders a report in a format (JSON documents end with a newline). */
export function renderReport(r: ScanReport, format: ReportFormat): string {
  switch (format) {
    case 'table':
      return toTable(r);
    case 'json':
      return `${JSON.stringify(toJsonReport(r), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarif(r), null, 2)}\n`;
    case 'cyclonedx-vex':
      return `${JSON.stringify(toCycloneDxVex(r), null, 2)}\n`;
  }
}
