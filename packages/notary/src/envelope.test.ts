import { describe, expect, it } from 'vitest';
import { decode as cborxDecode } from 'cbor-x';
import { isWharfError } from '@wharf/core';
import { decodeCbor, encodeCbor, CborTag } from './cbor.js';
import { prepareCose, parseCoseEnvelope } from './envelope/cose.js';
import { prepareJws, parseJwsEnvelope } from './envelope/jws.js';
import { decodeBase64Url } from './encoding.js';
import { vec } from '../test/vectors.js';

describe('JWS encoding conformance (08)', () => {
  it('produces the byte-exact protected header and payload of notation-core-go', () => {
    const conf = JSON.parse(vec('08-encoding-conformance/jws-conformance.json').toString()) as {
      payload: string;
      protected: string;
    };
    const prepared = prepareJws({
      payload: new TextEncoder().encode('{"key":"hello JWS"}'),
      algorithm: 'ECDSA-SHA-256',
      signingScheme: 'notary.x509',
      signingTime: new Date('2022-08-29T13:50:00Z'),
      expiry: new Date('2099-08-30T13:50:00Z'),
      extendedAttributes: [
        { key: 'signedCritKey1', value: 'signedCritValue1', critical: true },
        { key: 'signedKey1', value: 'signedValue1', critical: false },
        { key: 'signedKey2', value: 'signedValue1', critical: false },
        { key: 'signedKey3', value: 'signedValue1', critical: false },
        { key: 'signedKey4', value: 'signedValue1', critical: false },
      ],
      signingAgent: 'NotationConformanceTest/1.0.0',
    });
    expect(Buffer.from(prepared.signingInput).toString('ascii')).toBe(
      `${conf.protected}.${conf.payload}`,
    );
  });
});

describe('COSE encoding conformance (08)', () => {
  const conf = JSON.parse(vec('08-encoding-conformance/cose-conformance.json').toString()) as {
    signingTime: number;
    expiry: number;
    payload: string;
    protectedHeaders: { cborHex: string };
    expectedOutput: { cborHex: string };
  };
  it('produces the byte-exact deterministic protected header', () => {
    const prepared = prepareCose({
      payload: Buffer.from(conf.payload, 'hex'),
      algorithm: 'RSASSA-PSS-SHA-384',
      signingScheme: 'notary.x509',
      signingTime: new Date(conf.signingTime * 1000),
      expiry: new Date(conf.expiry * 1000),
      extendedAttributes: [
        { key: 'signedCritKey1', value: 'signedCritValue1', critical: true },
        { key: 'signedKey1', value: 'signedValue1', critical: false },
      ],
      signingAgent: 'NotationConformanceTest/1.0.0',
    });
    expect(Buffer.from(prepared.protectedBytes).toString('hex').toUpperCase()).toBe(
      conf.protectedHeaders.cborHex,
    );
    expect(conf.expectedOutput.cborHex.includes(conf.protectedHeaders.cborHex)).toBe(true);
  });
  it('round-trips the expected COSE_Sign1 through the strict decoder and re-encodes it byte-exactly', () => {
    const bytes = Buffer.from(conf.expectedOutput.cborHex, 'hex');
    const decoded = decodeCbor(bytes);
    expect(decoded).toBeInstanceOf(CborTag);
    expect(Buffer.from(encodeCbor(decoded)).equals(bytes)).toBe(true);
    // The conformance vector has no x5chain, which notation's parser requires.
    expect(() => parseCoseEnvelope(bytes)).toThrow(/x5chain/);
  });
  it('agrees with cbor-x as an independent decoder', () => {
    const bytes = Buffer.from(conf.expectedOutput.cborHex, 'hex');
    const other = cborxDecode(bytes) as { tag: number; value: unknown[] };
    expect(other.tag).toBe(18);
    expect(
      Buffer.from(other.value[0] as Uint8Array)
        .toString('hex')
        .toUpperCase(),
    ).toBe(conf.protectedHeaders.cborHex);
  });
});

describe('envelope parsers on real vectors', () => {
  it('parses notation JWS and COSE envelopes', () => {
    const jws = parseJwsEnvelope(vec('01-alpine-selfsigned/alpine.jws.sig'));
    expect(jws.algorithm).toBe('RSASSA-PSS-SHA-256');
    expect(jws.signingTime?.toISOString()).toBe('2023-03-14T08:10:02.000Z');
    expect(jws.signingAgent).toBe('Notation/1.0.0');
    const cose = parseCoseEnvelope(vec('01-alpine-selfsigned/alpine.cose.sig'));
    expect(cose.signingTime?.getTime()).toBe(1678769122000);
    expect(cose.certificateChain).toHaveLength(1);
    expect(
      Buffer.from(cose.certificateChain[0] as Uint8Array).equals(
        Buffer.from(jws.certificateChain[0] as Uint8Array),
      ),
    ).toBe(true);
  });
  it('rejects a padded base64url payload with the byte offset (ca_invalid_sig_env)', () => {
    let err: unknown;
    try {
      parseJwsEnvelope(vec('02-mock-envelopes/ca_invalid_sig_env.jws.json'));
    } catch (e) {
      err = e;
    }
    expect(isWharfError(err, 'ENVELOPE_MALFORMED')).toBe(true);
    expect((err as Error).message).toMatch(/illegal base64url data at input byte 242/);
  });
  it('strict base64url', () => {
    expect(() => decodeBase64Url('ab+c', 'x')).toThrow(/illegal/);
    expect(() => decodeBase64Url('abc=', 'x')).toThrow(/illegal/);
    expect(() => decodeBase64Url('abd', 'x')).toThrow(/non-canonical/);
    expect(Buffer.from(decodeBase64Url('abc', 'x')).toString('base64url')).toBe('abc');
  });
  it('rejects COSE with a tag-0 date', () => {
    const p = prepareCose({
      payload: Uint8Array.of(1),
      algorithm: 'ECDSA-SHA-256',
      signingScheme: 'notary.x509',
      signingTime: new Date(0),
    });
    const ph = decodeCbor(p.protectedBytes) as Map<string | number, unknown>;
    ph.set('io.cncf.notary.signingTime', new CborTag(0, '2020-01-01T00:00:00Z'));
    const bad = encodeCbor(
      new CborTag(18, [
        encodeCbor(ph as never),
        new Map([[33, [Uint8Array.of(1)]]]),
        Uint8Array.of(1),
        Uint8Array.of(1),
      ]),
    );
    expect(() => parseCoseEnvelope(bad)).toThrow(/tag 1/);
  });
});
