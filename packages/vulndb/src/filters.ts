/**
 * What a scan drops before reporting: `--severity`, `--ignore-unfixed`, an ignore file
 * (`.wharfignore`, YAML or JSON) and OpenVEX `not_affected` statements.
 *
 * @module
 */
import { PackageURL } from 'packageurl-js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { VulnDbError } from './errors.js';
import { SEVERITIES, type Finding, type Severity } from './scan.js';

/** Parses `CRITICAL,HIGH` (case-insensitive); INVALID_OPTION on unknown names. */
export function parseSeverities(value: string): Severity[] {
  const out: Severity[] = [];
  for (const raw of value.split(',')) {
    const s = raw.trim().toUpperCase();
    if (s === '') continue;
    if (!(SEVERITIES as readonly string[]).includes(s)) {
      throw new VulnDbError(
        'INVALID_OPTION',
        `unknown severity "${raw.trim()}" (use ${SEVERITIES.join(', ')})`,
      );
    }
    if (!out.includes(s as Severity)) out.push(s as Severity);
  }
  if (out.length === 0) throw new VulnDbError('INVALID_OPTION', 'no severity given');
  return out;
}

const dateString = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
  if (!/^\d{4}-\d\d-\d\d$/.test(s) || Number.isNaN(Date.parse(s))) {
    ctx.addIssue({ code: 'custom', message: 'expected a date YYYY-MM-DD' });
    return z.NEVER;
  }
  return s;
});

const ignoreEntrySchema = z.strictObject({
  id: z.string().min(1),
  package: z.string().min(1).optional(),
  reason: z.string().optional(),
  expires: dateString.optional(),
});
const ignoreFileSchema = z.strictObject({
  vulnerabilities: z.array(ignoreEntrySchema),
});

export type IgnoreEntry = z.infer<typeof ignoreEntrySchema>;

/**
 * Parses an ignore file: `{vulnerabilities: [{id, package?, reason?, expires?}]}` in YAML or JSON
 * (JSON is YAML). `package` is a name, a source package name, or a purl (version and
 * qualifiers optional).
 */
export function parseIgnoreFile(text: string, fileName: string): IgnoreEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new VulnDbError(
      'IGNORE_FILE_INVALID',
      `${fileName} is not YAML or JSON: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  const r = ignoreFileSchema.safeParse(doc);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`);
    throw new VulnDbError('IGNORE_FILE_INVALID', `${fileName}: ${issues.join('; ')}`);
  }
  return r.data.vulnerabilities;
}

const openVexSchema = z.object({
  '@context': z.string().startsWith('https://openvex.dev/ns'),
  statements: z.array(
    z.object({
      vulnerability: z.object({
        name: z.string().min(1).optional(),
        '@id': z.string().optional(),
        aliases: z.array(z.string()).optional(),
      }),
      products: z
        .array(
          z.object({
            '@id': z.string().min(1),
            subcomponents: z.array(z.object({ '@id': z.string().min(1) })).optional(),
          }),
        )
        .optional(),
      status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
      justification: z.string().optional(),
      impact_statement: z.string().optional(),
    }),
  ),
});
export type OpenVex = z.infer<typeof openVexSchema>;

/** Parses an OpenVEX (v0.2) JSON document; VEX_INVALID otherwise. */
export function parseOpenVex(text: string, fileName: string): OpenVex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new VulnDbError('VEX_INVALID', `${fileName} is not JSON: ${String(err)}`, { cause: err });
  }
  const r = openVexSchema.safeParse(doc);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(document)'}: ${i.message}`);
    throw new VulnDbError(
      'VEX_INVALID',
      `${fileName}: not an OpenVEX document: ${issues.join('; ')}`,
    );
  }
  return r.data;
}

/** A finding left out of the report, and why. */
export interface Suppressed {
  readonly finding: Finding;
  readonly by: 'ignore-file' | 'vex';
  readonly statement: string;
}

