import { DocumentError } from './errors.js';
import { assertValid, checkDescriptor, checkPlatform } from './internal/schemas.js';
import type { Descriptor, Platform } from './types.js';

/**
 * Validates a value as an OCI content descriptor and returns it unchanged (unknown fields
 * kept). `field` prefixes the paths in errors, e.g. `parseDescriptor(x, 'subject')`.
 *
 * @throws DocumentError with `detail.field` naming the bad JSON path
 * @example parseDescriptor(JSON.parse(body)).digest
 */
export function parseDescriptor(value: unknown, field = ''): Descriptor {
  assertValid(checkDescriptor, value, field);
  return value as Descriptor;
}

/**
 * Validates a platform object (`architecture` and `os` required) and returns it unchanged.
 * @throws DocumentError `FIELD_MISSING` or `PLATFORM_INVALID`
 */
export function parsePlatform(value: unknown, field = 'platform'): Platform {
  try {
    assertValid(checkPlatform, value, field);
  } catch (err) {
    if (err instanceof DocumentError && err.code === 'FIELD_TYPE_INVALID') {
      throw new DocumentError('PLATFORM_INVALID', err.message, { detail: err.detail ?? {} });
    }
    throw err;
  }
  return value as Platform;
}
