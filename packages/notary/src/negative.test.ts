/** The issue's negative set, alg confusion, and seeded mutation fuzzing of envelopes and certs. */
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWharfError, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS } from '@wharf/core';
import { keyPem, mint, mintChain, newKey, pem, SUBJECTS, type TestChain } from '../test/pki.js';
import { signWithKey } from './algorithms.js';
import { decodeCbor, encodeCbor, CborTag } from './cbor.js';
import { prepareCose } from './envelope/cose.js';
import { parseEnvelope } from './envelope/index.js';
import { prepareJws } from './envelope/jws.js';
import { NotaryError } from './errors.js';
import { encodePayload } from './payload.js';
import { LocalKeySigner } from './signer.js';
import { signEnvelope } from './sign.js';
import { parseOciTrustPolicy, selectOciPolicy, type TrustPolicyStatement } from './trust-policy.js';
import { createMemoryTrustStore, type TrustStore } from './trust-store.js';
import { verify, type VerificationResult } from './verify.js';

const target = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 10,
};

function statement(
  level: 'strict' | 'permissive' | 'audit' | 'skip',
  identities = ['*'],
  scope = '*',
): TrustPolicyStatement {
  return parseOciTrustPolicy({
    version: '1.0',
    trustPolicies: [
      level === 'skip'
        ? { name: 'p', registryScopes: [scope], signatureVerification: { level } }
        : {
            name: 'p',
            registryScopes: [scope],
            signatureVerification: { level },
            trustStores: ['ca:t'],
            trustedIdentities: identities,
          },
    ],
  }).statements[0] as TrustPolicyStatement;
}

let pki: TestChain;
let store: TrustStore;
let jws: Uint8Array;
let cose: Uint8Array;

const check = (
  bytes: Uint8Array,
  mt: string,
  policy = statement('strict'),
  s = store,
): Promise<VerificationResult> =>
  verify({
    envelope: bytes,
    envelopeMediaType: mt,
    policy,
    trustStore: s,
    expectedArtifact: target,
  });

beforeAll(async () => {
  pki = mintChain('p256');
  store = createMemoryTrustStore({ 'ca:t': [pem(pki.root)] });
  const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
  jws = (await signEnvelope({ format: 'jws', payload: target, signer })).bytes;
  cose = (await signEnvelope({ format: 'cose', payload: target, signer })).bytes;
});

type Jws = {
  payload: string;
  protected: string;
  header: Record<string, unknown>;
  signature: string;
};
const jwsObj = (b: Uint8Array): Jws => JSON.parse(Buffer.from(b).toString()) as Jws;
const jwsBytes = (o: Jws): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(o)));
const b64u = (s: string): string => Buffer.from(s).toString('base64url');
const unb64u = (s: string): string => Buffer.from(s, 'base64url').toString();

