import { NotaryError, type NotaryErrorCode } from './errors.js';

/** One DER TLV: tag byte, content bytes, and the full encoding. */
export interface Tlv {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly raw: Uint8Array;
}

/**
 * Reads the TLV at `offset` (single-byte tags, definite lengths only).
 *
 * @throws NotaryError with `code` when the data is truncated or malformed
 */
export function readTlv(
  bytes: Uint8Array,
  offset: number,
  code: NotaryErrorCode = 'CERT_INVALID',
): Tlv {
  const bad = (): never => {
    throw new NotaryError(code, 'malformed DER data');
  };
  if (offset + 2 > bytes.length) bad();
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) bad();
  let len = bytes[offset + 1] as number;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > bytes.length) bad();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (bytes[pos + i] as number);
    pos += n;
  }
  if (pos + len > bytes.length) bad();
  return {
    tag,
    content: bytes.subarray(pos, pos + len),
    raw: bytes.subarray(offset, pos + len),
  };
}

/** Reads all TLVs in a constructed value's content. */
export function readChildren(content: Uint8Array, code: NotaryErrorCode = 'CERT_INVALID'): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < content.length) {
    const t = readTlv(content, pos, code);
    out.push(t);
    pos += t.raw.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function decodeOid(content: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}
