/**
 * The sign/verify workflow against real peers: Wharf signs in CNCF distribution v3 (no referrers
 * API: tag schema) and in OCI layouts, notation v1.3.2 verifies; notation signs, Wharf verifies;
 * and the negative set gives the same verdict and failing check in both. One registry process for
 * the file.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutStore, pushBytes } from '@wharf/content';
import { MEDIA_TYPE_OCI_MANIFEST, type Descriptor } from '@wharf/core';
import { LocalKeySigner, encodePayload, prepareJws, signWithKey, type Signer } from '@wharf/notary';
import { Registry, type RemoteRepository } from '@wharf/registry-client';
import { requirePeer, startDistribution, type RunningDistribution } from '@wharf/testkit';
import { keyPem, mintChain, pem, type KeyKind } from '../../notary/test/pki.js';
import { createOpensslTsa, hasOpensslTs } from '../../notary/test/tsa.js';
import {
  failedCheck,
  listSignatures,
  fetchSignature,
  notationPaths,
  openTrustStore,
  loadOciTrustPolicy,
  signArtifact,
  verifyArtifact,
  buildSignatureManifest,
  type SignArtifactOptions,
} from './index.js';

const notation1 = requirePeer('notation1');
const registryBin = requirePeer('registry');
const IDENTITY =
  'x509.subject: C=US, ST=WA, L=Seattle, O=Wharf Test, OU=Signing, CN=Wharf Test Leaf';

interface Env {
  readonly dir: string;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
}

function newEnv(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-notation-wf-'));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    HOME: dir,
    NOTATION_EXPERIMENTAL: '1',
  };
  const config = join(dir, 'config', 'notation');
  mkdirSync(config, { recursive: true });
  return { dir, config, env };
}

function run(e: Env, args: string[]): { code: number; out: string } {
  const r = spawnSync(notation1 as string, args, { env: e.env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function addStore(e: Env, type: string, name: string, certs: readonly Uint8Array[]): void {
  const d = join(e.config, 'truststore', 'x509', type, name);
  mkdirSync(d, { recursive: true });
  certs.forEach((c, i) => writeFileSync(join(d, `cert${i}.pem`), pem(c)));
}

function writePolicy(
  e: Env,
  scope: string,
  stores: string[],
  extra: Record<string, unknown> = {},
  identities = [IDENTITY],
): void {
  // notation v1.3.2 reads trustpolicy.json (1.x name); Wharf reads it as the fallback too.
  writeFileSync(
    join(e.config, 'trustpolicy.json'),
    JSON.stringify({
      version: '1.0',
      trustPolicies: [
        {
          name: 'wharf',
          registryScopes: [scope],
          signatureVerification: { level: 'strict', ...extra },
          ...(extra['level'] === 'skip'
            ? {}
            : { trustStores: stores, trustedIdentities: identities }),
        },
      ],
    }),
  );
}

async function wharfVerify(
  e: Env,
  source: Parameters<typeof verifyArtifact>[0]['source'],
  subject: Descriptor,
  scope: string,
  userMetadata?: Record<string, string>,
) {
  const paths = notationPaths(e.env);
  return verifyArtifact({
    source,
    subject,
    scope,
    policy: (await loadOciTrustPolicy(paths)).document,
    trustStore: openTrustStore(paths),
    ...(userMetadata ? { userMetadata } : {}),
  });
}

/** Pushes a small random image manifest. */
async function pushImage(target: Parameters<typeof pushBytes>[0]): Promise<Descriptor> {
  const config = new TextEncoder().encode(
    JSON.stringify({ nonce: randomBytes(8).toString('hex') }),
  );
  const cfg = await pushBytes(target, 'application/vnd.oci.image.config.v1+json', config);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: cfg,
      layers: [],
    }),
  );
  return pushBytes(target, MEDIA_TYPE_OCI_MANIFEST, manifest);
}

type Variant = 'x509+expiry+metadata' | 'signingAuthority' | 'timestamp';
const MATRIX: [KeyKind, 'jws' | 'cose'][] = [
  ['rsa3072', 'jws'],
  ['rsa3072', 'cose'],
  ['p256', 'jws'],
  ['p256', 'cose'],
];
const VARIANTS: readonly Variant[] = hasOpensslTs()
  ? ['x509+expiry+metadata', 'signingAuthority', 'timestamp']
  : ['x509+expiry+metadata', 'signingAuthority'];

