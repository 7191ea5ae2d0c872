import { WharfError } from '@wharf/core';

/**
 * Codes of {@link VulnDbError}, a closed union.
 *
 * - `DB_NOT_FOUND`: no database at the path (run `wharf db import` first).
 * - `DB_INVALID`: the file is not a Wharf vulnerability database or has another schema version.
 * - `DB_LOCKED`: another import into the same database is running (its pid is in the lock file).
 * - `IMPORT_SOURCE_INVALID`: the import source is missing, not a directory or zip, or unreadable.
 * - `ZIP_UNSAFE`: an archive entry has an unsafe name (`..`, absolute) or the archive exceeds the
 *   size/ratio limits (zip bomb).
 * - `SBOM_INVALID`: an SBOM file given to `scan` is not SPDX 2.3 or CycloneDX JSON, or is malformed.
 * - `IGNORE_FILE_INVALID`: a `.wharfignore` file does not follow its schema.
 * - `VEX_INVALID`: an OpenVEX document does not follow its schema.
 * - `INVALID_OPTION`: an option value is not allowed (severity name, format).
 */
export type VulnDbErrorCode =
  | 'DB_NOT_FOUND'
  | 'DB_INVALID'
  | 'DB_LOCKED'
  | 'IMPORT_SOURCE_INVALID'
  | 'ZIP_UNSAFE'
  | 'SBOM_INVALID'
  | 'IGNORE_FILE_INVALID'
  | 'VEX_INVALID'
  | 'INVALID_OPTION';

/** The error class of `@wharf/vulndb`. */
export class VulnDbError extends WharfError<VulnDbErrorCode> {}
