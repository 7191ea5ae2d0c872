/**
 * Acceptance: every file in shared/vectors/notary gives the outcome INDEX.md lists.
 * Vectors are read in place (path relative to the repo root), never copied.
 */
import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE_COSE, MEDIA_TYPE_JWS } from '@wharf/core';
import { vec } from '../test/vectors.js';
import { policy, run, sha256, type Level } from '../test/verify-helpers.js';
import { parseEnvelope, verifyEnvelopeSignature } from './envelope/index.js';
import { parseOciTrustPolicy, selectOciPolicy, type TrustPolicyStatement } from './trust-policy.js';
import { createMemoryTrustStore } from './trust-store.js';

describe('01-alpine-selfsigned', () => {
  const store = createMemoryTrustStore({
    'ca:alpine': [vec('01-alpine-selfsigned/alpine-selfsigned.crt')],
  });
  const manifest = vec('01-alpine-selfsigned/manifest-sha256-19dbd2e4.json');
  const expected = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256(manifest),
    size: manifest.length,
  };
  it('manifest digest matches its name', () => {
    expect(expected.digest.startsWith('sha256:19dbd2e4')).toBe(true);
    expect(expected.size).toBe(481);
  });
  for (const [file, mt] of [
    ['01-alpine-selfsigned/alpine.jws.sig', MEDIA_TYPE_JWS],
    ['01-alpine-selfsigned/alpine.cose.sig', MEDIA_TYPE_COSE],
  ] as const) {
    for (const identities of [
      ['*'],
      ['x509.subject: C=US, ST=WA, O=Notary'],
      ['x509.subject: CN=alpine,O=Notary,L=Seattle,ST=WA,C=US'],
    ]) {
      it(`${file} strict OK with identities ${identities[0]}`, async () => {
        const doc = parseOciTrustPolicy({
          version: '1.0',
          trustPolicies: [
            {
              name: 'layout',
              registryScopes: ['local/oci-layout'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:alpine'],
              trustedIdentities: identities,
            },
          ],
        });
        const statement = selectOciPolicy(doc, `local/oci-layout@${expected.digest}`);
        const r = await run(file, mt, {
          policy: statement,
          trustStore: store,
          expectedArtifact: expected,
        });
        expect(r.error?.message).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.checks.map((c) => c.status)).toEqual([
          'passed',
          'passed',
          'passed',
          'passed',
          'passed',
        ]);
        expect(r.certificateChain?.[0]?.sha256Fingerprint).toBe(
          '9f5f5aecee24b5cfdc7a91f6d5ac5c3a5348feb17c934d403f59ac251549ea0d',
        );
      });
    }
    it(`${file} fails identity mismatch under authenticity`, async () => {
      const r = await run(file, mt, {
        policy: policy({
          stores: ['ca:alpine'],
          identities: ['x509.subject: C=US, ST=WA, O=Other'],
        }),
        trustStore: store,
      });
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('IDENTITY_NOT_TRUSTED');
      expect(r.error?.message).toMatch(/^authenticity validation failed/);
    });
    it(`${file} fails a different artifact`, async () => {
      const r = await run(file, mt, {
        policy: policy({ stores: ['ca:alpine'] }),
        trustStore: store,
        expectedArtifact: { ...expected, size: 482 },
      });
      expect(r.error?.code).toBe('TARGET_MISMATCH');
    });
  }
});

