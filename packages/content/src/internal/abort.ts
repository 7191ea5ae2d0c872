import { ContentError, isWharfError, WharfError } from '@wharf/core';

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
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * True for Wharf's own coded errors. Stricter than core's `isWharfError`, which also matches Node
 * system errors (they carry a string `code` such as `ENOENT`): WharfError instances always own a
 * `detail` property.
 */
export function isOwnError(err: unknown): err is WharfError {
  return err instanceof WharfError || (isWharfError(err) && Object.hasOwn(err, 'detail'));
}
