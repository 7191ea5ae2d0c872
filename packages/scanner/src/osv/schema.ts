/**
 * OSV record schema (OSV 1.x, docs/schema.md) as zod schemas, and `parseOsvRecord`, which
 * rejects malformed records with `ScanError('OSV_RECORD_INVALID')` naming every bad field.
 * Unknown top-level fields are kept out (stripped); events must carry exactly one key.
 *
 * @module
 */
import { z } from 'zod';
import { ScanError } from '../errors.js';

const nonEmpty = z.string().min(1);
const jsonObject = z.record(z.string(), z.unknown());

export const osvSeveritySchema = z.object({
  type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu']),
  score: nonEmpty,
});

export const osvEventSchema = z.union([
  z.strictObject({ introduced: nonEmpty }),
  z.strictObject({ fixed: nonEmpty }),
  z.strictObject({ last_affected: nonEmpty }),
  z.strictObject({ limit: nonEmpty }),
]);

export const osvRangeSchema = z
  .object({
    type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
    repo: nonEmpty.optional(),
    events: z.array(osvEventSchema).min(1),
    database_specific: jsonObject.optional(),
  })
  .superRefine((range, ctx) => {
    if (range.type === 'GIT' && range.repo === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a GIT range requires "repo"', path: ['repo'] });
    }
    if (!range.events.some((e) => 'introduced' in e)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a range needs an "introduced" event',
        path: ['events'],
      });
    }
    if (range.events.some((e) => 'fixed' in e) && range.events.some((e) => 'last_affected' in e)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a range must not mix "fixed" and "last_affected" events',
        path: ['events'],
      });
    }
  });

export const osvAffectedSchema = z.object({
  package: z.object({ ecosystem: nonEmpty, name: nonEmpty, purl: nonEmpty.optional() }).optional(),
  severity: z.array(osvSeveritySchema).optional(),
  ranges: z.array(osvRangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: jsonObject.optional(),
  database_specific: jsonObject.optional(),
});

const timestamp = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, {
  message: 'expected an RFC 3339 timestamp',
});

export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: nonEmpty,
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(osvSeveritySchema).optional(),
  affected: z.array(osvAffectedSchema).optional(),
  references: z.array(z.object({ type: nonEmpty, url: nonEmpty })).optional(),
  credits: z.array(jsonObject).optional(),
  database_specific: jsonObject.optional(),
});

export type OsvSeverity = z.infer<typeof osvSeveritySchema>;
export type OsvEvent = z.infer<typeof osvEventSchema>;
export type OsvRange = z.infer<typeof osvRangeSchema>;
export type OsvAffected = z.infer<typeof osvAffectedSchema>;
export type OsvRecord = z.infer<typeof osvRecordSchema>;

/**
 * Validates one OSV record, given as parsed JSON or as JSON text. Throws OSV_RECORD_INVALID
 * with `<id>: <path>: <problem>; ...` (at most 10 problems listed, all in `detail.issues`).
 */
export function parseOsvRecord(input: unknown): OsvRecord {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (err) {
      throw new ScanError('OSV_RECORD_INVALID', `OSV record is not valid JSON: ${String(err)}`, {
        cause: err,
      });
    }
  }
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return result.data;
  const id =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'string'
      ? (value as { id: string }).id
      : '<no id>';
  const issues = result.error.issues.map(
    (i) => `${i.path.length > 0 ? i.path.join('.') : '(record)'}: ${i.message}`,
  );
  throw new ScanError(
    'OSV_RECORD_INVALID',
    `invalid OSV record ${id}: ${issues.slice(0, 10).join('; ')}${issues.length > 10 ? ` (+${issues.length - 10} more)` : ''}`,
    { detail: { id, issues } },
  );
}