describe('02-mock-envelopes', () => {
  const root = vec('02-mock-envelopes/NotationTestRoot.pem');
  const store = createMemoryTrustStore({
    'ca:valid-trust-store': [root],
    'signingAuthority:valid-trust-store': [root],
  });
  const identity = ['x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US'];
  const both = ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'];
  const target = {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    digest: 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e',
    size: 528,
  };
  const ref = `registry.acme-rockets.io/software/net-monitor@${target.digest}`;
  const scoped = (level: Level, stores = both): TrustPolicyStatement => {
    const doc = parseOciTrustPolicy({
      version: '1.0',
      trustPolicies: [
        {
          name: 'net-monitor',
          registryScopes: ['registry.acme-rockets.io/software/net-monitor'],
          signatureVerification: { level },
          trustStores: stores,
          trustedIdentities: identity,
        },
      ],
    });
    return selectOciPolicy(doc, ref);
  };
  const f = (n: string): string => `02-mock-envelopes/${n}.jws.json`;

  it('the leaf has issuer DN == subject DN but is not self-signed; chain validates', () => {
    const env = parseEnvelope(vec(f('ca_valid_sig_env')), MEDIA_TYPE_JWS);
    const chain = verifyEnvelopeSignature(env);
    expect(chain[0]?.subject).toBe(chain[0]?.issuer);
    expect(chain).toHaveLength(2);
  });
  for (const level of ['strict', 'permissive', 'audit'] as const) {
    it(`ca_valid_sig_env passes at ${level}`, async () => {
      const r = await run(f('ca_valid_sig_env'), MEDIA_TYPE_JWS, {
        policy: scoped(level),
        trustStore: store,
        expectedArtifact: target,
      });
      expect(r.ok).toBe(true);
      expect(r.warnings).toEqual([]);
    });
    it(`ca_invalid_sig_env fails integrity at ${level}`, async () => {
      const r = await run(f('ca_invalid_sig_env'), MEDIA_TYPE_JWS, {
        policy: scoped(level),
        trustStore: store,
      });
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('ENVELOPE_MALFORMED');
      expect(r.error?.message).toMatch(
        /^integrity validation failed: .*illegal base64url data at input byte 242/,
      );
    });
  }
  it('ca_expired_sig_env: strict fails expiry with the notation message', async () => {
    const r = await run(f('ca_expired_sig_env'), MEDIA_TYPE_JWS, {
      policy: scoped('strict'),
      trustStore: store,
    });
    expect(r.error?.code).toBe('SIGNATURE_EXPIRED');
    expect(r.error?.message).toBe(
      'expiry validation failed: digital signature has expired on "Fri, 29 Jul 2022 23:59:00 +0000"',
    );
    expect(r.checks.find((c) => c.check === 'expiry')?.status).toBe('failed');
  });
  for (const level of ['permissive', 'audit'] as const) {
    it(`ca_expired_sig_env: ${level} passes with a logged expiry warning`, async () => {
      const r = await run(f('ca_expired_sig_env'), MEDIA_TYPE_JWS, {
        policy: scoped(level),
        trustStore: store,
      });
      expect(r.ok).toBe(true);
      expect(r.warnings).toEqual([
        'expiry was set to "log" and failed with error: digital signature has expired on "Fri, 29 Jul 2022 23:59:00 +0000"',
      ]);
    });
  }
  it('sa_valid_sig_env: strict OK with a signingAuthority store', async () => {
    const r = await run(f('sa_valid_sig_env'), MEDIA_TYPE_JWS, {
      policy: scoped('strict'),
      trustStore: store,
      expectedArtifact: target,
    });
    expect(r.ok).toBe(true);
    expect(r.envelope?.signingScheme).toBe('notary.x509.signingAuthority');
    expect(r.envelope?.authenticSigningTime?.toISOString()).toBe('2020-11-09T07:00:00.000Z');
  });
  it('sa_valid_sig_env: only ca stores ⇒ authenticity fails (no trusted certificates)', async () => {
    const r = await run(f('sa_valid_sig_env'), MEDIA_TYPE_JWS, {
      policy: scoped('strict', ['ca:valid-trust-store']),
      trustStore: store,
    });
    expect(r.error?.code).toBe('CERT_UNTRUSTED');
    expect(r.error?.message).toBe(
      'authenticity validation failed: no trusted certificates are found to verify authenticity',
    );
  });
  it('ca_plugin_sig_env: fails, a verification plugin is required', async () => {
    const r = await run(f('ca_plugin_sig_env'), MEDIA_TYPE_JWS, {
      policy: scoped('strict'),
      trustStore: store,
    });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('PLUGIN_REQUIRED');
    expect(r.error?.message).toMatch(/plugin-name/);
  });
  it('ca_incompatible_pluginver_sig_env_1.0.1: fails, plugin >= 1.0.1 required', async () => {
    const own = parseEnvelope(vec(f('ca_incompatible_pluginver_sig_env_1.0.1')), MEDIA_TYPE_JWS);
    const s = createMemoryTrustStore({ 'ca:own': [own.certificateChain[0] as Uint8Array] });
    const r = await run(f('ca_incompatible_pluginver_sig_env_1.0.1'), MEDIA_TYPE_JWS, {
      policy: policy({ stores: ['ca:own'] }),
      trustStore: s,
    });
    expect(r.error?.code).toBe('PLUGIN_REQUIRED');
    expect(r.error?.message).toMatch(/io\.cncf\.notary\.plugin\.unittest\.mock.*1\.0\.1/);
    expect(r.envelope?.verificationPluginMinVersion).toBe('1.0.1');
  });
  describe('sig_env_with_metadata', () => {
    const file = f('sig_env_with_metadata');
    const own = parseEnvelope(vec(file), MEDIA_TYPE_JWS);
    const s = createMemoryTrustStore({ 'ca:own': [own.certificateChain[0] as Uint8Array] });
    it('strict fails authenticTimestamp (cert expired, no timestamp)', async () => {
      const r = await run(file, MEDIA_TYPE_JWS, {
        policy: policy({ stores: ['ca:own'] }),
        trustStore: s,
      });
      expect(r.error?.code).toBe('CERT_EXPIRED');
      expect(r.error?.message).toMatch(
        /^authenticTimestamp validation failed: verification time is after certificate "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "/,
      );
    });
    it('passes with override authenticTimestamp=log, metadata matches', async () => {
      const p = policy({ stores: ['ca:own'], override: { authenticTimestamp: 'log' } });
      const r = await run(file, MEDIA_TYPE_JWS, {
        policy: p,
        trustStore: s,
        userMetadata: { 'io.wabbit-networks.buildId': '123' },
      });
      expect(r.ok).toBe(true);
      expect(r.warnings[0]).toMatch(/^authenticTimestamp was set to "log"/);
      expect(r.userMetadata).toEqual({
        'io.wabbit-networks.buildId': '123',
        'io.wabbit-networks.buildTime': '1672944615',
      });
      expect(r.payload?.targetArtifact.size).toBe(942);
    });
    it('fails a user-metadata mismatch', async () => {
      const p = policy({ stores: ['ca:own'], override: { authenticTimestamp: 'log' } });
      const r = await run(file, MEDIA_TYPE_JWS, {
        policy: p,
        trustStore: s,
        userMetadata: { 'io.wabbit-networks.buildId': '124' },
      });
      expect(r.error?.code).toBe('USER_METADATA_MISMATCH');
    });
  });
});
