import { WharfError } from '@wharf/core';

/**
 * Codes of {@link ScanError}, a closed union.
 *
 * - `INVALID_VERSION`: a version string does not follow its ecosystem's syntax.
 * - `UNKNOWN_ECOSYSTEM`: no comparator exists for an ecosystem name.
 * - `OSV_RECORD_INVALID`: an OSV record is not valid JSON or violates the OSV schema.
 * - `CVSS_VECTOR_INVALID`: a CVSS vector string is malformed or names unknown metrics/values.
 * - `UNSUPPORTED_RANGE`: a range type cannot be evaluated for package matching (e.g. `GIT`).
 */
export type ScanErrorCode =
  | 'INVALID_VERSION'
  | 'UNKNOWN_ECOSYSTEM'
  | 'OSV_RECORD_INVALID'
  | 'CVSS_VECTOR_INVALID'
  | 'UNSUPPORTED_RANGE';

/** The error class of `@wharf/scanner`. Test with `isWharfError(err, 'INVALID_VERSION')`. */
export class ScanError extends WharfError<ScanErrorCode> {}
