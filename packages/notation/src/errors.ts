import { WharfError } from '@wharf/core';

/**
 * The closed set of `@wharf/notation` error codes.
 * - `CONFIG_INVALID`: a notation configuration file is malformed (JSON, schema, symlink).
 * - `POLICY_NOT_FOUND`: no trust policy file.
 * - `KEY_NOT_FOUND`: the named (or default) signing key is not in `signingkeys.json`.
 * - `SIGNATURE_MANIFEST_INVALID`: a signature manifest breaks the Notary rules.
 * - `INVALID_ARGUMENT`: bad input to a workflow function (metadata keys, references).
 * - `IO_ERROR`: a file could not be written.
 */
export type NotationErrorCode =
  | 'CONFIG_INVALID'
  | 'POLICY_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'SIGNATURE_MANIFEST_INVALID'
  | 'INVALID_ARGUMENT'
  | 'IO_ERROR';

/** Error thrown by `@wharf/notation`. */
export class NotationError extends WharfError<NotationErrorCode> {}
