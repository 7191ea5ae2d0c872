import { isDigest, tryParseDigest, isSupportedAlgorithm, digestBytes } from '../digest.js';
import { DocumentError, type DocumentErrorCode } from '../errors.js';
import { MEDIA_TYPE_OCI_EMPTY, isValidMediaType } from '../media-types.js';

// Hand-written rather than zod: these checks run on every manifest the CLI and the registry
// touch, and importing zod 4 costs a Node process ~55 ms (`await import('zod')` 0.09-0.10 s
// against 0.03 s for an empty module, /usr/bin/time, 2026-11-22), more than Node's own start-up.
// The zod schemas these replace live on as the oracle in schemas-oracle.test.ts, which checks
// that both accept and reject the same documents with the same first issue.
//
// The checks only validate. Parsers return the caller's own parsed JSON object, so unknown
// fields and key order survive untouched; every object check is loose for the same reason.

type Path = readonly PropertyKey[];

/** One problem found in a document, at a JSON path. `code` overrides the code chosen by key. */
export interface Issue {
  readonly path: Path;
  readonly message: string;
  readonly code?: DocumentErrorCode;
}

/** Collects issues while walking a document. */
export type Issues = Issue[];

/** A check of one value: pushes what is wrong with `value` (found at `path`) onto `issues`. */
export type Check = (value: unknown, path: Path, issues: Issues) => void;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string. */
export const checkString: Check = (value, path, issues) => {
  if (typeof value !== 'string') {
    issues.push({ path, message: `expected a string, got ${kindOf(value)}` });
  }
};

/** A string satisfying `ok`; `reason` says what it is not. */
function refinedString(ok: (s: string) => boolean, reason: string): Check {
  return (value, path, issues) => {
    if (typeof value !== 'string') checkString(value, path, issues);
    else if (!ok(value)) issues.push({ path, message: reason });
  };
}

/** An RFC 6838 media type. */
export const checkMediaType = refinedString(isValidMediaType, 'not an RFC 6838 media type');
const checkDigest = refinedString(isDigest, 'not a valid digest');

// RFC 4648 section 4 base64 with padding (the empty string included), as zod's z.base64().
const BASE64 = /^$|^(?:[0-9a-zA-Z+/]{4})*(?:[0-9a-zA-Z+/]{2}==|[0-9a-zA-Z+/]{3}=)?$/;
const checkBase64 = refinedString((s) => BASE64.test(s), 'not RFC 4648 base64');

const checkSize: Check = (value, path, issues) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push({ path, message: `expected a number, got ${kindOf(value)}` });
  } else if (!Number.isSafeInteger(value) || value < 0) {
    issues.push({ path, message: `expected an integer from 0 to 2^53-1, got ${value}` });
  }
};

/** The number literal `want`. */
export function checkLiteral(want: number): Check {
  return (value, path, issues) => {
    if (value !== want) {
      issues.push({ path, message: `expected ${want}, got ${JSON.stringify(value) ?? 'nothing'}` });
    }
  };
}