export interface FilterOptions {
  readonly severities?: readonly Severity[];
  readonly ignoreUnfixed?: boolean;
  readonly ignore?: readonly IgnoreEntry[];
  readonly vex?: readonly OpenVex[];
  /** Today, for ignore-entry expiry (default now). */
  readonly now?: Date;
}

export interface FilterResult {
  readonly findings: Finding[];
  readonly suppressed: Suppressed[];
  readonly warnings: string[];
}

const idsOf = (f: Finding): string[] => [f.id, ...f.aliases];

/** type/namespace/name(/version) of a purl, qualifiers dropped; undefined when not a purl. */
function purlKey(purl: string): { base: string; version: string | undefined } | undefined {
  try {
    const p = PackageURL.fromString(purl);
    return {
      base: `${p.type}/${p.namespace ?? ''}/${p.name}`,
      version: p.version ?? undefined,
    };
  } catch {
    return undefined;
  }
}

function purlCovers(product: string, pkgPurl: string): boolean {
  const a = purlKey(product);
  const b = purlKey(pkgPurl);
  if (a === undefined || b === undefined) return false;
  return a.base === b.base && (a.version === undefined || a.version === b.version);
}

function ignoreMatches(e: IgnoreEntry, f: Finding): boolean {
  if (!idsOf(f).includes(e.id)) return false;
  if (e.package === undefined) return true;
  if (e.package.startsWith('pkg:')) return purlCovers(e.package, f.package.purl);
  return e.package === f.package.name || e.package === f.package.sourceName;
}

function vexSuppresses(doc: OpenVex, f: Finding): string | undefined {
  for (const s of doc.statements) {
    if (s.status !== 'not_affected') continue;
    const names = [
      s.vulnerability.name,
      s.vulnerability['@id'],
      ...(s.vulnerability.aliases ?? []),
    ];
    if (!names.some((n) => n !== undefined && idsOf(f).includes(n))) continue;
    const products = s.products ?? [];
    const hit = products.some((p) => {
      const subs = p.subcomponents ?? [];
      if (p['@id'].startsWith('pkg:oci/')) {
        // The image as product: its subcomponents narrow the statement; none means all of it.
        return subs.length === 0 || subs.some((c) => purlCovers(c['@id'], f.package.purl));
      }
      return (
        purlCovers(p['@id'], f.package.purl) ||
        subs.some((c) => purlCovers(c['@id'], f.package.purl))
      );
    });
    if (hit)
      return `${s.vulnerability.name ?? f.id} not_affected${s.justification !== undefined ? ` (${s.justification})` : ''}`;
  }
  return undefined;
}

/** Applies the filters in order: VEX, ignore file, unfixed, severity. */
export function filterFindings(findings: readonly Finding[], o: FilterOptions): FilterResult {
  const today = (o.now ?? new Date()).toISOString().slice(0, 10);
  const warnings: string[] = [];
  const live: IgnoreEntry[] = [];
  for (const e of o.ignore ?? []) {
    if (e.expires !== undefined && e.expires < today) {
      warnings.push(
        `ignore entry ${e.id}${e.package !== undefined ? ` (${e.package})` : ''} expired on ${e.expires} and no longer applies`,
      );
    } else {
      live.push(e);
    }
  }
  const kept: Finding[] = [];
  const suppressed: Suppressed[] = [];
  for (const f of findings) {
    const vex = (o.vex ?? []).map((d) => vexSuppresses(d, f)).find((s) => s !== undefined);
    if (vex !== undefined) {
      suppressed.push({ finding: f, by: 'vex', statement: vex });
      continue;
    }
    const ig = live.find((e) => ignoreMatches(e, f));
    if (ig !== undefined) {
      suppressed.push({
        finding: f,
        by: 'ignore-file',
        statement: ig.reason ?? `ignored ${ig.id}`,
      });
      continue;
    }
    if (o.ignoreUnfixed === true && f.status !== 'fixed') continue;
    if (o.severities !== undefined && !o.severities.includes(f.severity)) continue;
    kept.push(f);
  }
  return { findings: kept, suppressed, warnings };
}
