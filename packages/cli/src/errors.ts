import { isWharfError } from '@wharf/core/lite';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** Error codes that mean "verification failed" (exit code 3) rather than "something broke". */
const VERIFICATION_CODES: ReadonlySet<string> = new Set([
  'VERIFICATION_FAILED',
  'SIGNATURE_INVALID',
  'CERT_CHAIN_INVALID',
  'CERT_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_REVOKED',
  'SIGNATURE_EXPIRED',
  'IDENTITY_NOT_TRUSTED',
  'TARGET_MISMATCH',
  'NO_SIGNATURE',
  'NO_MATCHING_POLICY',
  'POLICY_VIOLATION',
  'SCAN_THRESHOLD_EXCEEDED',
]);

/** Maps an error to the documented exit code. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (isWharfError(err)) {
    if (err.code === 'USAGE') return ExitCode.Usage;
    if (err.code === 'ABORTED') return ExitCode.Interrupted;
    if (VERIFICATION_CODES.has(err.code)) return ExitCode.VerificationFailed;
    // A verification command marks the errors that mean "did not verify" (their codes, e.g.
    // CERT_INVALID, also occur as plain input errors elsewhere).
    if (err.detail?.['verificationFailed'] === true) return ExitCode.VerificationFailed;
  }
  return ExitCode.Error;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One line `Error: <message>` with the stable code when there is one; causes are shown with --debug. */
export function formatError(err: unknown, debug: boolean): string {
  const lines: string[] = [];
  if (err instanceof Error) {
    const code = isWharfError(err) ? ` (${err.code})` : '';
    lines.push(`Error: ${err.message}${code}`);
    if (debug) {
      let cause: unknown = err.cause;
      while (cause !== undefined && lines.length < 10) {
        lines.push(`  caused by: ${describe(cause)}`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
      if (err.stack) lines.push(err.stack);
    }
  } else {
    lines.push(`Error: ${String(err)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `--output json` form of an error. */
export function errorJson(err: unknown): { error: { code: string; message: string } } {
  return {
    error: {
      code: isWharfError(err) ? err.code : 'ERROR',
      message: err instanceof Error ? err.message : String(err),
    },
  };
}
