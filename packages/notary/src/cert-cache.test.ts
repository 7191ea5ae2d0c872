import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPE_OCI_MANIFEST } from '@wharf/core';
import { keyPem, mint, mintChain, newKey, pem, SUBJECTS } from '../test/pki.js';
import { policy } from '../test/verify-helpers.js';
import {
  CERT_CACHE_LIMIT,
  certificateCacheSizes,
  parseCertificate,
  validateCertificateChain,
} from './cert.js';
import { signEnvelope } from './sign.js';
import { LocalKeySigner } from './signer.js';
import { createDirectoryTrustStore, createMemoryTrustStore } from './trust-store.js';
import { verify } from './verify.js';

const target = { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: `sha256:${'b'.repeat(64)}`, size: 7 };
const strict = policy({ stores: ['ca:t'] });

describe('content-keyed certificate caches', () => {
  it('stay bounded and evict the least recently used entry', () => {
    const key = newKey('p256');
    const first = mint({ subject: 'CN=first', key, ca: true });
    const kept = parseCertificate(first);
    const early = mint({ subject: 'CN=early', key, ca: true });
    const earlyParsed = parseCertificate(early);
    for (let i = 0; i < CERT_CACHE_LIMIT + 20; i++) {
      parseCertificate(mint({ subject: `CN=fill ${i}`, key, ca: true }));
      // `first` is used throughout, so it stays; `early` is not, so it is evicted.
      if (i % 100 === 0) expect(parseCertificate(first)).toBe(kept);
    }
    expect(certificateCacheSizes().parsed).toBeLessThanOrEqual(CERT_CACHE_LIMIT);
    expect(certificateCacheSizes().validChains).toBeLessThanOrEqual(CERT_CACHE_LIMIT);
    expect(parseCertificate(first)).toBe(kept);
    const again = parseCertificate(early);
    expect(again).not.toBe(earlyParsed);
    expect(again.sha256Fingerprint).toBe(earlyParsed.sha256Fingerprint);
  });

  it('does not confuse two certificates with the same subject and issuer', () => {
    const pki = mintChain('p256');
    const [leaf, inter, root] = pki.chain.map((d) => parseCertificate(d)) as [
      ReturnType<typeof parseCertificate>,
      ReturnType<typeof parseCertificate>,
      ReturnType<typeof parseCertificate>,
    ];
    validateCertificateChain([leaf, inter, root]); // cached as valid
    // Same subject and issuer name, signed by another key that calls itself the intermediate.
    const impostor = parseCertificate(
      mint({
        subject: SUBJECTS.leaf,
        key: newKey('p256', true),
        issuer: { subject: SUBJECTS.inter, key: newKey('p256', true) },
      }),
    );
    expect(impostor.subject).toBe(leaf.subject);
    expect(impostor.issuer).toBe(leaf.issuer);
    expect(impostor.sha256Fingerprint).not.toBe(leaf.sha256Fingerprint);
    expect(() => validateCertificateChain([impostor, inter, root])).toThrow(/is not issued by/);
    // The valid chain stays valid, and the impostor stays invalid on a second try.
    expect(() => validateCertificateChain([leaf, inter, root])).not.toThrow();
    expect(() => validateCertificateChain([impostor, inter, root])).toThrow(/is not issued by/);
  });

  it('keep no trust decision: a changed trust store and a later time are seen at once', async () => {
    const pki = mintChain('p256');
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    const env = await signEnvelope({ format: 'jws', payload: target, signer });
    const run = (trustStore: ReturnType<typeof createMemoryTrustStore>, now?: Date) =>
      verify({
        envelope: env.bytes,
        envelopeMediaType: env.mediaType,
        policy: strict,
        trustStore,
        expectedArtifact: target,
        ...(now ? { now } : {}),
      });
    expect((await run(createMemoryTrustStore({ 'ca:t': [pem(pki.root)] }))).ok).toBe(true);
    // Another root with the same subject DN: the chain (cached as valid) is no longer trusted.
    const other = mintChain('p256');
    const r = await run(createMemoryTrustStore({ 'ca:t': [pem(other.root)] }));
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('CERT_UNTRUSTED');
    // Validity time is checked on every call, not cached with the chain.
    const late = await run(
      createMemoryTrustStore({ 'ca:t': [pem(pki.root)] }),
      new Date(Date.now() + 20 * 365 * 86_400_000),
    );
    expect(late.ok).toBe(false);
    expect(late.error?.code).toBe('CERT_EXPIRED');
  });

  describe('directory trust store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-cert-cache-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('rereads the files on each call: replacing the root is seen by the next verify', async () => {
      const pki = mintChain('p256');
      const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
      const env = await signEnvelope({ format: 'cose', payload: target, signer });
      const storeDir = join(dir, 'x509', 'ca', 't');
      mkdirSync(storeDir, { recursive: true });
      writeFileSync(join(storeDir, 'root.pem'), pem(pki.root));
      const trustStore = createDirectoryTrustStore(dir);
      const run = () =>
        verify({
          envelope: env.bytes,
          envelopeMediaType: env.mediaType,
          policy: strict,
          trustStore,
          expectedArtifact: target,
        });
      expect((await run()).ok).toBe(true);
      writeFileSync(join(storeDir, 'root.pem'), pem(mintChain('p256').root));
      const r = await run();
      expect(r.error?.code).toBe('CERT_UNTRUSTED');
      writeFileSync(join(storeDir, 'root.pem'), pem(pki.root));
      expect((await run()).ok).toBe(true);
    });
  });
});
