/**
 * The plugin's errors: each carries one of the Notary plugin contract's error codes, which the
 * executable writes to stderr as `{"errorCode","errorMessage"}` (notary.md §5).
 * @module
 */
import { WharfError } from '@wharf/core';

/** The plugin contract's error codes. */
export type PluginErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNSUPPORTED_CONTRACT_VERSION'
  | 'ACCESS_DENIED'
  | 'TIMEOUT'
  | 'THROTTLED'
  | 'ERROR';

/** A failure reported to the caller with a contract error code. Messages never hold the PIN. */
export class Pkcs11PluginError extends WharfError<PluginErrorCode> {}

export function pluginError(code: PluginErrorCode, message: string, cause?: unknown): never {
  throw new Pkcs11PluginError(code, message, cause === undefined ? undefined : { cause });
}
