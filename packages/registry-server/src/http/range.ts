/** A satisfiable byte range, `end` inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parses a single-range `Range: bytes=a-b | a- | -n` header against a size (RFC 9110 §14).
 * Returns `'none'` to serve the whole body (no header, multi-range, or another unit),
 * `'unsatisfiable'` for 416, else the clamped range.
 */
export function parseRangeHeader(
  header: string | undefined,
  size: number,
): ByteRange | 'none' | 'unsatisfiable' {
  if (header === undefined) return 'none';
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return 'none';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'none';
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return 'unsatisfiable';
  if (b === '') return { start, end: size - 1 };
  const end = Number(b);
  if (end < start) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Parses an upload `Content-Range: <start>-<end>` (the distribution-spec form, inclusive, no
 * unit). Also tolerates `bytes=a-b`, `bytes a-b/*`. Undefined when malformed.
 */
export function parseContentRange(header: string): ByteRange | undefined {
  const m = /^\s*(?:bytes[ =])?\s*(\d+)-(\d+)(?:\/(?:\d+|\*))?\s*$/i.exec(header);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}