/** An array whose every element passes `element`. */
export function checkArray(element: Check): Check {
  return (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected an array, got ${kindOf(value)}` });
      return;
    }
    value.forEach((item, i) => element(item, [...path, i], issues));
  };
}

/** Absent (`undefined`) or passing `check`. */
export function optional(check: Check): Check {
  return (value, path, issues) => {
    if (value !== undefined) check(value, path, issues);
  };
}

/**
 * A loose object: each key of `shape` is checked in order (a missing key is `undefined`, so
 * required checks report it); unknown keys are allowed. `after` runs only when the object had
 * no issue, for rules that relate fields (as a zod `.check` would).
 */
export function checkObject(
  shape: Readonly<Record<string, Check>>,
  after?: (value: Record<string, unknown>, path: Path, issues: Issues) => void,
): Check {
  const keys = Object.keys(shape);
  return (value, path, issues) => {
    if (!isRecord(value)) {
      issues.push({ path, message: `expected an object, got ${kindOf(value)}` });
      return;
    }
    const before = issues.length;
    for (const key of keys) (shape[key] as Check)(value[key], [...path, key], issues);
    if (after && issues.length === before) after(value, path, issues);
  };
}

/** Annotations: an object of string → string. */
export const checkAnnotations: Check = (value, path, issues) => {
  if (!isRecord(value)) {
    issues.push({ path, message: `expected an object, got ${kindOf(value)}` });
    return;
  }
  for (const key of Object.keys(value)) checkString(value[key], [...path, key], issues);
};

const checkStrings = checkArray(checkString);

/** OCI platform; `architecture` and `os` are required. */
export const checkPlatform = checkObject({
  architecture: checkString,
  os: checkString,
  'os.version': optional(checkString),
  'os.features': optional(checkStrings),
  variant: optional(checkString),
  features: optional(checkStrings),
});

/** Embedded `data` must decode to `size` bytes that hash to `digest` (algorithm permitting). */
function checkData(value: Record<string, unknown>, path: Path, issues: Issues): void {
  const { data, digest, size } = value as { data?: string; digest: string; size: number };
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
  if (reason !== undefined)
    issues.push({ path: [...path, 'data'], message: reason, code: 'DATA_MISMATCH' });
}

function descriptorCheck(platform: Check): Check {
  return checkObject(
    {
      mediaType: checkMediaType,
      digest: checkDigest,
      size: checkSize,
      urls: optional(checkStrings),
      annotations: optional(checkAnnotations),
      data: optional(checkBase64),
      artifactType: optional(checkMediaType),
      platform,
    },
    checkData,
  );
}

/** A content descriptor (platform optional). */
export const checkDescriptor = descriptorCheck(optional(checkPlatform));
/** A descriptor that must carry a platform (Docker manifest list entries). */
export const checkPlatformDescriptor = descriptorCheck(checkPlatform);

/** OCI image manifest. */
export const imageManifestCheck = checkObject(
  {
    schemaVersion: checkLiteral(2),
    mediaType: optional(checkMediaType),
    artifactType: optional(checkMediaType),
    config: checkDescriptor,
    layers: checkArray(checkDescriptor),
    subject: optional(checkDescriptor),
    annotations: optional(checkAnnotations),
  },
  (value, path, issues) => {
    // image-spec: artifactType MUST be set when config.mediaType is the empty type.
    const config = value['config'] as { mediaType: string };
    if (config.mediaType === MEDIA_TYPE_OCI_EMPTY && value['artifactType'] === undefined) {
      issues.push({
        path: [...path, 'artifactType'],
        message: `artifactType is required when config.mediaType is ${MEDIA_TYPE_OCI_EMPTY}`,
        code: 'ARTIFACT_TYPE_REQUIRED',
      });
    }
  },
);

/** Docker schema 2 manifest. */
export const dockerManifestCheck = checkObject({
  schemaVersion: checkLiteral(2),
  mediaType: optional(checkMediaType),
  config: checkDescriptor,
  layers: checkArray(checkDescriptor),
  annotations: optional(checkAnnotations),
});

function indexCheck(entry: Check): Check {
  return checkObject({
    schemaVersion: checkLiteral(2),
    mediaType: optional(checkMediaType),
    artifactType: optional(checkMediaType),
    manifests: checkArray(entry),
    subject: optional(checkDescriptor),
    annotations: optional(checkAnnotations),
  });
}

/** OCI image index. */
export const ociIndexCheck = indexCheck(checkDescriptor);
/** Docker manifest list (every entry carries a platform). */
export const dockerListCheck = indexCheck(checkPlatformDescriptor);

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

/** Every issue `check` finds in `value`, in document order. */
export function collectIssues(check: Check, value: unknown): Issues {
  const issues: Issues = [];
  check(value, [], issues);
  return issues;
}

/**
 * Runs `check` on `value` and throws a DocumentError for the first issue, whose `detail.field`
 * is the JSON path. A missing required key is `FIELD_MISSING`; a present but wrong value takes
 * the code of the key it sits under (see `KEY_CODES`), else `FIELD_TYPE_INVALID`.
 */
export function assertValid(
  check: Check,
  value: unknown,
  prefix = '',
  detail: Readonly<Record<string, unknown>> = {},
): void {
  const issues = collectIssues(check, value);
  const issue = issues[0];
  if (!issue) return;
  const field = formatFieldPath(issue.path, prefix);
  let code: DocumentErrorCode;
  let message: string;
  if (issue.code) {
    code = issue.code;
    message = `${field || 'document'}: ${issue.message}`;
  } else if (isMissing(value, issue.path)) {
    code = 'FIELD_MISSING';
    message = `missing required field ${field}`;
  } else {
    code = codeForPath(issue.path);
    message = `invalid ${field || 'document'}: ${issue.message}`;
  }
  throw new DocumentError(code, message, { detail: { ...detail, field, issues: issues.length } });
}
