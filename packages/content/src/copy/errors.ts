import { WharfError, type Descriptor } from '@wharf/core';
import { isAbortLike, isOwnError } from '../internal/abort.js';

/** Which side of a copy failed. */
export type CopyOrigin = 'source' | 'destination';

/** The step of a copy that failed. */
export type CopyOperation =
  'resolve' | 'fetch' | 'parse' | 'exists' | 'push' | 'tag' | 'mount' | 'predecessors';

/**
 * A copy failure: `origin` says which side failed, `operation` what was being done, `descriptor`
 * on which node. `code` is the cause's code when it is a WharfError (e.g. `DIGEST_MISMATCH`,
 * `NOT_FOUND`, a registry code), `ABORTED` for cancellation, else `IO_ERROR`. The cause is kept.
 */
export class CopyError extends WharfError<string> {
  readonly origin: CopyOrigin;
  readonly operation: CopyOperation;
  readonly descriptor: Descriptor | undefined;

  constructor(
    origin: CopyOrigin,
    operation: CopyOperation,
    descriptor: Descriptor | undefined,
    cause: unknown,
  ) {
    const code = isAbortLike(cause) ? 'ABORTED' : isOwnError(cause) ? cause.code : 'IO_ERROR';
    const what = descriptor ? ` ${descriptor.digest}` : '';
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(code, `${operation}${what} (${origin}): ${msg}`, {
      cause,
      detail: { origin, operation, ...(descriptor ? { digest: descriptor.digest } : {}) },
    });
    this.origin = origin;
    this.operation = operation;
    this.descriptor = descriptor;
  }
}

/** Wraps an error (once) as a CopyError. */
export function toCopyError(
  err: unknown,
  origin: CopyOrigin,
  operation: CopyOperation,
  descriptor: Descriptor | undefined,
): CopyError {
  return err instanceof CopyError ? err : new CopyError(origin, operation, descriptor, err);
}
