import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { mint, newKey, pem } from '../test/pki.js';
import { vec } from '../test/vectors.js';
import { parseDistinguishedName, subjectMatchesIdentity } from './dn.js';
import {
  LEVEL_ACTIONS,
  parseBlobTrustPolicy,
  parseOciTrustPolicy,
  selectOciPolicy,
} from './trust-policy.js';
import { createDirectoryTrustStore, createMemoryTrustStore } from './trust-store.js';

const stmt = (o: Record<string, unknown>): Record<string, unknown> => ({
  name: 's',
  registryScopes: ['registry.example.com/app'],
  signatureVerification: { level: 'strict' },
  trustStores: ['ca:acme'],
  trustedIdentities: ['*'],
  ...o,
});
const doc = (...statements: Record<string, unknown>[]): unknown => ({
  version: '1.0',
  trustPolicies: statements,
});
const invalid = (d: unknown, msg: RegExp): void => {
  let err: unknown;
  try {
    parseOciTrustPolicy(d);
  } catch (e) {
    err = e;
  }
  expect(isWharfError(err, 'POLICY_INVALID')).toBe(true);
  expect((err as Error).message).toMatch(msg);
};

describe('OCI trust policy validation', () => {
  it('accepts the notary.md example and applies overrides to the level table', () => {
    const d = parseOciTrustPolicy(
      doc(
        stmt({
          name: 'wabbit-networks-images',
          registryScopes: ['registry.acme-rockets.io/software/net-monitor'],
          signatureVerification: {
            level: 'strict',
            override: { expiry: 'log' },
            verifyTimestamp: 'afterCertExpiry',
          },
          trustStores: ['ca:wabbit-networks', 'tsa:publicly-trusted-tsa'],
          trustedIdentities: [
            'x509.subject: C=US, ST=WA, L=Seattle, O=wabbit-networks.io, OU=Security Tools',
          ],
        }),
      ),
    );
    const s = d.statements[0];
    expect(s?.actions).toEqual({ ...LEVEL_ACTIONS.strict, expiry: 'log' });
    expect(s?.verifyTimestamp).toBe('afterCertExpiry');
    expect(s?.trustedSubjects[0]?.get('OU')).toBe('Security Tools');
  });
  it('level table is exactly the spec table', () => {
    expect(LEVEL_ACTIONS.permissive).toEqual({
      integrity: 'enforce',
      authenticity: 'enforce',
      authenticTimestamp: 'log',
      expiry: 'log',
      revocation: 'log',
    });
    expect(LEVEL_ACTIONS.audit).toEqual({
      integrity: 'enforce',
      authenticity: 'log',
      authenticTimestamp: 'log',
      expiry: 'log',
      revocation: 'log',
    });
  });
  it('rejects malformed documents with messages naming the field', () => {
    invalid({ version: '2.0', trustPolicies: [stmt({})] }, /version must be "1\.0"/);
    invalid(doc(), /at least one statement/);
    invalid(
      doc(stmt({}), stmt({ registryScopes: ['registry.example.com/other'] })),
      /multiple statements named "s"/,
    );
    invalid(
      doc(stmt({ signatureVerification: { level: 'lenient' } })),
      /signatureVerification\.level/,
    );
    invalid(
      doc(stmt({ signatureVerification: { level: 'strict', override: { integrity: 'log' } } })),
      /override/,
    );
    invalid(
      doc(stmt({ signatureVerification: { level: 'strict', override: { expiry: 'skip' } } })),
      /override\.expiry/,
    );
    invalid(
      doc(stmt({ signatureVerification: { level: 'skip', override: { revocation: 'log' } } })),
      /level skip cannot have overrides/,
    );
    invalid(
      doc(stmt({ signatureVerification: { level: 'skip' } })),
      /level skip must not have trustStores/,
    );
    invalid(doc(stmt({ trustStores: [] })), /trustStores is required/);
    invalid(doc(stmt({ trustedIdentities: [] })), /trustedIdentities is required/);
    invalid(doc(stmt({ trustStores: ['cert:acme'] })), /trust store "cert:acme"/);
    invalid(doc(stmt({ trustStores: ['ca:a/b'] })), /trust store "ca:a\/b"/);
    invalid(
      doc(stmt({ registryScopes: ['*', 'registry.example.com/app'] })),
      /"\*" must be the only scope/,
    );
    invalid(doc(stmt({}), stmt({ name: 't' })), /used by more than one statement/);
    invalid(doc(stmt({ registryScopes: ['registry.example.com/app:v1'] })), /is not valid/);
    invalid(doc(stmt({ registryScopes: ['registry.example.com/'] })), /is not valid/);
    invalid(doc(stmt({ registryScopes: ['registry.example.com/App'] })), /is not valid/);
    invalid(doc(stmt({ registryScopes: ['registry.example.com/*'] })), /is not valid/);
    invalid(
      doc(stmt({ trustedIdentities: ['*', 'x509.subject: C=US, ST=WA, O=x'] })),
      /"\*" must be the only entry/,
    );
    invalid(doc(stmt({ trustedIdentities: ['x509.subject: C=US, O=x'] })), /ST is missing/);
    invalid(
      doc(stmt({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=x+OU=y'] })),
      /multi-valued/,
    );
    invalid(
      doc(stmt({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=#0101'] })),
      /hex-encoded/,
    );
    invalid(
      doc(stmt({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=x, O=y'] })),
      /duplicate attribute type O/,
    );
    invalid(
      doc(
        stmt({
          trustedIdentities: [
            'x509.subject: C=US, ST=WA, O=x',
            'x509.subject: C=US, ST=WA, O=x, CN=y',
          ],
        }),
      ),
      /overlap/,
    );
    invalid('{not json', /not valid JSON/);
    invalid(doc(stmt({ extra: 1 })), /Unrecognized key|extra/);
  });
  it('selects exact scope over "*", requires a digest', () => {
    const d = parseOciTrustPolicy(
      doc(stmt({ name: 'exact' }), stmt({ name: 'global', registryScopes: ['*'] })),
    );
    expect(selectOciPolicy(d, 'registry.example.com/app@sha256:abc').name).toBe('exact');
    expect(selectOciPolicy(d, 'registry.example.com/other@sha256:abc').name).toBe('global');
    expect(() => selectOciPolicy(d, 'registry.example.com/app:v1')).toThrow(
      /must contain a digest/,
    );
    expect(selectOciPolicy(d, 'localhost:5000/app@sha256:abc').name).toBe('global');
  });
  it('accepts ports, nested repositories and OCI-layout pseudo scopes', () => {
    const d = parseOciTrustPolicy(
      doc(stmt({ registryScopes: ['localhost:5000/a/b-c/d__e', 'local/hello-world'] })),
    );
    expect(d.statements[0]?.registryScopes).toHaveLength(2);
  });
  it('blob policy: one global statement, no registryScopes', () => {
    const blob = (statements: Record<string, unknown>[]): unknown => ({
      version: '1.0',
      trustPolicies: statements,
    });
    const base = {
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:x'],
      trustedIdentities: ['*'],
    };
    expect(() =>
      parseBlobTrustPolicy(
        blob([
          { name: 'a', globalPolicy: true, ...base },
          { name: 'b', globalPolicy: true, ...base },
        ]),
      ),
    ).toThrow(/at most one statement/);
    expect(() =>
      parseBlobTrustPolicy(blob([{ name: 'a', registryScopes: ['*'], ...base }])),
    ).toThrow(/registryScopes|Unrecognized/);
    expect(
      parseBlobTrustPolicy(vec('05-e2e-misc/trustpolicy.blob.e2e.json')).statements,
    ).toHaveLength(3);
  });
});

describe('distinguished names', () => {
  it('parses RFC 4514 with spaces, escapes and the S alias', () => {
    const m = parseDistinguishedName(' C = US , S=WA, O=Acme\\, Inc., CN=\\ lead\\  ', true);
    expect([...m]).toEqual([
      ['C', 'US'],
      ['ST', 'WA'],
      ['O', 'Acme, Inc.'],
      ['CN', ' lead '],
    ]);
  });
  it('matches a subset of the leaf subject (case-sensitive)', () => {
    const ids = [parseDistinguishedName('C=US, ST=WA, O=Notary', true)];
    expect(subjectMatchesIdentity('CN=alpine,O=Notary,L=Seattle,ST=WA,C=US', ids)).toBe(true);
    expect(subjectMatchesIdentity('CN=alpine,O=notary,L=Seattle,ST=WA,C=US', ids)).toBe(false);
    expect(subjectMatchesIdentity('CN=alpine,O=Notary', ids)).toBe(false);
  });
});

describe('trust stores', () => {
  const root = mint({ subject: 'C=US,ST=WA,O=T,CN=Root', key: newKey('p256', true), ca: true });
  const leafKey = newKey('p256', true);
  const nonCa = mint({
    subject: 'C=US,ST=WA,O=T,CN=Leaf',
    key: leafKey,
    issuer: { subject: 'C=US,ST=WA,O=T,CN=Root', key: newKey('p256', true) },
  });
  it('directory layout x509/{type}/{name}/*, PEM and DER, several certs per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-ts-'));
    const d = join(dir, 'x509', 'ca', 'acme');
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, 'a.pem'),
      pem(root) + vec('01-alpine-selfsigned/alpine-selfsigned.crt').toString(),
    );
    writeFileSync(join(d, 'b.cer'), root);
    writeFileSync(join(d, 'c.crt'), vec('02-mock-envelopes/NotationTestRoot.pem'));
    const store = createDirectoryTrustStore(dir);
    expect(await store.certificates('ca', 'acme')).toHaveLength(4);
    await expect(store.certificates('ca', 'missing')).rejects.toThrow(/does not exist/);
    await expect(store.certificates('ca', '../x')).rejects.toThrow(/invalid trust store name/);
    const empty = join(dir, 'x509', 'tsa', 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(store.certificates('tsa', 'empty')).rejects.toThrow(
      /no x509 certificates were found/,
    );
    mkdirSync(join(d, 'sub'));
    await expect(store.certificates('ca', 'acme')).rejects.toThrow(/is a directory/);
  });
  it('symlinks are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-ts-'));
    const d = join(dir, 'x509', 'ca', 'acme');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(dir, 'real.pem'), pem(root));
    symlinkSync(join(dir, 'real.pem'), join(d, 'link.pem'));
    await expect(createDirectoryTrustStore(dir).certificates('ca', 'acme')).rejects.toThrow(
      /symlink/,
    );
  });
  it('store certificates must be CA or self-signed; tsa stores self-signed roots', async () => {
    const s = createMemoryTrustStore({ 'ca:leaf': [nonCa], 'tsa:ok': [root], 'ca:junk': [] });
    await expect(s.certificates('ca', 'leaf')).rejects.toThrow(/neither a CA nor self-signed/);
    expect(await s.certificates('tsa', 'ok')).toHaveLength(1);
    await expect(s.certificates('ca', 'junk')).rejects.toThrow(/no x509 certificates/);
  });
});