function prepare(e: Env, kind: KeyKind, variant: Variant) {
  const pki = mintChain(kind);
  const signer: Signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
  if (variant === 'x509+expiry+metadata') {
    addStore(e, 'ca', 'wharf', [pki.root]);
    return {
      signer,
      opts: { expiry: new Date(Date.now() + 3600_000), userMetadata: { 'com.example.build': '7' } },
      stores: ['ca:wharf'],
      extra: {},
      metadata: { 'com.example.build': '7' } as Record<string, string>,
    };
  }
  if (variant === 'signingAuthority') {
    addStore(e, 'signingAuthority', 'wharf', [pki.root]);
    return {
      signer,
      opts: { signingScheme: 'notary.x509.signingAuthority' as const },
      stores: ['signingAuthority:wharf'],
      extra: {},
      metadata: undefined,
    };
  }
  const tsa = createOpensslTsa();
  addStore(e, 'ca', 'wharf', [pki.root]);
  addStore(e, 'tsa', 'wharf', [tsa.root]);
  return {
    signer,
    opts: { timestamper: tsa.timestamper, timestampRoots: [tsa.root] },
    stores: ['ca:wharf', 'tsa:wharf'],
    extra: { verifyTimestamp: 'always' },
    metadata: undefined,
  };
}

let dist: RunningDistribution | undefined;
let registry: Registry | undefined;
let counter = 0;

function repo(): { repository: RemoteRepository; scope: string } {
  const name = `wf/r${++counter}-${randomBytes(3).toString('hex')}`;
  return {
    repository: (registry as Registry).repository(name),
    scope: `${(dist as RunningDistribution).host}/${name}`,
  };
}

const ready = notation1 !== undefined && registryBin !== undefined;

beforeAll(async () => {
  if (!ready) return;
  dist = await startDistribution(registryBin);
  registry = new Registry(dist.host, { plainHttp: true });
});

afterAll(async () => {
  await registry?.close();
  await dist?.stop();
});

describe.skipIf(!ready)(
  'Wharf signs, notation v1.3.2 verifies (distribution v3: tag schema)',
  () => {
    for (const [kind, format] of MATRIX) {
      for (const variant of VARIANTS) {
        it(`${kind} ${format} ${variant}`, async () => {
          const e = newEnv();
          const { repository, scope } = repo();
          const subject = await pushImage(repository);
          const v = prepare(e, kind, variant);
          writePolicy(e, scope, v.stores, v.extra);
          const signed = await signArtifact({
            target: repository,
            subject,
            signer: v.signer,
            format,
            ...v.opts,
          });
          const listed = await listSignatures(repository, subject);
          expect(listed.map((d) => d.digest)).toEqual([signed.manifest.digest]);
          const n = run(e, [
            'verify',
            '--insecure-registry',
            ...(v.metadata ? ['-m', 'com.example.build=7'] : []),
            `${scope}@${subject.digest}`,
          ]);
          expect(n.out).toMatch(/Successfully verified signature/);
          expect(n.code).toBe(0);
          const w = await wharfVerify(e, repository, subject, scope, v.metadata);
          expect(w.error?.message).toBeUndefined();
          expect(w.ok).toBe(true);
          expect(w.signature?.digest).toBe(signed.manifest.digest);
        }, 120_000);
      }
    }
  },
);

describe.skipIf(!ready)('OCI layouts', () => {
  it('notation v1.3.2 verifies Wharf layout signatures in the legacy form (it does not find the OCI 1.1 form in layouts)', async () => {
    for (const [form, expectOk] of [
      ['legacy', true],
      ['oci-1.1', false],
    ] as const) {
      const e = newEnv();
      const path = join(e.dir, 'layout');
      const store = await OciLayoutStore.open(path, { create: true });
      const subject = await pushImage(store);
      const v = prepare(e, 'p256', 'x509+expiry+metadata');
      writePolicy(e, 'local/wharf', v.stores, v.extra);
      await signArtifact({
        target: store,
        subject,
        signer: v.signer,
        format: 'cose',
        manifestForm: form,
        ...v.opts,
      });
      await store.flush();
      const n = run(e, [
        'verify',
        '--oci-layout',
        `${path}@${subject.digest}`,
        '--scope',
        'local/wharf',
      ]);
      expect({ form, ok: n.code === 0 }, n.out).toEqual({ form, ok: expectOk });
      // Wharf reads both forms.
      const reopened = await OciLayoutStore.open(path);
      const w = await wharfVerify(e, reopened, subject, 'local/wharf', v.metadata);
      expect(w.error?.message, form).toBeUndefined();
    }
  }, 120_000);
});

