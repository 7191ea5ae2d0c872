/**
 * Acceptance: every file in shared/vectors/notary gives the outcome INDEX.md lists.
 * Vectors are read in place (path relative to the repo root), never copied.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPE_COSE, MEDIA_TYPE_JWS } from '@wharf/core';
import { vec } from '../test/vectors.js';
import { allGood, policy, run, sha256, type Level } from '../test/verify-helpers.js';
import { parseCertificates } from './cert.js';
import { parseEnvelope, verifyEnvelopeSignature } from './envelope/index.js';
import { createRevocationChecker, type RevocationChecker } from './revocation.js';
import { LocalKeySigner } from './signer.js';
import { signEnvelope } from './sign.js';
import { parseTimestampToken, verifyTimestampToken } from './timestamp.js';
import {
  parseBlobTrustPolicy,
  parseOciTrustPolicy,
  selectBlobPolicy,
  selectOciPolicy,
} from './trust-policy.js';
import { createMemoryTrustStore } from './trust-store.js';
import { verify } from './verify.js';

describe('03-timestamp', () => {
  const r6 = vec('03-timestamp/tsa-globalsign-root-r6.cer');
  const alpine = vec('03-timestamp/ca-alpine-2033.crt');
  const target = {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda',
    size: 528,
  };
  const tsaPolicy = policy({
    stores: ['ca:valid-trust-store', 'tsa:test-timestamp'],
    verifyTimestamp: 'always',
  });
  for (const [file, mt] of [
    ['03-timestamp/jwsWithTimestamp.sig', MEDIA_TYPE_JWS],
    ['03-timestamp/coseWithTimestamp.sig', MEDIA_TYPE_COSE],
  ] as const) {
    it(`${file}: strict OK with the timestamp verified`, async () => {
      const store = createMemoryTrustStore({
        'ca:valid-trust-store': [alpine],
        'tsa:test-timestamp': [r6],
      });
      const r = await run(file, mt, {
        policy: tsaPolicy,
        trustStore: store,
        revocationChecker: allGood,
        expectedArtifact: target,
      });
      expect(r.error?.message).toBeUndefined();
      expect(r.timestamp?.chain.at(-1)?.subject).toMatch(/GlobalSign Root CA - R6/);
    });
    it(`${file}: offline TSA revocation ⇒ authenticTimestamp fails (unknown)`, async () => {
      const store = createMemoryTrustStore({
        'ca:valid-trust-store': [alpine],
        'tsa:test-timestamp': [r6],
      });
      const r = await run(file, mt, { policy: tsaPolicy, trustStore: store });
      expect(r.error?.code).toBe('REVOCATION_UNKNOWN');
      expect(r.error?.message).toMatch(
        /^authenticTimestamp validation failed: timestamp: timestamping certificate/,
      );
    });
  }
  const selfStore = (file: string, mt: string, withTsa: boolean) => {
    const own = parseEnvelope(vec(file), mt).certificateChain[0] as Uint8Array;
    return createMemoryTrustStore({
      'ca:own': [own],
      ...(withTsa ? { 'tsa:test-timestamp': [r6] } : {}),
    });
  };
  it('jwsExpiredWithTimestamp: expired cert but timestamp inside validity ⇒ OK', async () => {
    const file = '03-timestamp/jwsExpiredWithTimestamp.sig';
    const r = await run(file, MEDIA_TYPE_JWS, {
      policy: policy({ stores: ['ca:own', 'tsa:test-timestamp'], verifyTimestamp: 'always' }),
      trustStore: selfStore(file, MEDIA_TYPE_JWS, true),
      revocationChecker: allGood,
    });
    expect(r.error?.message).toBeUndefined();
    expect(r.timestamp?.genTime.toISOString()).toBe('2024-06-18T07:21:42.000Z');
  });
  it('jwsExpiredWithTimestamp: also OK with afterCertExpiry', async () => {
    const file = '03-timestamp/jwsExpiredWithTimestamp.sig';
    const r = await run(file, MEDIA_TYPE_JWS, {
      policy: policy({
        stores: ['ca:own', 'tsa:test-timestamp'],
        verifyTimestamp: 'afterCertExpiry',
      }),
      trustStore: selfStore(file, MEDIA_TYPE_JWS, true),
      revocationChecker: allGood,
    });
    expect(r.ok).toBe(true);
  });
  it('jwsExpiredWithTimestamp: without a tsa store ⇒ expired', async () => {
    const file = '03-timestamp/jwsExpiredWithTimestamp.sig';
    const r = await run(file, MEDIA_TYPE_JWS, {
      policy: policy({ stores: ['ca:own'] }),
      trustStore: selfStore(file, MEDIA_TYPE_JWS, false),
    });
    expect(r.error?.code).toBe('CERT_EXPIRED');
    expect(r.error?.message).toMatch(
      /verification time is after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "/,
    );
  });
  it('timestampBeforeNotBefore fails with the notation message', async () => {
    const file = '03-timestamp/timestampBeforeNotBefore.sig';
    const r = await run(file, MEDIA_TYPE_JWS, {
      policy: policy({ stores: ['ca:own', 'tsa:test-timestamp'], verifyTimestamp: 'always' }),
      trustStore: selfStore(file, MEDIA_TYPE_JWS, true),
      revocationChecker: allGood,
    });
    expect(r.error?.code).toBe('TIMESTAMP_INVALID');
    expect(r.error?.message).toBe(
      'authenticTimestamp validation failed: timestamp can be before certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it will be valid from "Fri, 18 Sep 2099 11:54:34 +0000"',
    );
  });
  it('timestampAfterNotAfter fails with the notation message', async () => {
    const file = '03-timestamp/timestampAfterNotAfter.sig';
    const r = await run(file, MEDIA_TYPE_COSE, {
      policy: policy({ stores: ['ca:own', 'tsa:test-timestamp'], verifyTimestamp: 'always' }),
      trustStore: selfStore(file, MEDIA_TYPE_COSE, true),
      revocationChecker: allGood,
    });
    expect(r.error?.code).toBe('TIMESTAMP_INVALID');
    expect(r.error?.message).toBe(
      'authenticTimestamp validation failed: timestamp can be after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "Tue, 18 Sep 2001 11:54:34 +0000"',
    );
  });
  it('tspclient token over "notation" verifies against R3 (until 2029) and rejects "invalid"', () => {
    const token = vec('03-timestamp/tspclient-TimeStampToken-over-notation.p7s');
    const roots = [vec('03-timestamp/tsa-globalsign-root-r3.crt')];
    const info = parseTimestampToken(token);
    expect(info.genTime.toISOString()).toBe('2021-09-17T14:09:10.000Z');
    expect(info.accuracyMs).toBe(1000);
    expect(Buffer.from(info.hashedMessage).toString('hex').startsWith('8326f470')).toBe(true);
    if (Date.now() < Date.UTC(2029, 2, 18)) {
      const v = verifyTimestampToken(token, { message: Buffer.from('notation'), roots });
      expect(v.chain.at(-1)?.subject).toMatch(/GlobalSign Root CA - R3/);
    }
    expect(() => verifyTimestampToken(token, { message: Buffer.from('invalid'), roots })).toThrow(
      /mismatched message/,
    );
  });
});

describe('04-e2e-oci-layout-valid-signature + 05-e2e-misc', () => {
  const blob = (d: string): Buffer => vec(`04-e2e-oci-layout-valid-signature/blobs/sha256/${d}`);
  const e2eCrt = vec('05-e2e-misc/e2e.crt');
  const doc = parseOciTrustPolicy(vec('05-e2e-misc/trustpolicy.oci.e2e.json'));
  const image = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9',
    size: 517,
  };
  const ref = `localhost:5000/e2e@${image.digest}`;

  it('layout blobs match their names; legacy signature manifest points at the envelope and image', () => {
    const sigManifest = JSON.parse(
      blob('90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f').toString(),
    ) as {
      config: { mediaType: string };
      layers: { mediaType: string; digest: string }[];
      subject: { digest: string };
      annotations: Record<string, string>;
    };
    expect(sigManifest.config.mediaType).toBe('application/vnd.cncf.notary.signature');
    expect(sigManifest.layers[0]?.mediaType).toBe(MEDIA_TYPE_JWS);
    expect(sha256(blob('c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50'))).toBe(
      sigManifest.layers[0]?.digest,
    );
    expect(sigManifest.subject.digest).toBe(image.digest);
    const thumbs = JSON.parse(
      sigManifest.annotations['io.cncf.notary.x509chain.thumbprint#S256'] as string,
    ) as string[];
    expect(thumbs).toEqual([parseCertificates(e2eCrt)[0]?.sha256Fingerprint]);
  });
  it('envelope: strict OK with trustpolicy.oci.e2e.json and e2e.crt in ca:e2e', async () => {
    const r = await verify({
      envelope: blob('c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50'),
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: selectOciPolicy(doc, ref),
      trustStore: createMemoryTrustStore({ 'ca:e2e': [e2eCrt] }),
      expectedArtifact: image,
    });
    expect(r.error?.message).toBeUndefined();
    expect(r.envelope?.signingTime?.toISOString()).toBe('2023-06-27T05:30:33.000Z');
  });
  it('envelope: another root in ca:e2e ⇒ authenticity fails', async () => {
    const r = await verify({
      envelope: blob('c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50'),
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: selectOciPolicy(doc, ref),
      trustStore: createMemoryTrustStore({
        'ca:e2e': [vec('02-mock-envelopes/NotationTestRoot.pem')],
      }),
    });
    expect(r.error?.code).toBe('CERT_UNTRUSTED');
    expect(r.error?.message).toMatch(/^authenticity validation failed/);
  });
  it('e2e-expired-signature: strict fails expiry, permissive warns', async () => {
    const store = createMemoryTrustStore({ 'ca:e2e': [e2eCrt] });
    const envelope = vec('05-e2e-misc/e2e-expired-signature.jws.sig');
    const strict = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: selectOciPolicy(doc, ref),
      trustStore: store,
      expectedArtifact: image,
    });
    expect(strict.error?.code).toBe('SIGNATURE_EXPIRED');
    expect(strict.error?.message).toMatch(
      /^expiry validation failed: digital signature has expired on "/,
    );
    const permissive = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: policy({ level: 'permissive', stores: ['ca:e2e'] }),
      trustStore: store,
    });
    expect(permissive.ok).toBe(true);
    expect(permissive.warnings[0]).toMatch(
      /^expiry was set to "log" and failed with error: digital signature has expired on/,
    );
  });
  it('e2e-timestamped-testcert7: parses (inspect vector); strict verify fails (expired signature)', async () => {
    const envelope = vec('05-e2e-misc/e2e-timestamped-testcert7.jws.sig');
    const env = parseEnvelope(envelope, MEDIA_TYPE_JWS);
    expect(env.expiry?.toISOString()).toBe('2025-01-21T12:39:46.000Z');
    const info = parseTimestampToken(env.timestampToken as Uint8Array);
    expect(info.genTime.toISOString()).toBe('2025-01-21T09:17:46.641Z');
    expect(info.accuracyMs).toBe(500);
    const manifest = vec('05-e2e-misc/e2e-timestamped-signature-manifest.json');
    expect(manifest.length).toBe(729);
    expect(
      (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers[0]?.digest,
    ).toBe(sha256(envelope));
    const store = createMemoryTrustStore({ 'ca:own': [env.certificateChain[0] as Uint8Array] });
    const r = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: policy({ stores: ['ca:own'] }),
      trustStore: store,
    });
    expect(r.error?.code).toBe('SIGNATURE_EXPIRED');
  });
  it('trustpolicy.blob.e2e.json parses; selection by name and global', () => {
    const blobDoc = parseBlobTrustPolicy(vec('05-e2e-misc/trustpolicy.blob.e2e.json'));
    expect(selectBlobPolicy(blobDoc).name).toBe('test-blob-global-statement');
    const ts = selectBlobPolicy(blobDoc, 'test-blob-with-timestamping');
    expect(ts.trustStores).toEqual([
      { type: 'ca', name: 'e2e' },
      { type: 'tsa', name: 'e2e' },
    ]);
    expect(() => selectBlobPolicy(blobDoc, 'nope')).toThrow(
      /no applicable blob trust policy with name "nope"/,
    );
  });
  it('e2e.key + e2e.crt sign an envelope that verifies strict (PKCS#8 key)', async () => {
    const signer = LocalKeySigner.fromPem(vec('05-e2e-misc/e2e.key'), vec('05-e2e-misc/e2e.crt'));
    for (const format of ['jws', 'cose'] as const) {
      const signed = await signEnvelope({ format, payload: image, signer });
      const r = await verify({
        envelope: signed.bytes,
        envelopeMediaType: signed.mediaType,
        policy: selectOciPolicy(doc, ref),
        trustStore: createMemoryTrustStore({ 'ca:e2e': [e2eCrt] }),
        expectedArtifact: image,
      });
      expect(r.error?.message).toBeUndefined();
    }
  });
});

describe('06-blob', () => {
  const content = vec('06-blob/blob-content-apache-2.0-LICENSE.txt');
  const expected = { digest: sha256(content), size: content.length };
  for (const [file, mt, cn] of [
    ['06-blob/blob.jws.sig', MEDIA_TYPE_JWS, 'testcert2'],
    ['06-blob/blob.cose.sig', MEDIA_TYPE_COSE, 'testcert3'],
  ] as const) {
    it(`${file}: parses, digest/size match the blob, inspect facts`, () => {
      const env = parseEnvelope(vec(file), mt);
      const chain = verifyEnvelopeSignature(env);
      expect(chain[0]?.subject).toBe(`CN=${cn},O=Notary,L=Seattle,ST=WA,C=US`);
      expect(env.signingAgent).toBe('notation-go/1.3.0+unreleased');
      expect(expected.digest).toBe(
        'sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4',
      );
      const info = parseTimestampToken(env.timestampToken as Uint8Array);
      expect(info.certificates).toHaveLength(2);
      if (cn === 'testcert2') {
        expect(chain[0]?.sha256Fingerprint.startsWith('dadee19c')).toBe(true);
        expect(chain[0]?.notAfter.toISOString()).toBe('2025-01-01T08:04:39.000Z');
        expect(env.signingTime?.toISOString()).toBe('2024-12-31T08:05:29.000Z');
        expect([info.lower.toISOString(), info.upper.toISOString()]).toEqual([
          '2024-12-31T08:05:29.509Z',
          '2024-12-31T08:05:30.509Z',
        ]);
      }
    });
    it(`${file}: digest/size check passes, verify fails (expired cert, MS TSA root not provided)`, async () => {
      const env = parseEnvelope(vec(file), mt);
      const own = env.certificateChain[0] as Uint8Array;
      const withTsa = await verify({
        envelope: vec(file),
        envelopeMediaType: mt,
        policy: policy({ stores: ['ca:own', 'tsa:gs'], verifyTimestamp: 'always' }),
        trustStore: createMemoryTrustStore({
          'ca:own': [own],
          'tsa:gs': [vec('03-timestamp/tsa-globalsign-root-r6.cer')],
        }),
        expectedArtifact: expected,
        revocationChecker: allGood,
      });
      expect(withTsa.error?.code).toBe('TIMESTAMP_INVALID');
      expect(withTsa.error?.message).toMatch(/does not chain to a trusted TSA root/);
      const noTsa = await verify({
        envelope: vec(file),
        envelopeMediaType: mt,
        policy: policy({ stores: ['ca:own'] }),
        trustStore: createMemoryTrustStore({ 'ca:own': [own] }),
        expectedArtifact: expected,
      });
      expect(noTsa.error?.code).toBe('CERT_EXPIRED');
      const permissive = await verify({
        envelope: vec(file),
        envelopeMediaType: mt,
        policy: policy({ level: 'permissive', stores: ['ca:own'] }),
        trustStore: createMemoryTrustStore({ 'ca:own': [own] }),
        expectedArtifact: expected,
      });
      expect(permissive.ok).toBe(true);
      const wrongBlob = await verify({
        envelope: vec(file),
        envelopeMediaType: mt,
        policy: policy({ level: 'permissive', stores: ['ca:own'] }),
        trustStore: createMemoryTrustStore({ 'ca:own': [own] }),
        expectedArtifact: { ...expected, size: 1 },
      });
      expect(wrongBlob.error?.code).toBe('TARGET_MISMATCH');
    });
  }
});

describe('07-crl-chain (CRLs over a local HTTP server)', () => {
  let server: Server;
  let port = 0;
  const served: Record<string, Buffer | undefined> = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served[req.url ?? ''];
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // The certs name http://localhost:10086/…; redirect to our ephemeral port.
  const checker = (): RevocationChecker =>
    createRevocationChecker({
      fetchCrl: async (url) => {
        const u = new URL(url);
        const res = await fetch(`http://127.0.0.1:${port}${u.pathname}`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      },
      fetchOcsp: () => Promise.reject(new Error('dial tcp: lookup localhost.test: no such host')),
    });

  const chainPem = vec('07-crl-chain/certchain_with_crl.pem');
  const rootPem = parseCertificates(chainPem.toString())[2]?.der as Uint8Array;
  const store = createMemoryTrustStore({ 'ca:crl': [rootPem] });
  let envelope: Uint8Array;
  beforeAll(async () => {
    const signer = LocalKeySigner.fromPem(vec('07-crl-chain/leaf.key'), chainPem);
    envelope = (
      await signEnvelope({
        format: 'jws',
        payload: {
          mediaType: 'application/octet-stream',
          digest: sha256(Buffer.from('x')),
          size: 1,
        },
        signer,
      })
    ).bytes;
  });
  const check = (level: Level) =>
    verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: policy({ level, stores: ['ca:crl'] }),
      trustStore: store,
      revocationChecker: checker(),
    });

  it('chain shape: leaf → IntermediateCA → RootCA with CDPs and an unreachable OCSP', () => {
    const chain = parseCertificates(chainPem.toString());
    expect(chain.map((c) => c.subject.split(',')[0])).toEqual([
      'CN=LeafCert',
      'CN=IntermediateCA',
      'CN=RootCA',
    ]);
    expect(chain[0]?.crlDistributionPoints).toEqual(['http://localhost:10086/leaf.crl']);
    expect(chain[1]?.ocspServers).toEqual(['http://localhost.test/ocsp']);
  });
  it('empty CRLs ⇒ strict OK (intermediate falls back from OCSP to CRL)', async () => {
    served['/leaf.crl'] = vec('07-crl-chain/leaf.crl');
    served['/intermediate.crl'] = vec('07-crl-chain/intermediate.crl');
    const r = await check('strict');
    expect(r.error?.message).toBeUndefined();
    expect(r.checks.find((c) => c.check === 'revocation')?.status).toBe('passed');
  });
  it('revoked leaf ⇒ strict fails, permissive warns', async () => {
    served['/leaf.crl'] = vec('07-crl-chain/leaf_revoked.crl');
    served['/intermediate.crl'] = vec('07-crl-chain/intermediate.crl');
    const strict = await check('strict');
    expect(strict.error?.code).toBe('CERT_REVOKED');
    expect(strict.error?.message).toMatch(
      /^revocation validation failed: signing certificate with subject "CN=LeafCert,.*" is revoked$/,
    );
    const permissive = await check('permissive');
    expect(permissive.ok).toBe(true);
    expect(permissive.warnings[0]).toMatch(
      /^revocation was set to "log" and failed with error: .*is revoked/,
    );
  });
  it('no CRLs served ⇒ unknown: strict fails, permissive warns, override skip passes', async () => {
    delete served['/leaf.crl'];
    delete served['/intermediate.crl'];
    const strict = await check('strict');
    expect(strict.error?.code).toBe('REVOCATION_UNKNOWN');
    expect(strict.error?.message).toMatch(/revocation status is unknown/);
    const permissive = await check('permissive');
    expect(permissive.ok).toBe(true);
    const skipped = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: policy({ stores: ['ca:crl'], override: { revocation: 'skip' } }),
      trustStore: store,
      revocationChecker: checker(),
    });
    expect(skipped.ok).toBe(true);
    expect(skipped.checks.find((c) => c.check === 'revocation')?.status).toBe('skipped');
  });
});
