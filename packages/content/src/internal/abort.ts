import { abortableSleep, ContentError, isWharfError, type WharfError } from '@wharf/core';

/** Throws `ContentError('ABORTED')` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal): ContentError {
  const reason: unknown = signal.reason;
  if (isWharfError(reason, 'ABORTED') && reason instanceof ContentError) return reason;
  return new ContentError('ABORTED', 'operation aborted', { cause: reason });
}

/** True for errors that mean "the operation was cancelled" (ours or Node's AbortError). */
export function isAbortLike(err: unknown): boolean {
  if (isWharfError(err, 'ABORTED')) return true;
  return (
    err instanceof Error &&
    (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}

/** Resolves after `ms`, or rejects with ABORTED when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortableSleep(ms, signal, abortError);
}

/** True for Wharf's own coded errors (never Node system errors such as `ENOENT`). */
export function isOwnError(err: unknown): err is WharfError {
  return isWharfError(err);
}
