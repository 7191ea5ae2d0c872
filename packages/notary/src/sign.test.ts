import { describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { createOpensslTsa, hasOpensslTs, serveOpensslTsa } from '../test/tsa.js';
import { createHttpTimestamper } from './timestamp-http.js';
import { createTimestampRequest, parseTimestampResponse } from './timestamp.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyPem, mintChain, pem, SUBJECTS, type KeyKind } from '../test/pki.js';
import { parseEnvelope } from './envelope/index.js';
import { LocalKeySigner } from './signer.js';
import { signEnvelope } from './sign.js';
import { parseOciTrustPolicy, type TrustPolicyStatement } from './trust-policy.js';
import { createMemoryTrustStore } from './trust-store.js';
import { verify } from './verify.js';

const target = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9',
  size: 517,
};

function statement(stores: string[], extra: Record<string, unknown> = {}): TrustPolicyStatement {
  return parseOciTrustPolicy({
    version: '1.0',
    trustPolicies: [
      {
        name: 'wharf',
        registryScopes: ['*'],
        signatureVerification: { level: 'strict', ...extra },
        trustStores: stores,
        trustedIdentities: ['x509.subject: C=US, ST=WA, O=Wharf Test, OU=Signing'],
      },
    ],
  }).statements[0] as TrustPolicyStatement;
}

const cases: [KeyKind, 'jws' | 'cose', string][] = [
  ['rsa3072', 'jws', 'RSASSA-PSS-SHA-384'],
  ['rsa3072', 'cose', 'RSASSA-PSS-SHA-384'],
  ['p256', 'jws', 'ECDSA-SHA-256'],
  ['p256', 'cose', 'ECDSA-SHA-256'],
];

describe('sign with Wharf, verify with Wharf (root → intermediate → leaf)', () => {
  for (const [kind, format, alg] of cases) {
    for (const scheme of ['notary.x509', 'notary.x509.signingAuthority'] as const) {
      it(`${kind} ${format} ${scheme} with expiry and user metadata`, async () => {
        const pki = mintChain(kind);
        const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
        const signed = await signEnvelope({
          format,
          payload: target,
          signer,
          signingScheme: scheme,
          expiry: new Date(Date.now() + 3600_000),
          userMetadata: { 'com.example.build': '42' },
          extendedAttributes: [{ key: 'com.example.note', value: 'hello', critical: false }],
          signingAgent: 'wharf-test/1.0',
        });
        const env = parseEnvelope(signed.bytes, signed.mediaType);
        expect(env.algorithm).toBe(alg);
        expect(env.signingScheme).toBe(scheme);
        expect(env.certificateChain).toHaveLength(3);
        expect(env.signingAgent).toBe('wharf-test/1.0');
        expect(env.extendedAttributes).toEqual([
          { key: 'com.example.note', value: 'hello', critical: false },
        ]);
        const storeType = scheme === 'notary.x509' ? 'ca' : 'signingAuthority';
        const r = await verify({
          envelope: signed.bytes,
          envelopeMediaType: signed.mediaType,
          policy: statement([`${storeType}:wharf`]),
          trustStore: createMemoryTrustStore({ [`${storeType}:wharf`]: [pem(pki.root)] }),
          expectedArtifact: target,
          userMetadata: { 'com.example.build': '42' },
        });
        expect(r.error?.message).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.certificateChain?.[0]?.subject).toBe(
          'CN=Wharf Test Leaf,OU=Signing,O=Wharf Test,L=Seattle,ST=WA,C=US',
        );
        // The other scheme's store type does not satisfy authenticity.
        const other = scheme === 'notary.x509' ? 'signingAuthority' : 'ca';
        const wrong = await verify({
          envelope: signed.bytes,
          envelopeMediaType: signed.mediaType,
          policy: statement([`${other}:wharf`]),
          trustStore: createMemoryTrustStore({ [`${other}:wharf`]: [pem(pki.root)] }),
        });
        expect(wrong.error?.code).toBe('CERT_UNTRUSTED');
      });
    }
  }

  it('loads PKCS#1 RSA and SEC1 EC keys; rejects a key that does not match the leaf', () => {
    const rsa = mintChain('rsa3072');
    expect(
      LocalKeySigner.fromPem(
        keyPem(rsa.leafKey, 'pkcs1'),
        pem(rsa.chain[0] as Uint8Array),
      ).algorithm(),
    ).toBe('RSASSA-PSS-SHA-384');
    const ec = mintChain('p256');
    expect(
      LocalKeySigner.fromPem(
        keyPem(ec.leafKey, 'sec1'),
        pem(ec.chain[0] as Uint8Array),
      ).algorithm(),
    ).toBe('ECDSA-SHA-256');
    let err: unknown;
    try {
      LocalKeySigner.fromPem(keyPem(ec.leafKey), pem(rsa.chain[0] as Uint8Array));
    } catch (e) {
      err = e;
    }
    expect(isWharfError(err, 'KEY_INVALID')).toBe(true);
    expect(() => LocalKeySigner.fromPem('not a key', pem(rsa.chain[0] as Uint8Array))).toThrow(
      /private key could not be parsed/,
    );
  });

  it('refuses to sign with an expiry before the signing time and reserved metadata keys', async () => {
    const ec = mintChain('p256');
    const signer = LocalKeySigner.fromPem(keyPem(ec.leafKey), ec.chain.map(pem).join(''));
    await expect(
      signEnvelope({ format: 'jws', payload: target, signer, expiry: new Date(0) }),
    ).rejects.toThrow(/expiry must be after/);
    await expect(
      signEnvelope({
        format: 'jws',
        payload: target,
        signer,
        userMetadata: { 'io.cncf.notary.x': '1' },
      }),
    ).rejects.toThrow(/reserved/);
  });

  it('refuses to sign with a leaf that lacks codeSigning', async () => {
    const bad = mintChain('p256', { eku: ['1.3.6.1.5.5.7.3.1'] });
    const signer = LocalKeySigner.fromPem(keyPem(bad.leafKey), bad.chain.map(pem).join(''));
    await expect(signEnvelope({ format: 'cose', payload: target, signer })).rejects.toThrow(
      /extended key usage 1\.3\.6\.1\.5\.5\.7\.3\.1 is not allowed/,
    );
  });

  it('subjects are formatted in Go pkix order', () => {
    expect(SUBJECTS.leaf).toContain('OU=Signing');
  });
});

