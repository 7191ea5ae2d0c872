/**
 * The one error base class of Wharf. Every library error carries a stable, closed `code`
 * and wraps its cause with ES2022 `{ cause }`.
 *
 * @example
 * throw new ContentError('DIGEST_MISMATCH', `expected ${want}, got ${got}`);
 */
/** A brand shared by every copy of this package (Symbol.for is process-global). */
const WHARF_ERROR_BRAND: unique symbol = Symbol.for('wharf.error') as never;

export class WharfError<C extends string = string> extends Error {
  readonly [WHARF_ERROR_BRAND] = true;
  readonly code: C;
  /** Optional structured detail (e.g. the field that failed). Never holds secrets. */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: C,
    message: string,
    options?: { cause?: unknown; detail?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = options?.detail;
  }
}

/**
 * Tests an unknown value for a WharfError with the given code. Checks a process-global brand
 * rather than `instanceof`, so it still works when a package is installed twice, and it does
 * not mistake Node system errors (which also carry a string `code`, e.g. `ENOENT`) for ours.
 */
export function isWharfError<C extends string>(err: unknown, code?: C): err is WharfError<C> {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; [WHARF_ERROR_BRAND]?: unknown };
  if (e[WHARF_ERROR_BRAND] !== true || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}

/** Codes for content, digest, reference and document errors (the oras-go errdef sentinels). */
export type ContentErrorCode =
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'SIZE_LIMIT_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_DIGEST'
  | 'UNSUPPORTED_DIGEST_ALGORITHM'
  | 'INVALID_REFERENCE'
  | 'INVALID_MEDIA_TYPE'
  | 'INVALID_LAYOUT'
  | 'INVALID_TAR'
  | 'UNSUPPORTED'
  | 'ABORTED'
  | 'IO_ERROR';

export class ContentError extends WharfError<ContentErrorCode> {}

/** Codes for malformed OCI / Docker documents. `detail.field` names the offending field. */
export type DocumentErrorCode =
  | 'JSON_INVALID'
  | 'JSON_TOO_DEEP'
  | 'JSON_TOO_LARGE'
  | 'NOT_AN_OBJECT'
  | 'SCHEMA_VERSION_INVALID'
  | 'MEDIA_TYPE_INVALID'
  | 'MEDIA_TYPE_MISMATCH'
  /** A media type Wharf does not parse as a manifest (Docker schema 1, the withdrawn artifact manifest, …). */
  | 'MEDIA_TYPE_UNSUPPORTED'
  /** No declared or body `mediaType`, and the shape does not tell manifest from index. */
  | 'MEDIA_TYPE_MISSING'
  | 'FIELD_MISSING'
  | 'FIELD_TYPE_INVALID'
  | 'DIGEST_INVALID'
  | 'SIZE_INVALID'
  | 'DATA_INVALID'
  | 'DATA_MISMATCH'
  | 'ANNOTATIONS_INVALID'
  | 'ARTIFACT_TYPE_INVALID'
  | 'ARTIFACT_TYPE_REQUIRED'
  | 'PLATFORM_INVALID'
  | 'URLS_INVALID'
  | 'LAYERS_INVALID'
  | 'MANIFESTS_INVALID';

export class DocumentError extends WharfError<DocumentErrorCode> {}
