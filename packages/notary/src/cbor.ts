/**
 * A small strict CBOR (RFC 8949) codec for COSE_Sign1. Hand-written rather than cbor-x because
 * COSE needs: tag fidelity (tag 1 epoch vs tag 0 string dates), deterministic map key order
 * (RFC 7049 canonical: shorter encoded key first, then bytewise), raw bytes of the protected
 * header, and a bounded decoder that fails with a coded error on any malformed input.
 * @module
 */
import { NotaryError } from './errors.js';

/** A CBOR tag with its content. */
export class CborTag {
  readonly tag: number;
  readonly value: CborValue;
  constructor(tag: number, value: CborValue) {
    this.tag = tag;
    this.value = value;
  }
}

/** Map labels allowed in COSE headers. */
export type CborKey = number | string;

/** The CBOR data model this codec supports. */
export type CborValue =
  | number
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | readonly CborValue[]
  | ReadonlyMap<CborKey, CborValue>
  | CborTag;

const MAX_DEPTH = 32;

function fail(msg: string): never {
  throw new NotaryError('ENVELOPE_MALFORMED', `CBOR: ${msg}`);
}

function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) {
    const b = new Uint8Array(5);
    b[0] = m | 26;
    new DataView(b.buffer).setUint32(1, n);
    return b;
  }
  const b = new Uint8Array(9);
  b[0] = m | 27;
  new DataView(b.buffer).setBigUint64(1, BigInt(n));
  return b;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Encodes a value deterministically (shortest heads, canonical map key order).
 *
 * @throws NotaryError `INVALID_ARGUMENT` for values outside the supported model
 */
export function encodeCbor(value: CborValue): Uint8Array {
  const parts: Uint8Array[] = [];
  write(value, parts);
  return concat(parts);
}

function write(value: CborValue, out: Uint8Array[]): void {
  if (value === false) out.push(Uint8Array.of(0xf4));
  else if (value === true) out.push(Uint8Array.of(0xf5));
  else if (value === null) out.push(Uint8Array.of(0xf6));
  else if (value === undefined) out.push(Uint8Array.of(0xf7));
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new NotaryError('INVALID_ARGUMENT', 'CBOR: only safe integers are encoded');
    }
    out.push(value >= 0 ? head(0, value) : head(1, -1 - value));
  } else if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    out.push(head(3, b.length), b);
  } else if (value instanceof Uint8Array) {
    out.push(head(2, value.length), value);
  } else if (value instanceof CborTag) {
    out.push(head(6, value.tag));
    write(value.value, out);
  } else if (value instanceof Map) {
    const entries = [...(value as ReadonlyMap<CborKey, CborValue>)].map(
      ([k, v]) => [encodeCbor(k), v] as const,
    );
    entries.sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b));
    out.push(head(5, entries.length));
    for (const [k, v] of entries) {
      out.push(k);
      write(v, out);
    }
  } else if (Array.isArray(value)) {
    out.push(head(4, value.length));
    for (const v of value as readonly CborValue[]) write(v, out);
  } else {
    throw new NotaryError('INVALID_ARGUMENT', 'CBOR: unsupported value type');
  }
}

/** Result of decoding one item with its raw byte range. */
interface Cursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
}

/**
 * Decodes exactly one CBOR item (no trailing bytes). Indefinite lengths, duplicate map keys,
 * non int/text map keys, and nesting deeper than 32 are rejected.
 *
 * @throws NotaryError `ENVELOPE_MALFORMED`
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const c: Cursor = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    pos: 0,
  };
  const v = read(c, 0);
  if (c.pos !== bytes.length) fail(`${bytes.length - c.pos} trailing bytes`);
  return v;
}

function need(c: Cursor, n: number): void {
  if (n > c.bytes.length - c.pos) fail('unexpected end of data');
}

function readArg(c: Cursor, info: number): number {
  if (info < 24) return info;
  switch (info) {
    case 24:
      need(c, 1);
      return c.view.getUint8(c.pos++);
    case 25: {
      need(c, 2);
      const v = c.view.getUint16(c.pos);
      c.pos += 2;
      return v;
    }
    case 26: {
      need(c, 4);
      const v = c.view.getUint32(c.pos);
      c.pos += 4;
      return v;
    }
    case 27: {
      need(c, 8);
      const v = c.view.getBigUint64(c.pos);
      c.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('integer too large');
      return Number(v);
    }
    default:
      return fail(
        info === 31 ? 'indefinite lengths are not supported' : 'reserved additional info',
      );
  }
}

function read(c: Cursor, depth: number): CborValue {
  if (depth > MAX_DEPTH) fail('nesting too deep');
  need(c, 1);
  const ib = c.view.getUint8(c.pos++);
  const major = ib >> 5;
  const info = ib & 0x1f;
  if (major === 7) {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25: {
        need(c, 2);
        const h = c.view.getUint16(c.pos);
        c.pos += 2;
        return halfToNumber(h);
      }
      case 26: {
        need(c, 4);
        const f = c.view.getFloat32(c.pos);
        c.pos += 4;
        return f;
      }
      case 27: {
        need(c, 8);
        const f = c.view.getFloat64(c.pos);
        c.pos += 8;
        return f;
      }
      default:
        return fail(`unsupported simple value ${info}`);
    }
  }
  const arg = readArg(c, info);
  switch (major) {
    case 0:
      return arg;
    case 1:
      return -1 - arg;
    case 2: {
      need(c, arg);
      const b = c.bytes.slice(c.pos, c.pos + arg);
      c.pos += arg;
      return b;
    }
    case 3: {
      need(c, arg);
      const b = c.bytes.subarray(c.pos, c.pos + arg);
      c.pos += arg;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        return fail('invalid UTF-8 in text string');
      }
    }
    case 4: {
      if (arg > c.bytes.length - c.pos) fail('array longer than input');
      const arr: CborValue[] = [];
      for (let i = 0; i < arg; i++) arr.push(read(c, depth + 1));
      return arr;
    }
    case 5: {
      if (arg * 2 > c.bytes.length - c.pos) fail('map longer than input');
      const map = new Map<CborKey, CborValue>();
      for (let i = 0; i < arg; i++) {
        const k = read(c, depth + 1);
        if (typeof k !== 'number' && typeof k !== 'string') fail('map key must be int or text');
        if (map.has(k)) fail(`duplicate map key ${JSON.stringify(k)}`);
        map.set(k, read(c, depth + 1));
      }
      return map;
    }
    default:
      return new CborTag(arg, read(c, depth + 1));
  }
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
