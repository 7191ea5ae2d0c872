import { WharfError } from '@wharf/core';

/**
 * The closed set of `@wharf/notary` error codes.
 *
 * Verification codes (the CLI maps them to exit code 3): `VERIFICATION_FAILED`,
 * `SIGNATURE_INVALID`, `CERT_CHAIN_INVALID`, `CERT_UNTRUSTED`, `CERT_EXPIRED`, `CERT_REVOKED`,
 * `SIGNATURE_EXPIRED`, `IDENTITY_NOT_TRUSTED`, `TARGET_MISMATCH`, `NO_SIGNATURE`,
 * `NO_MATCHING_POLICY`, plus `REVOCATION_UNKNOWN`, `TIMESTAMP_INVALID`, `PLUGIN_REQUIRED`,
 * `USER_METADATA_MISMATCH`, `ENVELOPE_MALFORMED` and `UNSUPPORTED_ALGORITHM` when they come out of
 * {@link verify}.
 */
export type NotaryErrorCode =
  | 'ENVELOPE_MALFORMED'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNKNOWN_CRITICAL_ATTRIBUTE'
  | 'SIGNATURE_INVALID'
  | 'CERT_INVALID'
  | 'CERT_CHAIN_INVALID'
  | 'CERT_UNTRUSTED'
  | 'CERT_EXPIRED'
  | 'CERT_REVOKED'
  | 'REVOCATION_UNKNOWN'
  | 'REVOCATION_INVALID'
  | 'SIGNATURE_EXPIRED'
  | 'IDENTITY_NOT_TRUSTED'
  | 'TARGET_MISMATCH'
  | 'USER_METADATA_MISMATCH'
  | 'NO_SIGNATURE'
  | 'NO_MATCHING_POLICY'
  | 'POLICY_INVALID'
  | 'TRUST_STORE_INVALID'
  | 'TIMESTAMP_INVALID'
  | 'TIMESTAMP_FAILED'
  | 'KEY_INVALID'
  | 'INVALID_ARGUMENT'
  | 'SIGNING_FAILED'
  | 'PLUGIN_REQUIRED'
  | 'PLUGIN_ERROR'
  /** Plugin protocol (src/plugin): discovery and transport failures. */
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_TIMEOUT'
  | 'PLUGIN_OUTPUT_TOO_LARGE'
  | 'PLUGIN_RESPONSE_INVALID'
  /** The plugin's own error codes (`errorCode` on stderr), one Wharf code each. */
  | 'PLUGIN_VALIDATION_ERROR'
  | 'PLUGIN_UNSUPPORTED_CONTRACT_VERSION'
  | 'PLUGIN_ACCESS_DENIED'
  | 'PLUGIN_THROTTLED'
  | 'VERIFICATION_FAILED';

/** The verification checks of the Notary Project trust-policy spec, in spec order. */
export type VerificationCheck =
  'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';

/** Codes that mean "the signature did not verify" (CLI exit code 3). */
export const VERIFICATION_ERROR_CODES: readonly NotaryErrorCode[] = [
  'VERIFICATION_FAILED',
  'ENVELOPE_MALFORMED',
  'UNSUPPORTED_ALGORITHM',
  'UNKNOWN_CRITICAL_ATTRIBUTE',
  'SIGNATURE_INVALID',
  'CERT_INVALID',
  'CERT_CHAIN_INVALID',
  'CERT_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_REVOKED',
  'REVOCATION_UNKNOWN',
  'SIGNATURE_EXPIRED',
  'IDENTITY_NOT_TRUSTED',
  'TARGET_MISMATCH',
  'USER_METADATA_MISMATCH',
  'TIMESTAMP_INVALID',
  'NO_SIGNATURE',
  'NO_MATCHING_POLICY',
  'PLUGIN_REQUIRED',
];

/**
 * Error thrown by `@wharf/notary`. `detail.check` names the verification check that failed
 * when the error comes out of verification. Messages never contain key material.
 *
 * @example
 * if (isWharfError(err, 'SIGNATURE_EXPIRED')) console.error(err.message);
 */
export class NotaryError extends WharfError<NotaryErrorCode> {}

/** Builds a NotaryError attributed to a verification check; the message names the check. */
export function checkError(
  check: VerificationCheck,
  code: NotaryErrorCode,
  reason: string,
  cause?: unknown,
): NotaryError {
  return new NotaryError(code, `${check} validation failed: ${reason}`, {
    detail: { check },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Message of an unknown thrown value, for wrapping. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
