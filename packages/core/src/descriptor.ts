import { DocumentError } from './errors.js';
import { descriptorSchema, documentErrorFromZod, platformSchema } from './internal/schemas.js';
import type { Descriptor, Platform } from './types.js';

/**
 * Validates a value as an OCI content descriptor and returns it unchanged (unknown fields
 * kept). `field` prefixes the paths in errors, e.g. `parseDescriptor(x, 'subject')`.
 *
 * @throws DocumentError with `detail.field` naming the bad JSON path
 * @example parseDescriptor(JSON.parse(body)).digest
 */
export function parseDescriptor(value: unknown, field = ''): Descriptor {
  const result = descriptorSchema.safeParse(value);
  if (!result.success) throw documentErrorFromZod(result.error, value, field);
  return value as Descriptor;
}

/**
 * Validates a platform object (`architecture` and `os` required) and returns it unchanged.
 * @throws DocumentError `FIELD_MISSING` or `PLATFORM_INVALID`
 */
export function parsePlatform(value: unknown, field = 'platform'): Platform {
  const result = platformSchema.safeParse(value);
  if (!result.success) {
    const err = documentErrorFromZod(result.error, value, field);
    if (err.code === 'FIELD_TYPE_INVALID') {
      throw new DocumentError('PLATFORM_INVALID', err.message, {
        cause: err.cause,
        detail: err.detail ?? {},
      });
    }
    throw err;
  }
  return value as Platform;
}
