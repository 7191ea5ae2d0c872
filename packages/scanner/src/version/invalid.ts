import { ScanError } from '../errors.js';

/** Builds the uniform INVALID_VERSION error: `<ordering> version "<v>": <reason>`. */
export function invalidVersion(ordering: string, version: string, reason: string): ScanError {
  return new ScanError(
    'INVALID_VERSION',
    `invalid ${ordering} version ${JSON.stringify(version)}: ${reason}`,
    {
      detail: { ordering, version, reason },
    },
  );
}
