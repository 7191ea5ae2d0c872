import { WharfError } from '@wharf/core';

/**
 * Distribution-spec error codes, plus the legacy ones clients still understand, plus
 * `RANGE_INVALID` (416) and `INTERNAL` (500), which the spec leaves free.
 */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'PAGINATION_NUMBER_INVALID'
  | 'RANGE_INVALID'
  | 'INTERNAL';

const DEFAULT_STATUS: Readonly<Record<RegistryErrorCode, number>> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  PAGINATION_NUMBER_INVALID: 400,
  RANGE_INVALID: 416,
  INTERNAL: 500,
};

/**
 * An error answered on the wire as `{"errors":[{"code","message","detail"}]}`. `detail` is
 * always a string (the v1.1.1 conformance client cannot decode anything else).
 */
export class RegistryError extends WharfError<RegistryErrorCode> {
  readonly status: number;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Range`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly detailText: string | undefined;

  constructor(
    code: RegistryErrorCode,
    message: string,
    options?: {
      status?: number;
      detail?: string;
      headers?: Readonly<Record<string, string>>;
      cause?: unknown;
    },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status ?? DEFAULT_STATUS[code];
    this.headers = options?.headers ?? {};
    this.detailText = options?.detail;
  }

  /** The JSON error body. */
  toBody(): string {
    const entry: { code: string; message: string; detail?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.detailText !== undefined) entry.detail = this.detailText;
    return JSON.stringify({ errors: [entry] });
  }
}

/** Codes for invalid server configuration. */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_FILE_UNREADABLE' | 'HTPASSWD_INVALID';

export class ConfigError extends WharfError<ConfigErrorCode> {}

/** Codes for storage failures (disk or metadata). */
export type StorageErrorCode = 'IO_ERROR' | 'CORRUPT' | 'CLOSED' | 'SCHEMA_TOO_NEW';

export class StorageError extends WharfError<StorageErrorCode> {}
