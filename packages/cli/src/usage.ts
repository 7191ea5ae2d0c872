import { WharfError } from '@wharf/core/lite';

/** A usage error found after parsing (a bad combination or value): exit code 2. */
export function usageError(message: string): WharfError<'USAGE'> {
  return new WharfError('USAGE', message);
}