describe('negative set', () => {
  it('valid envelopes verify (control)', async () => {
    expect((await check(jws, MEDIA_TYPE_JWS)).ok).toBe(true);
    expect((await check(cose, MEDIA_TYPE_COSE)).ok).toBe(true);
  });
  it('tampered JWS payload / header / signature fail integrity', async () => {
    const o = jwsObj(jws);
    const payload = jwsObj(jws);
    payload.payload = b64u(unb64u(o.payload).replace('"size":10', '"size":11'));
    const header = jwsObj(jws);
    header.protected = b64u(unb64u(o.protected).replace('"notary.x509"', '"notary.x509" '));
    const sig = jwsObj(jws);
    const s = Buffer.from(o.signature, 'base64url');
    s[5] = (s[5] as number) ^ 1;
    sig.signature = s.toString('base64url');
    for (const t of [payload, header, sig]) {
      for (const level of ['strict', 'permissive', 'audit'] as const) {
        const r = await check(jwsBytes(t), MEDIA_TYPE_JWS, statement(level));
        expect(r.ok).toBe(false);
        expect(r.error?.code).toBe('SIGNATURE_INVALID');
        expect(r.error?.message).toMatch(/^integrity validation failed: signature is invalid/);
      }
    }
  });
  it('tampered COSE payload / protected header / signature fail integrity', async () => {
    const top = decodeCbor(cose) as CborTag;
    const [prot, unprot, payload, sig] = top.value as [
      Uint8Array,
      Map<number, unknown>,
      Uint8Array,
      Uint8Array,
    ];
    const flip = (b: Uint8Array, i: number): Uint8Array => {
      const c = Uint8Array.from(b);
      c[i] = (c[i] as number) ^ 1;
      return c;
    };
    const p2 = Uint8Array.from(
      Buffer.from(Buffer.from(payload).toString().replace('"size":10', '"size":11')),
    );
    const ph = decodeCbor(prot) as Map<string | number, never>;
    ph.set('com.example.added', 'x' as never);
    const variants = [
      [prot, unprot, p2, sig],
      [encodeCbor(ph), unprot, payload, sig],
      [prot, unprot, payload, flip(sig, 3)],
    ];
    for (const v of variants) {
      const r = await check(encodeCbor(new CborTag(18, v as never)), MEDIA_TYPE_COSE);
      expect(r.error?.code).toBe('SIGNATURE_INVALID');
      expect(r.error?.message).toMatch(/^integrity validation failed/);
    }
  });
  it('untrusted root fails authenticity (strict/permissive), is logged at audit', async () => {
    const other = createMemoryTrustStore({
      'ca:t': [
        pem(mint({ subject: 'C=US,ST=WA,O=X,CN=Other Root', key: newKey('p256', true), ca: true })),
      ],
    });
    const strict = await check(jws, MEDIA_TYPE_JWS, statement('strict'), other);
    expect(strict.error?.code).toBe('CERT_UNTRUSTED');
    expect(strict.error?.message).toBe(
      "authenticity validation failed: the signature's certificate chain does not contain any trusted certificate",
    );
    expect((await check(jws, MEDIA_TYPE_JWS, statement('permissive'), other)).ok).toBe(false);
    const audit = await check(jws, MEDIA_TYPE_JWS, statement('audit'), other);
    expect(audit.ok).toBe(true);
    expect(audit.warnings[0]).toMatch(/^authenticity was set to "log" and failed with error: /);
  });
  it('a leaf without codeSigning fails integrity (certificate rules)', async () => {
    const bad = mintChain('p256', { eku: ['1.3.6.1.5.5.7.3.2'] });
    const p = prepareJws({
      payload: encodePayload(target),
      algorithm: 'ECDSA-SHA-256',
      signingScheme: 'notary.x509',
      signingTime: new Date(),
    });
    const env = p.finish(signWithKey(bad.leafKey, 'ECDSA-SHA-256', p.signingInput), bad.chain);
    const r = await check(
      env,
      MEDIA_TYPE_JWS,
      statement('strict'),
      createMemoryTrustStore({ 'ca:t': [pem(bad.root)] }),
    );
    expect(r.error?.code).toBe('CERT_CHAIN_INVALID');
    expect(r.error?.message).toMatch(
      /^integrity validation failed: signing certificate .* extended key usage 1\.3\.6\.1\.5\.5\.7\.3\.2 is not allowed/,
    );
  });
  it('a CA leaf, missing key usage and SHA-1 certs are refused', async () => {
    for (const [over, msg] of [
      [{ ca: true }, /must not be a CA/],
      [{ keyUsage: null }, /has no key usage extension/],
      [{ keyUsageCritical: false }, /key usage extension is not critical/],
      [{ keyUsage: 1 | 4 }, /usage other than digitalSignature/],
      [{ sigAlg: 'sha1' as const }, /unsupported or weak algorithm 1\.2\.840\.10045\.4\.1/],
    ] as const) {
      const bad = mintChain('p256', over);
      const p = prepareCose({
        payload: encodePayload(target),
        algorithm: 'ECDSA-SHA-256',
        signingScheme: 'notary.x509',
        signingTime: new Date(),
      });
      const env = p.finish(signWithKey(bad.leafKey, 'ECDSA-SHA-256', p.signingInput), bad.chain);
      const r = await check(
        env,
        MEDIA_TYPE_COSE,
        statement('strict'),
        createMemoryTrustStore({ 'ca:t': [pem(bad.root)] }),
      );
      expect(r.error?.code).toBe('CERT_CHAIN_INVALID');
      expect(r.error?.message).toMatch(msg);
    }
  });
  it('a chain in the wrong order or with an unrelated cert is refused', async () => {
    const p = prepareJws({
      payload: encodePayload(target),
      algorithm: 'ECDSA-SHA-256',
      signingScheme: 'notary.x509',
      signingTime: new Date(),
    });
    const sig = signWithKey(pki.leafKey, 'ECDSA-SHA-256', p.signingInput);
    const swapped = p.finish(sig, [
      pki.chain[0] as Uint8Array,
      pki.chain[2] as Uint8Array,
      pki.chain[1] as Uint8Array,
    ]);
    expect((await check(swapped, MEDIA_TYPE_JWS)).error?.message).toMatch(/is not issued by/);
    const leafOnly = p.finish(sig, [pki.chain[0] as Uint8Array]);
    expect((await check(leafOnly, MEDIA_TYPE_JWS)).error?.message).toMatch(
      /must end in a self-signed root/,
    );
  });
  it('an expired leaf without a timestamp fails authenticTimestamp; permissive logs it', async () => {
    const old = mintChain('p256', {
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const signer = LocalKeySigner.fromPem(keyPem(old.leafKey), old.chain.map(pem).join(''));
    const env = (
      await signEnvelope({
        format: 'jws',
        payload: target,
        signer,
        signingTime: new Date(Date.now() - 2 * 86400_000),
      })
    ).bytes;
    const s = createMemoryTrustStore({ 'ca:t': [pem(old.root)] });
    const r = await check(env, MEDIA_TYPE_JWS, statement('strict'), s);
    expect(r.error?.code).toBe('CERT_EXPIRED');
    expect(r.error?.message).toMatch(
      /^authenticTimestamp validation failed: verification time is after certificate "CN=Wharf Test Leaf/,
    );
    const p = await check(env, MEDIA_TYPE_JWS, statement('permissive'), s);
    expect(p.ok).toBe(true);
    expect(p.warnings[0]).toMatch(/^authenticTimestamp was set to "log"/);
  });
  it('an expired signature fails expiry', async () => {
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    const env = (
      await signEnvelope({
        format: 'cose',
        payload: target,
        signer,
        signingTime: new Date(Date.now() - 7200_000),
        expiry: new Date(Date.now() - 3600_000),
      })
    ).bytes;
    const r = await check(env, MEDIA_TYPE_COSE);
    expect(r.error?.code).toBe('SIGNATURE_EXPIRED');
    expect(r.error?.message).toMatch(
      /^expiry validation failed: digital signature has expired on "/,
    );
  });
  it('identity mismatch fails authenticity', async () => {
    const r = await check(
      jws,
      MEDIA_TYPE_JWS,
      statement('strict', ['x509.subject: C=US, ST=WA, O=Wharf Test, OU=Other']),
    );
    expect(r.error?.code).toBe('IDENTITY_NOT_TRUSTED');
    expect(r.error?.message).toMatch(
      /^authenticity validation failed: signing certificate from the digital signature does not match the X\.509 trusted identities/,
    );
    const ok = await check(
      jws,
      MEDIA_TYPE_JWS,
      statement('strict', [`x509.subject: ${SUBJECTS.leaf.replace(/,/g, ', ')}`]),
    );
    expect(ok.ok).toBe(true);
  });
  it('scope mismatch: no applicable policy', () => {
    const doc = parseOciTrustPolicy({
      version: '1.0',
      trustPolicies: [
        {
          name: 'p',
          registryScopes: ['registry.example.com/app'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:t'],
          trustedIdentities: ['*'],
        },
      ],
    });
    expect(() => selectOciPolicy(doc, `registry.example.com/other@${target.digest}`)).toThrow(
      /has no applicable oci trust policy statement/,
    );
    expect(selectOciPolicy(doc, `registry.example.com/app@${target.digest}`).name).toBe('p');
  });
  it('skip level returns success without checking anything', async () => {
    const r = await check(Uint8Array.of(1, 2, 3), MEDIA_TYPE_JWS, statement('skip'));
    expect(r.ok).toBe(true);
    expect(r.checks.every((c) => c.status === 'skipped')).toBe(true);
  });
});

describe('algorithm confusion is refused', () => {
  const forge = (alg: string, sign: (input: Buffer) => Buffer): Uint8Array => {
    const o = jwsObj(jws);
    const h = JSON.parse(unb64u(o.protected)) as Record<string, unknown>;
    h.alg = alg;
    o.protected = b64u(JSON.stringify(h));
    o.signature = sign(Buffer.from(`${o.protected}.${o.payload}`)).toString('base64url') || 'AA';
    return jwsBytes(o);
  };
  it('alg none, HS256 (public key as HMAC secret), RS256', async () => {
    const leafPub = Buffer.from(pki.chain[0] as Uint8Array);
    for (const [alg, signer] of [
      ['none', () => Buffer.alloc(0)],
      ['HS256', (i: Buffer) => createHmac('sha256', leafPub).update(i).digest()],
      ['RS256', () => Buffer.alloc(256, 1)],
      ['EdDSA', () => Buffer.alloc(64, 1)],
    ] as const) {
      const r = await check(forge(alg, signer), MEDIA_TYPE_JWS);
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('UNSUPPORTED_ALGORITHM');
      expect(r.error?.message).toMatch(
        /^integrity validation failed: JWS envelope: algorithm check: alg ".*" is not supported/,
      );
    }
  });
  it('a header alg that does not match the key (ES384 with a P-256 key) is refused', async () => {
    const r = await check(
      forge('ES384', (i) => Buffer.from(signWithKey(pki.leafKey, 'ECDSA-SHA-256', i))),
      MEDIA_TYPE_JWS,
    );
    expect(r.error?.code).toBe('UNSUPPORTED_ALGORITHM');
    expect(r.error?.message).toMatch(
      /algorithm check: signing key EC-256 requires ECDSA-SHA-256 but the envelope declares ECDSA-SHA-384/,
    );
  });
  it('COSE alg mismatch (PS256 label with an EC key) and unknown alg labels are refused', async () => {
    const top = decodeCbor(cose) as CborTag;
    const [prot, ...rest] = top.value as [Uint8Array, ...unknown[]];
    for (const alg of [-37, -257, 5, 0]) {
      const ph = decodeCbor(prot) as Map<number | string, never>;
      ph.set(1, alg as never);
      const r = await check(
        encodeCbor(new CborTag(18, [encodeCbor(ph), ...rest] as never)),
        MEDIA_TYPE_COSE,
      );
      expect(r.error?.code).toBe('UNSUPPORTED_ALGORITHM');
      expect(r.error?.message).toMatch(/algorithm check/);
    }
  });
  it('keys outside the table are refused for signing (RSA-1024, Ed25519)', () => {
    for (const kind of ['rsa1024', 'ed25519'] as const) {
      const c = mintChain(kind);
      expect(() =>
        LocalKeySigner.fromPem(keyPem(c.leafKey), pem(c.chain[0] as Uint8Array)),
      ).toThrow(/key check: .* not supported/);
    }
  });
});

/** mulberry32: small seeded PRNG for deterministic fuzzing. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  const b = Uint8Array.from(input);
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(rnd() * b.length);
    const op = rnd();
    if (op < 0.6) b[pos] = ((b[pos] as number) + 1 + Math.floor(rnd() * 255)) & 0xff;
    else if (op < 0.8) b[pos] = (b[pos] as number) ^ (1 << Math.floor(rnd() * 8));
    else
      return Uint8Array.from([
        ...b.subarray(0, pos),
        ...b.subarray(pos + 1 + Math.floor(rnd() * 4)),
      ]);
  }
  return b;
}

describe('seeded mutation fuzzing never crashes and never verifies a modified signed part', () => {
  const fuzz = async (
    name: string,
    original: Uint8Array,
    mt: string,
    iterations: number,
    seed: number,
  ): Promise<void> => {
    const ref = parseEnvelope(original, mt);
    const rnd = prng(seed);
    let verified = 0;
    for (let i = 0; i < iterations; i++) {
      const m = mutate(original, rnd);
      let r: VerificationResult;
      try {
        r = await check(m, mt);
      } catch (err) {
        throw new Error(`${name} #${i}: verify threw ${String(err)}`, { cause: err });
      }
      if (r.ok) {
        // Only unsigned attributes (e.g. the signing agent) may differ.
        const env = r.envelope;
        expect(env && Buffer.from(env.signedInput).equals(Buffer.from(ref.signedInput))).toBe(true);
        expect(env && Buffer.from(env.signature).equals(Buffer.from(ref.signature))).toBe(true);
        expect(env?.certificateChain.map((c) => Buffer.from(c).toString('hex'))).toEqual(
          ref.certificateChain.map((c) => Buffer.from(c).toString('hex')),
        );
        verified++;
      } else {
        expect(r.error).toBeInstanceOf(NotaryError);
        expect(isWharfError(r.error)).toBe(true);
        expect(r.error?.message).toMatch(
          /^(integrity|authenticity|expiry|authenticTimestamp|revocation|plugin) validation failed|^target artifact check failed/,
        );
      }
    }
    expect(verified).toBeLessThan(iterations / 4);
  };
  it('JWS: 1200 mutations', async () => fuzz('jws', jws, MEDIA_TYPE_JWS, 1200, 0x5eed1), 120_000);
  it(
    'COSE: 1000 mutations',
    async () => fuzz('cose', cose, MEDIA_TYPE_COSE, 1000, 0x5eed2),
    120_000,
  );
  it('certificates: 600 mutations of each chain certificate inside valid envelopes', async () => {
    const rnd = prng(0x5eed3);
    const p = prepareCose({
      payload: encodePayload(target),
      algorithm: 'ECDSA-SHA-256',
      signingScheme: 'notary.x509',
      signingTime: new Date(),
    });
    const sig = signWithKey(pki.leafKey, 'ECDSA-SHA-256', p.signingInput);
    for (let i = 0; i < 600; i++) {
      const which = i % 3;
      const chain = pki.chain.map((c, j) => (j === which ? mutate(c, rnd) : c));
      const r = await check(p.finish(sig, chain), MEDIA_TYPE_COSE);
      if (r.ok) throw new Error(`mutated certificate #${i} verified`);
      expect(r.error).toBeInstanceOf(NotaryError);
    }
  }, 120_000);
});
