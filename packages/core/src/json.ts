import { DocumentError } from './errors.js';

/** Default cap on a JSON document's size: 4 MiB, oras-go's `MaxMetadataBytes`. */
export const DEFAULT_MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Default cap on JSON nesting (objects and arrays). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Limits for {@link parseJsonBytes}. */
export interface ParseJsonOptions {
  /** Largest accepted input in bytes; default 4 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays; default 64. */
  readonly maxDepth?: number;
}

/**
 * Returns the deepest nesting of `{`/`[` in a JSON text, counting only brackets outside
 * strings. Stops scanning once the depth exceeds `limit` (and then returns `limit + 1`).
 * It runs before `JSON.parse`, which has no depth limit of its own; no library exposes a
 * bracket scan this small, so it is hand-written.
 *
 * @example maxJsonDepth('{"a":[1,{"b":"[["}]}') // 3
 */
export function maxJsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}

/**
 * Throws when `text` nests deeper than `maxDepth`.
 * @throws DocumentError `JSON_TOO_DEEP`
 */
export function checkJsonDepth(text: string, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): void {
  const depth = maxJsonDepth(text, maxDepth);
  if (depth > maxDepth) {
    throw new DocumentError('JSON_TOO_DEEP', `JSON nests deeper than ${maxDepth} levels`, {
      detail: { maxDepth },
    });
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes and parses JSON bytes with size, UTF-8 and depth checks, in that order. A byte
 * order mark is refused (as Go's encoding/json does). Duplicate keys follow `JSON.parse`
 * (the last one wins).
 *
 * @throws DocumentError `JSON_TOO_LARGE`, `JSON_INVALID` or `JSON_TOO_DEEP`
 * @example parseJsonBytes(new TextEncoder().encode('{"a":1}')) // { a: 1 }
 */
export function parseJsonBytes(bytes: Uint8Array, options: ParseJsonOptions = {}): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  if (bytes.byteLength > maxBytes) {
    throw new DocumentError(
      'JSON_TOO_LARGE',
      `JSON document is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`,
      { detail: { size: bytes.byteLength, maxBytes } },
    );
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (err) {
    throw new DocumentError('JSON_INVALID', 'JSON document is not valid UTF-8', { cause: err });
  }
  checkJsonDepth(text, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DocumentError('JSON_INVALID', `invalid JSON: ${reason}`, { cause: err });
  }
}
