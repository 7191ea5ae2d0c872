import { z } from 'zod';
import { isDigest, tryParseDigest, isSupportedAlgorithm, digestBytes } from '../digest.js';
import { DocumentError, type DocumentErrorCode } from '../errors.js';
import { isValidMediaType } from '../media-types.js';

// The schemas only validate. Parsers return the caller's own parsed JSON object, so unknown
// fields and key order survive untouched; every object schema is loose for the same reason.

const mediaTypeSchema = z.string().refine(isValidMediaType, 'not an RFC 6838 media type');
const digestSchema = z.string().refine(isDigest, 'not a valid digest');
const sizeSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Annotations: an object of string → string. */
export const annotationsSchema = z.record(z.string(), z.string());

/** OCI platform; `architecture` and `os` are required. */
export const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});

function checkData(
  ctx: z.core.ParsePayload<{ data?: string | undefined; digest: string; size: number }>,
) {
  const { data, digest, size } = ctx.value;
  if (data === undefined) return;
  const bytes = Buffer.from(data, 'base64');
  let reason: string | undefined;
  if (bytes.byteLength !== size) {
    reason = `data decodes to ${bytes.byteLength} bytes but size is ${size}`;
  } else {
    const parsed = tryParseDigest(digest);
    if (parsed && isSupportedAlgorithm(parsed.algorithm)) {
      const actual = digestBytes(bytes, parsed.algorithm);
      if (actual !== digest) reason = `data hashes to ${actual}, not ${digest}`;
    }
  }
  if (reason !== undefined) {
    ctx.issues.push({
      code: 'custom',
      message: reason,
      input: data,
      path: ['data'],
      params: { code: 'DATA_MISMATCH' },
    });
  }
}

function descriptorShape<P extends z.ZodType>(platform: P) {
  return z
    .looseObject({
      mediaType: mediaTypeSchema,
      digest: digestSchema,
      size: sizeSchema,
      urls: z.array(z.string()).optional(),
      annotations: annotationsSchema.optional(),
      data: z.base64('not RFC 4648 base64').optional(),
      artifactType: mediaTypeSchema.optional(),
      platform,
    })
    .check(checkData);
}

/** A content descriptor (platform optional). */
export const descriptorSchema = descriptorShape(platformSchema.optional());
/** A descriptor that must carry a platform (Docker manifest list entries). */
export const platformDescriptorSchema = descriptorShape(platformSchema);

// Codes by the JSON key whose value is wrong. `layers`/`manifests` only name the array itself
// or one of its elements; anything deeper is judged by the deeper key.
const KEY_CODES: Readonly<Record<string, DocumentErrorCode>> = {
  schemaVersion: 'SCHEMA_VERSION_INVALID',
  mediaType: 'MEDIA_TYPE_INVALID',
  digest: 'DIGEST_INVALID',
  size: 'SIZE_INVALID',
  data: 'DATA_INVALID',
  urls: 'URLS_INVALID',
  annotations: 'ANNOTATIONS_INVALID',
  artifactType: 'ARTIFACT_TYPE_INVALID',
  platform: 'PLATFORM_INVALID',
};
const ARRAY_CODES: Readonly<Record<string, DocumentErrorCode>> = {
  layers: 'LAYERS_INVALID',
  manifests: 'MANIFESTS_INVALID',
};

type Path = readonly PropertyKey[];

/** Renders a path as `layers[2].annotations["org.example"]`, under an optional prefix. */
export function formatFieldPath(path: Path, prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg))
      out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** True when the value at `path` is absent or `undefined` (its parent being an object). */
function isMissing(root: unknown, path: Path): boolean {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return path.length > 0 && node === undefined;
}

function codeForPath(path: Path): DocumentErrorCode {
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (typeof seg !== 'string') continue;
    const arrayCode = ARRAY_CODES[seg];
    if (arrayCode && path.length - i <= 2) return arrayCode;
    const code = KEY_CODES[seg];
    if (code) return code;
  }
  return 'FIELD_TYPE_INVALID';
}

/**
 * Converts the first zod issue into a DocumentError whose `detail.field` is the JSON path.
 * A missing required key is `FIELD_MISSING`; a present but wrong value takes the code of the
 * key it sits under (see `KEY_CODES`), else `FIELD_TYPE_INVALID`.
 */
export function documentErrorFromZod(
  error: z.ZodError,
  root: unknown,
  prefix = '',
  detail: Readonly<Record<string, unknown>> = {},
): DocumentError {
  const issue = error.issues[0];
  if (!issue) return new DocumentError('FIELD_TYPE_INVALID', 'invalid document', { cause: error });
  const path = issue.path;
  const field = formatFieldPath(path, prefix);
  const params =
    issue.code === 'custom'
      ? (issue.params as { code?: DocumentErrorCode } | undefined)
      : undefined;
  let code: DocumentErrorCode;
  let message: string;
  if (params?.code) {
    code = params.code;
    message = `${field || 'document'}: ${issue.message}`;
  } else if (isMissing(root, path)) {
    code = 'FIELD_MISSING';
    message = `missing required field ${field}`;
  } else {
    code = codeForPath(path);
    message = `invalid ${field || 'document'}: ${issue.message}`;
  }
  return new DocumentError(code, message, {
    cause: error,
    detail: { ...detail, field, issues: error.issues.length },
  });
}
