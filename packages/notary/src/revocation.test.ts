/** OCSP against real `openssl ocsp` responses, OCSP→CRL fallback, and pure CRL checks. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE_JWS } from '@wharf/core';
import { keyPem, mintChain, pem } from '../test/pki.js';
import { vec } from '../test/vectors.js';
import { parseCertificates } from './cert.js';
import { LocalKeySigner } from './signer.js';
import { signEnvelope } from './sign.js';
import {
  checkCrl,
  createOcspRequest,
  createRevocationChecker,
  summarizeRevocation,
  type RevocationFetcher,
} from './revocation.js';
import { parseOciTrustPolicy, type TrustPolicyStatement } from './trust-policy.js';
import { createMemoryTrustStore } from './trust-store.js';
import { verify } from './verify.js';

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['ocsp', '-help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function yymmdd(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function statement(level: 'strict' | 'permissive'): TrustPolicyStatement {
  return parseOciTrustPolicy({
    version: '1.0',
    trustPolicies: [
      {
        name: 'p',
        registryScopes: ['*'],
        signatureVerification: { level },
        trustStores: ['ca:t'],
        trustedIdentities: ['*'],
      },
    ],
  }).statements[0] as TrustPolicyStatement;
}

describe.skipIf(!hasOpenssl)('OCSP with openssl ocsp responses', () => {
  const setup = (status: 'V' | 'R') => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-ocsp-'));
    const pki = mintChain('p256', {
      ocsp: 'http://127.0.0.1:9/ocsp',
      crl: 'http://127.0.0.1:9/leaf.crl',
    });
    const leaf = parseCertificates(pem(pki.chain[0] as Uint8Array))[0];
    if (!leaf) throw new Error('no leaf');
    writeFileSync(join(dir, 'inter.pem'), pem(pki.chain[1] as Uint8Array));
    writeFileSync(join(dir, 'inter.key'), keyPem(pki.interKey));
    const exp = yymmdd(new Date(Date.now() + 365 * 86400_000));
    const rev = status === 'R' ? yymmdd(new Date(Date.now() - 86400_000)) : '';
    writeFileSync(
      join(dir, 'index.txt'),
      `${status}\t${exp}\t${rev}\t${leaf.serialNumber.toUpperCase()}\tunknown\t/CN=Wharf Test Leaf\n`,
    );
    let calls = 0;
    const fetcher: RevocationFetcher = {
      fetchOcsp: (_url, request) => {
        calls++;
        writeFileSync(join(dir, 'req.der'), request);
        execFileSync(
          'openssl',
          [
            'ocsp',
            '-index',
            join(dir, 'index.txt'),
            '-CA',
            join(dir, 'inter.pem'),
            '-rsigner',
            join(dir, 'inter.pem'),
            '-rkey',
            join(dir, 'inter.key'),
            '-reqin',
            join(dir, 'req.der'),
            '-respout',
            join(dir, 'resp.der'),
            '-ndays',
            '1',
          ],
          { stdio: 'ignore' },
        );
        return Promise.resolve(new Uint8Array(readFileSync(join(dir, 'resp.der'))));
      },
      fetchCrl: () => Promise.reject(new Error('connection refused')),
    };
    return { pki, fetcher, calls: () => calls };
  };
  const signed = async (pki: ReturnType<typeof mintChain>) => {
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    return (
      await signEnvelope({
        format: 'jws',
        payload: {
          mediaType: 'application/octet-stream',
          digest: `sha256:${'1'.repeat(64)}`,
          size: 1,
        },
        signer,
      })
    ).bytes;
  };

  it('good status ⇒ strict OK (OCSP answered, no CRL needed)', async () => {
    const { pki, fetcher, calls } = setup('V');
    const r = await verify({
      envelope: await signed(pki),
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: statement('strict'),
      trustStore: createMemoryTrustStore({ 'ca:t': [pem(pki.root)] }),
      revocationChecker: createRevocationChecker(fetcher),
    });
    expect(r.error?.message).toBeUndefined();
    expect(calls()).toBe(1);
  });
  it('revoked ⇒ strict fails, permissive warns', async () => {
    const { pki, fetcher } = setup('R');
    const envelope = await signed(pki);
    const store = createMemoryTrustStore({ 'ca:t': [pem(pki.root)] });
    const r = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: statement('strict'),
      trustStore: store,
      revocationChecker: createRevocationChecker(fetcher),
    });
    expect(r.error?.code).toBe('CERT_REVOKED');
    expect(r.error?.message).toMatch(
      /^revocation validation failed: signing certificate with subject "CN=Wharf Test Leaf.*" is revoked/,
    );
    const p = await verify({
      envelope,
      envelopeMediaType: MEDIA_TYPE_JWS,
      policy: statement('permissive'),
      trustStore: store,
      revocationChecker: createRevocationChecker(fetcher),
    });
    expect(p.ok).toBe(true);
    expect(p.warnings[0]).toMatch(/revocation was set to "log"/);
  });
  it('OCSP unreachable and CRL unreachable ⇒ unknown', async () => {
    const { pki } = setup('V');
    const checker = createRevocationChecker({
      fetchOcsp: () => Promise.reject(new Error('timeout')),
      fetchCrl: () => Promise.reject(new Error('refused')),
    });
    const chain = pki.chain.map((c) => parseCertificates(pem(c))[0]!);
    const results = await checker.checkChain(chain, { now: new Date() });
    expect(results.map((x) => x.status)).toEqual(['unknown', 'nonRevocable', 'nonRevocable']);
    expect(summarizeRevocation(results).message).toMatch(
      /revocation status is unknown \(OCSP .*timeout; CRL .*refused\)/,
    );
  });
  it('an OCSP response for another issuer is refused', async () => {
    const a = setup('V');
    const b = mintChain('p256', { ocsp: 'http://127.0.0.1:9/ocsp' });
    const leafB = parseCertificates(pem(b.chain[0] as Uint8Array))[0]!;
    const interB = parseCertificates(pem(b.chain[1] as Uint8Array))[0]!;
    const resp = await a.fetcher.fetchOcsp!(
      'http://x',
      createOcspRequest(
        parseCertificates(pem(a.pki.chain[0] as Uint8Array))[0]!,
        parseCertificates(pem(a.pki.chain[1] as Uint8Array))[0]!,
      ),
    );
    const { checkOcspResponse } = await import('./revocation.js');
    expect(() => checkOcspResponse(resp, leafB, interB, { now: new Date() })).toThrow(
      /OCSP response/,
    );
  });
});

describe('CRL checks (07 vectors, pure)', () => {
  const chain = parseCertificates(vec('07-crl-chain/certchain_with_crl.pem').toString());
  const [leaf, inter, root] = chain as [
    NonNullable<(typeof chain)[0]>,
    NonNullable<(typeof chain)[0]>,
    NonNullable<(typeof chain)[0]>,
  ];
  const now = new Date();
  it('empty CRLs are good; the revoked CRL revokes serial 0x1000', () => {
    expect(leaf.serialNumber).toBe('1000');
    expect(checkCrl(vec('07-crl-chain/leaf.crl'), leaf, inter, { now })).toBe('good');
    expect(checkCrl(vec('07-crl-chain/intermediate.crl'), inter, root, { now })).toBe('good');
    expect(checkCrl(vec('07-crl-chain/leaf_revoked.crl'), leaf, inter, { now })).toBe('revoked');
  });
  it('a CRL from the wrong issuer, a tampered CRL and an expired CRL are refused', () => {
    expect(() => checkCrl(vec('07-crl-chain/leaf.crl'), leaf, root, { now })).toThrow(
      /CRL issuer does not match/,
    );
    const t = Uint8Array.from(vec('07-crl-chain/leaf.crl'));
    t[t.length - 5] = (t[t.length - 5] as number) ^ 0xff;
    expect(() => checkCrl(t, leaf, inter, { now })).toThrow(/CRL signature is invalid|malformed/);
    expect(() =>
      checkCrl(vec('07-crl-chain/leaf.crl'), leaf, inter, { now: new Date(Date.UTC(2200, 0, 1)) }),
    ).toThrow(/CRL expired/);
    expect(() => checkCrl(Uint8Array.of(0x30, 0x03, 1, 2, 3), leaf, inter, { now })).toThrow(
      /malformed/,
    );
  });
});