describe.skipIf(!hasOpensslTs())('RFC 3161 timestamps from a real TSA (openssl ts)', () => {
  for (const format of ['jws', 'cose'] as const) {
    it(`${format}: timestamped signature verifies with verifyTimestamp always`, async () => {
      const tsa = createOpensslTsa();
      const pki = mintChain('p256');
      const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
      const signed = await signEnvelope({
        format,
        payload: target,
        signer,
        timestamper: tsa.timestamper,
        timestampRoots: [tsa.root],
      });
      const env = parseEnvelope(signed.bytes, signed.mediaType);
      expect(env.timestampToken?.length).toBeGreaterThan(100);
      const r = await verify({
        envelope: signed.bytes,
        envelopeMediaType: signed.mediaType,
        policy: statement(['ca:wharf', 'tsa:wharf'], { verifyTimestamp: 'always' }),
        trustStore: createMemoryTrustStore({
          'ca:wharf': [pem(pki.root)],
          'tsa:wharf': [pem(tsa.root)],
        }),
        expectedArtifact: target,
      });
      expect(r.error?.message).toBeUndefined();
      expect(r.timestamp?.accuracyMs).toBe(1000);
      expect(Math.abs((r.timestamp?.genTime.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
    });
  }
  it('encodes nonces with leading zero bytes minimally, and openssl ts grants them', () => {
    // A random 20-byte nonce starts with 0x00 one time in 256; openssl rejects the non-minimal
    // DER INTEGER with status 2, which made one CI run fail.
    const tsa = createOpensslTsa();
    const cases: [number[], string][] = [
      [[0x00, 0x12, 0x34], '1234'],
      [[0x00, 0x00, 0x80, 0x01], '8001'],
      [[0x00, 0x00], '00'],
      [[0x7f, 0x00], '7f00'],
    ];
    for (const [bytes, hex] of cases) {
      const req = createTimestampRequest(Uint8Array.of(1, 2, 3), 'SHA-256', {
        nonce: Uint8Array.from(bytes),
      });
      expect(Buffer.from(req.nonce).toString('hex')).toBe(hex);
      const dir = mkdtempSync(join(tsa.dir, 'nonce-'));
      writeFileSync(join(dir, 'q.tsq'), req.der);
      execFileSync(
        'openssl',
        [
          'ts',
          '-reply',
          '-config',
          join(tsa.dir, 'ts.cnf'),
          '-queryfile',
          join(dir, 'q.tsq'),
          '-out',
          join(dir, 'r.tsr'),
        ],
        { stdio: 'ignore' },
      );
      const info = parseTimestampResponse(readFileSync(join(dir, 'r.tsr')), req);
      expect(info.length).toBeGreaterThan(100);
    }
  });
  it('over HTTP: createHttpTimestamper against openssl ts on 127.0.0.1', async () => {
    const tsa = createOpensslTsa();
    const server = await serveOpensslTsa(tsa);
    try {
      const pki = mintChain('rsa3072');
      const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
      const signed = await signEnvelope({
        format: 'cose',
        payload: target,
        signer,
        timestamper: createHttpTimestamper({ url: server.url }),
        timestampRoots: [tsa.root],
      });
      const r = await verify({
        envelope: signed.bytes,
        envelopeMediaType: signed.mediaType,
        policy: statement(['ca:wharf', 'tsa:wharf']),
        trustStore: createMemoryTrustStore({
          'ca:wharf': [pem(pki.root)],
          'tsa:wharf': [pem(tsa.root)],
        }),
      });
      expect(r.error?.message).toBeUndefined();
      expect(r.timestamp?.hashAlgorithm).toBe('2.16.840.1.101.3.4.2.2');
      await expect(
        createHttpTimestamper({
          url: 'http://127.0.0.1:1/tsa',
        }).timestamp(Uint8Array.of(1), 'SHA-256'),
      ).rejects.toThrow(/timestamp: request to/);
      expect(() => createHttpTimestamper({ url: 'ftp://tsa.example' })).toThrow(
        /must be http or https/,
      );
    } finally {
      await server.close();
    }
  });
  it('a signature whose leaf has since expired still verifies via the timestamp; without tsa it fails', async () => {
    const tsa = createOpensslTsa();
    const pki = mintChain('p256', {
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 60_000),
    });
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    const signed = await signEnvelope({
      format: 'jws',
      payload: target,
      signer,
      timestamper: tsa.timestamper,
    });
    const later = new Date(Date.now() + 3600_000);
    const store = createMemoryTrustStore({
      'ca:wharf': [pem(pki.root)],
      'tsa:wharf': [pem(tsa.root)],
    });
    const ok = await verify({
      envelope: signed.bytes,
      envelopeMediaType: signed.mediaType,
      policy: statement(['ca:wharf', 'tsa:wharf'], { verifyTimestamp: 'afterCertExpiry' }),
      trustStore: store,
      now: later,
    });
    expect(ok.error?.message).toBeUndefined();
    const noTsa = await verify({
      envelope: signed.bytes,
      envelopeMediaType: signed.mediaType,
      policy: statement(['ca:wharf']),
      trustStore: store,
      now: later,
    });
    expect(noTsa.error?.code).toBe('CERT_EXPIRED');
    expect(noTsa.error?.message).toMatch(
      /^authenticTimestamp validation failed: verification time is after certificate "CN=Wharf Test Leaf/,
    );
  });
  it('a timestamp whose TSA root is not trusted fails authenticTimestamp', async () => {
    const tsa = createOpensslTsa();
    const other = createOpensslTsa();
    const pki = mintChain('p256');
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    const signed = await signEnvelope({
      format: 'cose',
      payload: target,
      signer,
      timestamper: tsa.timestamper,
    });
    const r = await verify({
      envelope: signed.bytes,
      envelopeMediaType: signed.mediaType,
      policy: statement(['ca:wharf', 'tsa:wharf']),
      trustStore: createMemoryTrustStore({
        'ca:wharf': [pem(pki.root)],
        'tsa:wharf': [pem(other.root)],
      }),
    });
    expect(r.error?.code).toBe('TIMESTAMP_INVALID');
    expect(r.error?.message).toMatch(
      /^authenticTimestamp validation failed: timestamp: TSA certificate .* does not chain to a trusted TSA root/,
    );
  });
});