describe.skipIf(!ready)('notation v1.3.2 signs, Wharf verifies', () => {
  for (const format of ['jws', 'cose'] as const) {
    it(`${format}: registry (tag schema) and OCI layout`, async () => {
      const e = newEnv();
      expect(run(e, ['cert', 'generate-test', '--default', 'wharf-interop']).code).toBe(0);
      writeFileSync(
        join(e.config, 'trustpolicy.json'),
        JSON.stringify({
          version: '1.0',
          trustPolicies: [
            {
              name: 'all',
              registryScopes: ['*'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf-interop'],
              trustedIdentities: ['*'],
            },
          ],
        }),
      );
      const { repository, scope } = repo();
      const subject = await pushImage(repository);
      const s = run(e, [
        'sign',
        '--insecure-registry',
        '--signature-format',
        format,
        '-m',
        'k=v',
        `${scope}@${subject.digest}`,
      ]);
      expect(s.code, s.out).toBe(0);
      const sigs = await listSignatures(repository, subject);
      expect(sigs).toHaveLength(1);
      const fetched = await fetchSignature(repository, sigs[0] as Descriptor, { subject });
      expect(fetched.manifest.form).toBe('legacy');
      const ok = await wharfVerify(e, repository, subject, scope, { k: 'v' });
      expect(ok.error?.message).toBeUndefined();
      expect(ok.result?.userMetadata).toEqual({ k: 'v' });
      const bad = await wharfVerify(e, repository, subject, scope, { k: 'other' });
      expect(bad.ok).toBe(false);
      expect(bad.error?.code).toBe('USER_METADATA_MISMATCH');

      const path = join(e.dir, 'layout');
      const store = await OciLayoutStore.open(path, { create: true });
      const layoutSubject = await pushImage(store);
      await store.flush();
      const ls = run(e, [
        'sign',
        '--oci-layout',
        '--signature-format',
        format,
        `${path}@${layoutSubject.digest}`,
      ]);
      expect(ls.code, ls.out).toBe(0);
      const lw = await wharfVerify(e, await OciLayoutStore.open(path), layoutSubject, 'local/x');
      expect(lw.error?.message).toBeUndefined();
    }, 120_000);
  }
});

describe.skipIf(!ready)('negative set: same verdict and failing check as notation v1.3.2', () => {
  it('registry signatures', async () => {
    const good = mintChain('p256');
    const signer = LocalKeySigner.fromPem(keyPem(good.leafKey), good.chain.map(pem).join(''));
    const noCodeSigning = mintChain('p256', { eku: ['1.3.6.1.5.5.7.3.2'] });
    const expiredLeaf = mintChain('p256', {
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const otherRoot = mintChain('p256').root;
    type Tamper = 'payload' | 'header' | 'signature';
    interface Case {
      name: string;
      sign: (subject: Descriptor, target: RemoteRepository) => Promise<unknown>;
      root?: Uint8Array;
      identities?: string[];
      level?: string;
      scope?: string;
      check?: string;
    }
    const plain =
      (extra: Partial<SignArtifactOptions> = {}) =>
      (subject: Descriptor, target: RemoteRepository) =>
        signArtifact({ target, subject, signer, format: 'jws', ...extra });
    const tampered = (what: Tamper) => async (subject: Descriptor, target: RemoteRepository) => {
      const p = prepareJws({
        payload: encodePayload(subject),
        algorithm: 'ECDSA-SHA-256',
        signingScheme: 'notary.x509',
        signingTime: new Date(),
      });
      const env = JSON.parse(
        Buffer.from(
          p.finish(signWithKey(good.leafKey, 'ECDSA-SHA-256', p.signingInput), good.chain),
        ).toString(),
      ) as { payload: string; protected: string; signature: string };
      if (what === 'signature') {
        const sig = Buffer.from(env.signature, 'base64url');
        sig[3] = (sig[3] as number) ^ 1;
        env.signature = sig.toString('base64url');
      } else if (what === 'payload') {
        env.payload = Buffer.from(
          encodePayload({ ...subject, annotations: { injected: 'x' } }),
        ).toString('base64url');
      } else {
        const h = JSON.parse(Buffer.from(env.protected, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        h['io.cncf.notary.signingTime'] = new Date(Date.now() - 1000)
          .toISOString()
          .replace(/\.\d+Z$/, 'Z');
        env.protected = Buffer.from(JSON.stringify(h)).toString('base64url');
      }
      return pushRaw(target, subject, new TextEncoder().encode(JSON.stringify(env)), good.chain);
    };
    const rawChain =
      (chain: ReturnType<typeof mintChain>) =>
      async (subject: Descriptor, target: RemoteRepository) => {
        const p = prepareJws({
          payload: encodePayload(subject),
          algorithm: 'ECDSA-SHA-256',
          signingScheme: 'notary.x509',
          signingTime: new Date(),
        });
        const env = p.finish(
          signWithKey(chain.leafKey, 'ECDSA-SHA-256', p.signingInput),
          chain.chain,
        );
        return pushRaw(target, subject, env, chain.chain);
      };
    const cases: Case[] = [
      { name: 'valid', sign: plain() },
      { name: 'tampered payload', sign: tampered('payload'), check: 'integrity' },
      { name: 'tampered header', sign: tampered('header'), check: 'integrity' },
      { name: 'tampered signature', sign: tampered('signature'), check: 'integrity' },
      { name: 'untrusted root', sign: plain(), root: otherRoot, check: 'authenticity' },
      { name: 'untrusted root, audit', sign: plain(), root: otherRoot, level: 'audit' },
      {
        name: 'leaf without codeSigning',
        sign: rawChain(noCodeSigning),
        root: noCodeSigning.root,
        check: 'integrity',
      },
      {
        name: 'expired leaf without timestamp',
        sign: (subject, target) =>
          signArtifact({
            target,
            subject,
            format: 'cose',
            signer: LocalKeySigner.fromPem(
              keyPem(expiredLeaf.leafKey),
              expiredLeaf.chain.map(pem).join(''),
            ),
            signingTime: new Date(Date.now() - 2 * 86400_000),
          }),
        root: expiredLeaf.root,
        check: 'authenticTimestamp',
      },
      {
        name: 'expired leaf, permissive',
        sign: (subject, target) =>
          signArtifact({
            target,
            subject,
            format: 'cose',
            signer: LocalKeySigner.fromPem(
              keyPem(expiredLeaf.leafKey),
              expiredLeaf.chain.map(pem).join(''),
            ),
            signingTime: new Date(Date.now() - 2 * 86400_000),
          }),
        root: expiredLeaf.root,
        level: 'permissive',
      },
      {
        name: 'expired signature',
        sign: plain({
          signingTime: new Date(Date.now() - 7200_000),
          expiry: new Date(Date.now() - 3600_000),
        }),
        check: 'expiry',
      },
      {
        name: 'expired signature, permissive',
        sign: plain({
          signingTime: new Date(Date.now() - 7200_000),
          expiry: new Date(Date.now() - 3600_000),
        }),
        level: 'permissive',
      },
      {
        name: 'identity mismatch',
        sign: plain(),
        identities: ['x509.subject: C=US, ST=WA, O=Someone Else'],
        check: 'authenticity',
      },
      { name: 'scope mismatch', sign: plain(), scope: 'other.example/x', check: 'policy' },
      { name: 'skip level', sign: plain(), root: otherRoot, level: 'skip' },
    ];
    for (const c of cases) {
      const e = newEnv();
      const { repository, scope } = repo();
      const subject = await pushImage(repository);
      await c.sign(subject, repository);
      addStore(e, 'ca', 'wharf', [c.root ?? good.root]);
      writePolicy(
        e,
        c.scope ?? scope,
        ['ca:wharf'],
        c.level ? { level: c.level } : {},
        c.identities,
      );
      const n = run(e, ['verify', '-d', '--insecure-registry', `${scope}@${subject.digest}`]);
      let wharfOk: boolean;
      let wharfCheck: string | undefined;
      let warnings: readonly string[] = [];
      try {
        const w = await wharfVerify(e, repository, subject, scope);
        wharfOk = w.ok;
        wharfCheck = w.result ? failedCheck(w.result) : undefined;
        warnings = w.result?.warnings ?? [];
      } catch (err) {
        wharfOk = false;
        wharfCheck =
          (err as { code?: string }).code === 'NO_MATCHING_POLICY' ? 'policy' : String(err);
      }
      expect({ name: c.name, notationOk: n.code === 0, wharfOk }, n.out).toEqual({
        name: c.name,
        notationOk: c.check === undefined,
        wharfOk: c.check === undefined,
      });
      if (c.check === 'policy') {
        expect(n.out).toMatch(/no applicable (oci )?trust policy/i);
        expect(wharfCheck).toBe('policy');
      } else if (c.check) {
        const m = /level=error msg="?(\w+) validation failed/.exec(n.out);
        expect({ name: c.name, notation: m?.[1] }).toEqual({ name: c.name, notation: c.check });
        expect({ name: c.name, wharf: wharfCheck }).toEqual({ name: c.name, wharf: c.check });
      } else {
        for (const w of warnings) expect(n.out, c.name).toContain(`Warning: ${w}`);
        if (c.level === 'skip') expect(n.out).toMatch(/configured to skip signature verification/);
      }
    }
  }, 300_000);
});

/** Pushes a hand-built envelope as a signature manifest (for envelopes signEnvelope refuses). */
async function pushRaw(
  target: RemoteRepository,
  subject: Descriptor,
  envelope: Uint8Array,
  chain: readonly Uint8Array[],
): Promise<void> {
  const built = buildSignatureManifest({
    envelope,
    envelopeMediaType: 'application/jose+json',
    certificateChain: chain,
    signingTime: new Date(),
    subject,
  });
  await pushBytes(target, 'application/jose+json', envelope);
  await pushBytes(target, built.configDescriptor.mediaType, built.configBytes);
  await target.push(
    {
      mediaType: built.descriptor.mediaType,
      digest: built.descriptor.digest,
      size: built.descriptor.size,
    },
    built.bytes,
  );
}
