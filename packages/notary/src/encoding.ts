import { NotaryError } from './errors.js';

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes unpadded base64url strictly (RFC 7515 §2): no padding, no whitespace, only the
 * url-safe alphabet, and no non-zero trailing bits.
 *
 * @throws NotaryError `ENVELOPE_MALFORMED`, message prefixed with `what`
 */
export function decodeBase64Url(text: string, what: string): Uint8Array {
  if (!B64URL.test(text)) {
    const bad = [...text].findIndex((ch) => !/[A-Za-z0-9_-]/.test(ch));
    throw new NotaryError(
      'ENVELOPE_MALFORMED',
      `${what}: illegal base64url data at input byte ${bad}`,
    );
  }
  if (text.length % 4 === 1) {
    throw new NotaryError('ENVELOPE_MALFORMED', `${what}: illegal base64url data length`);
  }
  const bytes = Buffer.from(text, 'base64url');
  if (Buffer.from(bytes).toString('base64url') !== text) {
    throw new NotaryError('ENVELOPE_MALFORMED', `${what}: non-canonical base64url data`);
  }
  return new Uint8Array(bytes);
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * Decodes padded standard base64 strictly (Go `encoding/base64.StdEncoding`).
 *
 * @throws NotaryError `ENVELOPE_MALFORMED`
 */
export function decodeBase64Std(text: string, what: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  // A text that re-encodes to itself is canonical padded base64 and so matches B64STD; the
  // (slow, backtracking) pattern only runs on failure, to pick the message.
  if (bytes.toString('base64') !== text) {
    if (!B64STD.test(text)) {
      throw new NotaryError('ENVELOPE_MALFORMED', `${what}: illegal base64 data`);
    }
    throw new NotaryError('ENVELOPE_MALFORMED', `${what}: non-canonical base64 data`);
  }
  return new Uint8Array(bytes);
}

/** Encodes bytes as padded standard base64. */
export function encodeBase64Std(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** UTF-8 decode that rejects invalid sequences. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new NotaryError('ENVELOPE_MALFORMED', `${what}: invalid UTF-8`, { cause: err });
  }
}

/**
 * JSON.stringify with Go `encoding/json` escaping (`<`, `>`, `&`, U+2028, U+2029 as `\uXXXX`)
 * so that headers are byte-identical to notation's.
 */
export function goJsonStringify(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 date-time (offsets and fractions allowed), returning undefined when invalid.
 */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), ms);
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Formats a date as RFC 3339 UTC with whole seconds (`2023-06-27T05:30:33Z`). */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Formats like Go's RFC1123Z in UTC: `Fri, 29 Jul 2022 23:59:00 +0000`. */
export function formatRfc1123z(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** Truncates a date to whole seconds. */
export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
