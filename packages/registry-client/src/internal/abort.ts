import { abortableSleep } from '@wharf/core';
import { RegistryClientError } from '../errors.js';

/** The error thrown when a caller's signal fires. */
export function abortError(signal: AbortSignal): RegistryClientError {
  return new RegistryClientError('ABORTED', 'operation aborted', { cause: signal.reason });
}

/** Throws `ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Waits `ms`, or rejects with `ABORTED` as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortableSleep(ms, signal, abortError);
}
