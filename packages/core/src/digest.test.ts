import { describe, expect, it } from 'vitest';
import {
  createDigester,
  digestBytes,
  isDigest,
  isSupportedAlgorithm,
  parseDigest,
  parseSupportedDigest,
  tryParseDigest,
  verifyBytes,
  verifyContent,
} from './digest.js';
import { isWharfError } from './errors.js';
import { EMPTY_JSON_BYTES, EMPTY_JSON_DIGEST } from './media-types.js';

const te = new TextEncoder();

// FIPS 180-2 / NIST example vectors, plus the image-spec empty descriptor.
const VECTORS: ReadonlyArray<[string, 'sha256' | 'sha512', string]> = [
  ['', 'sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    'sha256',
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  [
    '',
    'sha512',
    'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
  ],
  [
    'abc',
    'sha512',
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  ],
  ['{}', 'sha256', '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'],
];

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    await Promise.resolve();
    yield te.encode(p);
  }
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<{ out: string; error: unknown }> {
  let out = '';
  const td = new TextDecoder();
  try {
    for await (const c of source) out += td.decode(c);
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  }
}

function codeOf(err: unknown): string | undefined {
  return isWharfError(err) ? err.code : undefined;
}

describe('digestBytes and createDigester', () => {
  it.each(VECTORS)('%j with %s', (input, alg, hex) => {
    expect(digestBytes(te.encode(input), alg)).toBe(`${alg}:${hex}`);
    const d = createDigester(alg);
    for (const ch of input) d.update(te.encode(ch));
    expect(d.size).toBe(te.encode(input).byteLength);
    expect(d.digest()).toBe(`${alg}:${hex}`);
  });

  it('defaults to sha256 and matches the empty JSON constant', () => {
    expect(digestBytes(EMPTY_JSON_BYTES)).toBe(EMPTY_JSON_DIGEST);
    expect(createDigester().algorithm).toBe('sha256');
  });
});

describe('parseDigest', () => {
  const valid: ReadonlyArray<[string, string, string]> = [
    [EMPTY_JSON_DIGEST, 'sha256', EMPTY_JSON_DIGEST.slice(7)],
    [`sha512:${'0'.repeat(128)}`, 'sha512', '0'.repeat(128)],
    [`blake3:${'a'.repeat(64)}`, 'blake3', 'a'.repeat(64)],
    // unknown but grammatical algorithms pass (image-spec SHOULD)
    ['sha384:abc', 'sha384', 'abc'],
    [
      'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
      'multihash+base58',
      'QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
    ],
    [
      'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
      'sha256+b64u',
      'LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
    ],
    ['a.b_c-d:x=', 'a.b_c-d', 'x='],
    ['0:0', '0', '0'],
  ];
  it.each(valid)('accepts %j', (value, algorithm, encoded) => {
    expect(parseDigest(value)).toEqual({ algorithm, encoded });
    expect(tryParseDigest(value)).toEqual({ algorithm, encoded });
    expect(isDigest(value)).toBe(true);
  });

  const invalid = [
    '',
    'sha256',
    'sha256:',
    ':abc',
    EMPTY_JSON_DIGEST.slice(7), // missing algorithm and colon
    `sha256:${'A'.repeat(64)}`, // uppercase hex
    `SHA256:${'a'.repeat(64)}`, // uppercase algorithm
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'g'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `blake3:${'a'.repeat(63)}`,
    `blake3:${'A'.repeat(64)}`,
    'sha256+:abc',
    '+sha256:abc',
    'sha256::abc',
    'sha256:ab c',
    'sha256:abc/def',
    'sha256:abc+def',
    ` ${EMPTY_JSON_DIGEST}`,
    `${EMPTY_JSON_DIGEST}\n`,
  ];
  it.each(invalid)('rejects %j', (value) => {
    let caught: unknown;
    try {
      parseDigest(value);
    } catch (err) {
      caught = err;
    }
    expect(codeOf(caught)).toBe('INVALID_DIGEST');
    expect(tryParseDigest(value)).toBeUndefined();
    expect(isDigest(value)).toBe(false);
  });

  it('parseSupportedDigest refuses grammatical but uncomputable algorithms', () => {
    expect(parseSupportedDigest(EMPTY_JSON_DIGEST).algorithm).toBe('sha256');
    expect(() => parseSupportedDigest(`blake3:${'a'.repeat(64)}`)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_DIGEST_ALGORITHM' }),
    );
    expect(() => parseSupportedDigest('sha256:x')).toThrow(
      expect.objectContaining({ code: 'INVALID_DIGEST' }),
    );
    expect(isSupportedAlgorithm('sha512')).toBe(true);
    expect(isSupportedAlgorithm('blake3')).toBe(false);
  });
});

