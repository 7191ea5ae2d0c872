/**
 * Waits `ms` milliseconds, or rejects with `abortError(signal)` as soon as the signal fires.
 * Each library passes its own coded error, so callers see `ABORTED` from the package they called.
 *
 * @example await abortableSleep(250, signal, (s) => new ContentError('ABORTED', 'aborted', { cause: s.reason }));
 */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined,
  abortError: (signal: AbortSignal) => Error,
): Promise<void> {
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
