import { createHash, type Hash } from 'node:crypto';
import { ContentError } from './errors.js';

/** Digest algorithms Wharf can compute and verify. */
export type DigestAlgorithm = 'sha256' | 'sha512';

export const SUPPORTED_DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

/** A parsed digest `algorithm:encoded`. */
export interface ParsedDigest {
  readonly algorithm: string;
  readonly encoded: string;
}

// image-spec descriptor.md grammar.
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const REGISTERED: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
  blake3: /^[a-f0-9]{64}$/,
};

/**
 * Parses a digest string by the image-spec grammar. Registered algorithms (sha256, sha512,
 * blake3) must have their exact lowercase-hex length; unknown but grammatical algorithms pass.
 *
 * @throws ContentError `INVALID_DIGEST`
 * @example parseDigest('sha256:44136fa3…') // { algorithm: 'sha256', encoded: '44136fa3…' }
 */
export function parseDigest(value: string): ParsedDigest {
  const m = DIGEST_GRAMMAR.exec(value);
  if (!m)
    throw new ContentError(
      'INVALID_DIGEST',
      `invalid digest ${JSON.stringify(value.slice(0, 200))}`,
    );
  const algorithm = m[1] as string;
  const encoded = m[2] as string;
  const rule = REGISTERED[algorithm];
  if (rule && !rule.test(encoded)) {
    throw new ContentError(
      'INVALID_DIGEST',
      `invalid ${algorithm} digest ${JSON.stringify(value.slice(0, 200))}`,
    );
  }
  return { algorithm, encoded };
}

/** Returns the parsed digest, or undefined when it does not parse. */
export function tryParseDigest(value: string): ParsedDigest | undefined {
  try {
    return parseDigest(value);
  } catch {
    return undefined;
  }
}

/** True when `value` is a grammatical digest (see {@link parseDigest}). */
export function isDigest(value: string): boolean {
  return tryParseDigest(value) !== undefined;
}

/** True for the algorithms Wharf can compute. */
export function isSupportedAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return algorithm === 'sha256' || algorithm === 'sha512';
}

/**
 * Parses a digest and requires an algorithm Wharf can compute.
 * @throws ContentError `INVALID_DIGEST` or `UNSUPPORTED_DIGEST_ALGORITHM`
 */
export function parseSupportedDigest(value: string): ParsedDigest & { algorithm: DigestAlgorithm } {
  const d = parseDigest(value);
  if (!isSupportedAlgorithm(d.algorithm)) {
    throw new ContentError(
      'UNSUPPORTED_DIGEST_ALGORITHM',
      `unsupported digest algorithm ${d.algorithm}`,
    );
  }
  return d as ParsedDigest & { algorithm: DigestAlgorithm };
}

/** Digest of a byte array. */
export function digestBytes(data: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** An incremental digest computation. */
export interface Digester {
  readonly algorithm: DigestAlgorithm;
  /** Bytes fed so far. */
  readonly size: number;
  update(chunk: Uint8Array): void;
  /** Returns `algorithm:hex`. May be called once. */
  digest(): string;
}

/** Creates an incremental digester. */
export function createDigester(algorithm: DigestAlgorithm = 'sha256'): Digester {
  const hash: Hash = createHash(algorithm);
  let size = 0;
  return {
    algorithm,
    get size() {
      return size;
    },
    update(chunk) {
      size += chunk.byteLength;
      hash.update(chunk);
    },
    digest() {
      return `${algorithm}:${hash.digest('hex')}`;
    },
  };
}

/** What a stream is expected to hash to. */
export interface ExpectedContent {
  readonly digest: string;
  readonly size: number;
}

/**
 * Passes chunks through while hashing them. Fails with `SIZE_MISMATCH` as soon as more bytes
 * than `expected.size` arrive, and at the end with `SIZE_MISMATCH` or `DIGEST_MISMATCH`, so a
 * consumer that writes to a temp file and renames only after the last chunk never keeps bad data.
 *
 * @example
 * for await (const chunk of verifyContent(body, desc)) await file.write(chunk);
 */
export async function* verifyContent(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedContent,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { algorithm } = parseSupportedDigest(expected.digest);
  const digester = createDigester(algorithm);
  for await (const chunk of source) {
    if (signal?.aborted) throw new ContentError('ABORTED', 'aborted', { cause: signal.reason });
    if (digester.size + chunk.byteLength > expected.size) {
      throw new ContentError(
        'SIZE_MISMATCH',
        `content of ${expected.digest} exceeds its size ${expected.size}`,
        { detail: { digest: expected.digest, expected: expected.size } },
      );
    }
    digester.update(chunk);
    yield chunk;
  }
  if (digester.size !== expected.size) {
    throw new ContentError(
      'SIZE_MISMATCH',
      `content of ${expected.digest} is ${digester.size} bytes, expected ${expected.size}`,
      { detail: { digest: expected.digest, expected: expected.size, actual: digester.size } },
    );
  }
  const actual = digester.digest();
  if (actual !== expected.digest) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `digest mismatch: expected ${expected.digest}, got ${actual}`,
      {
        detail: { expected: expected.digest, actual },
      },
    );
  }
}

/**
 * Verifies a byte array against a digest and size.
 * @throws ContentError `SIZE_MISMATCH` or `DIGEST_MISMATCH`
 */
export function verifyBytes(data: Uint8Array, expected: ExpectedContent): void {
  const { algorithm } = parseSupportedDigest(expected.digest);
  if (data.byteLength !== expected.size) {
    throw new ContentError(
      'SIZE_MISMATCH',
      `content of ${expected.digest} is ${data.byteLength} bytes, expected ${expected.size}`,
    );
  }
  const actual = digestBytes(data, algorithm);
  if (actual !== expected.digest) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `digest mismatch: expected ${expected.digest}, got ${actual}`,
    );
  }
}