describe('verifyContent', () => {
  const hello = { digest: digestBytes(te.encode('hello world')), size: 11 };

  it('passes every chunk through when size and digest match', async () => {
    expect(await drain(verifyContent(chunks('hello', ' ', 'world'), hello))).toEqual({
      out: 'hello world',
      error: undefined,
    });
  });

  it('handles empty content and empty chunks', async () => {
    const empty = { digest: digestBytes(new Uint8Array()), size: 0 };
    expect((await drain(verifyContent(chunks(), empty))).error).toBeUndefined();
    expect(
      (await drain(verifyContent(chunks('', 'hello world', ''), hello))).error,
    ).toBeUndefined();
  });

  it('verifies sha512', async () => {
    const want = { digest: digestBytes(te.encode('abc'), 'sha512'), size: 3 };
    expect((await drain(verifyContent(chunks('a', 'bc'), want))).error).toBeUndefined();
  });

  it('fails as soon as the size is exceeded, before yielding the overflowing chunk', async () => {
    const { out, error } = await drain(verifyContent(chunks('hello', ' world!', 'never'), hello));
    expect(codeOf(error)).toBe('SIZE_MISMATCH');
    expect(out).toBe('hello');
  });

  it('fails on a short stream with SIZE_MISMATCH after the last chunk', async () => {
    const { out, error } = await drain(verifyContent(chunks('hello'), hello));
    expect(out).toBe('hello');
    expect(codeOf(error)).toBe('SIZE_MISMATCH');
    expect((error as { detail?: unknown }).detail).toMatchObject({ expected: 11, actual: 5 });
  });

  it('fails on a digest mismatch with the right size', async () => {
    const { out, error } = await drain(verifyContent(chunks('hello', ' there'), hello));
    expect(out).toBe('hello there');
    expect(codeOf(error)).toBe('DIGEST_MISMATCH');
    expect((error as { detail?: unknown }).detail).toMatchObject({
      expected: hello.digest,
      actual: digestBytes(te.encode('hello there')),
    });
  });

  it('refuses bad and unsupported digests before reading', async () => {
    expect(
      codeOf((await drain(verifyContent(chunks('x'), { digest: 'sha256:zz', size: 1 }))).error),
    ).toBe('INVALID_DIGEST');
    const blake = { digest: `blake3:${'a'.repeat(64)}`, size: 1 };
    expect(codeOf((await drain(verifyContent(chunks('x'), blake))).error)).toBe(
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  });

  it('stops with ABORTED when the signal fires', async () => {
    const ac = new AbortController();
    async function* source() {
      yield te.encode('hello');
      await Promise.resolve();
      ac.abort(new Error('stop'));
      yield te.encode(' world');
    }
    const { out, error } = await drain(verifyContent(source(), hello, ac.signal));
    expect(out).toBe('hello');
    expect(codeOf(error)).toBe('ABORTED');
  });
});

describe('verifyBytes', () => {
  const abc = te.encode('abc');
  it('accepts matching content', () => {
    expect(() => verifyBytes(abc, { digest: digestBytes(abc), size: 3 })).not.toThrow();
    expect(() => verifyBytes(abc, { digest: digestBytes(abc, 'sha512'), size: 3 })).not.toThrow();
  });
  it('refuses a size mismatch, a digest mismatch and an unsupported algorithm', () => {
    expect(() => verifyBytes(abc, { digest: digestBytes(abc), size: 4 })).toThrow(
      expect.objectContaining({ code: 'SIZE_MISMATCH' }),
    );
    expect(() => verifyBytes(te.encode('abd'), { digest: digestBytes(abc), size: 3 })).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH' }),
    );
    expect(() => verifyBytes(abc, { digest: `blake3:${'a'.repeat(64)}`, size: 3 })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_DIGEST_ALGORITHM' }),
    );
  });
});
