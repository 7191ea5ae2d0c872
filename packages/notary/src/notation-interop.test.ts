/**
 * Cross-verification with the real notation CLI (v2 `blob` commands, and OCI layouts for
 * v1.3.2 and v2). Skipped when the binaries are absent (fails with WHARF_REQUIRE_PEERS=1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS } from '@wharf/core';
import { requirePeer } from '../test/peers.js';
import { keyPem, mintChain, pem, type KeyKind } from '../test/pki.js';
import { createOpensslTsa, hasOpensslTs } from '../test/tsa.js';
import { parseCertificates } from './cert.js';
import type { TargetArtifact } from './payload.js';
import { LocalKeySigner } from './signer.js';
import { signEnvelope, type SignEnvelopeOptions } from './sign.js';
import {
  parseBlobTrustPolicy,
  selectBlobPolicy,
  parseOciTrustPolicy,
  selectOciPolicy,
} from './trust-policy.js';
import { createDirectoryTrustStore } from './trust-store.js';
import { verify } from './verify.js';

const notation2 = requirePeer('notation');
const EMPTY = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const notation1 = requirePeer('notation1');

interface Env {
  readonly dir: string;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
}

function newEnv(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-notation-'));
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

function run(bin: string, e: Env, args: string[]): { code: number; out: string } {
  const r = spawnSync(bin, args, { env: e.env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function addStore(e: Env, type: string, name: string, certs: readonly Uint8Array[]): void {
  const d = join(e.config, 'truststore', 'x509', type, name);
  mkdirSync(d, { recursive: true });
  certs.forEach((c, i) => writeFileSync(join(d, `cert${i}.pem`), pem(c)));
}

const IDENTITY =
  'x509.subject: C=US, ST=WA, L=Seattle, O=Wharf Test, OU=Signing, CN=Wharf Test Leaf';

function blobPolicy(e: Env, stores: string[], extra: Record<string, unknown> = {}): void {
  writeFileSync(
    join(e.config, 'trustpolicy.blob.json'),
    JSON.stringify({
      version: '1.0',
      trustPolicies: [
        {
          name: 'wharf',
          signatureVerification: { level: 'strict', ...extra },
          trustStores: stores,
          trustedIdentities: [IDENTITY],
          globalPolicy: true,
        },
      ],
    }),
  );
}

const blobDescriptor = (content: Uint8Array, kind: 'sha256' | 'sha384' | 'sha512') => ({
  mediaType: 'application/octet-stream',
  digest: `${kind}:${createHash(kind).update(content).digest('hex')}`,
  size: content.length,
});

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

/** Mints a root → intermediate → leaf chain, fills the trust store, and builds sign options. */
function prepare(
  e: Env,
  kind: KeyKind,
  format: 'jws' | 'cose',
  variant: Variant,
  payload: TargetArtifact,
) {
  const pki = mintChain(kind);
  const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
  const base: SignEnvelopeOptions = { format, payload, signer };
  if (variant === 'x509+expiry+metadata') {
    addStore(e, 'ca', 'wharf', [pki.root]);
    return {
      pki,
      signOpts: {
        ...base,
        expiry: new Date(Date.now() + 3600_000),
        userMetadata: { 'com.example.build': '7' },
      },
      stores: ['ca:wharf'],
      extra: {},
      verifyArgs: ['-m', 'com.example.build=7'],
    };
  }
  if (variant === 'signingAuthority') {
    addStore(e, 'signingAuthority', 'wharf', [pki.root]);
    return {
      pki,
      signOpts: { ...base, signingScheme: 'notary.x509.signingAuthority' as const },
      stores: ['signingAuthority:wharf'],
      extra: {},
      verifyArgs: [],
    };
  }
  const tsa = createOpensslTsa();
  addStore(e, 'ca', 'wharf', [pki.root]);
  addStore(e, 'tsa', 'wharf', [tsa.root]);
  return {
    pki,
    signOpts: { ...base, timestamper: tsa.timestamper, timestampRoots: [tsa.root] },
    stores: ['ca:wharf', 'tsa:wharf'],
    extra: { verifyTimestamp: 'always' },
    verifyArgs: [],
  };
}

describe.skipIf(notation2 === undefined)('notation v2 blob: notation verifies Wharf', () => {
  for (const [kind, format] of MATRIX) {
    for (const variant of VARIANTS) {
      it(`${kind} ${format} ${variant}`, async () => {
        const e = newEnv();
        const blob = new TextEncoder().encode(`wharf blob ${kind} ${format} ${variant}\n`);
        const blobPath = join(e.dir, 'artifact.txt');
        writeFileSync(blobPath, blob);
        const hash = kind === 'rsa3072' ? 'sha384' : 'sha256';
        const v = prepare(e, kind, format, variant, blobDescriptor(blob, hash));
        blobPolicy(e, v.stores, v.extra);
        const signed = await signEnvelope(v.signOpts);
        const sigPath = `${blobPath}.${format}.sig`;
        writeFileSync(sigPath, signed.bytes);
        const ok = run(notation2 as string, e, [
          'blob',
          'verify',
          '--signature',
          sigPath,
          ...v.verifyArgs,
          blobPath,
        ]);
        expect(ok.out).toMatch(/Successfully verified signature/);
        expect(ok.code).toBe(0);
        writeFileSync(blobPath, new TextEncoder().encode('tampered\n'));
        expect(
          run(notation2 as string, e, ['blob', 'verify', '--signature', sigPath, blobPath]).code,
        ).not.toBe(0);
      }, 120_000);
    }
  }
});

describe.skipIf(notation2 === undefined)('notation v2 blob: Wharf verifies notation', () => {
  for (const format of ['jws', 'cose'] as const) {
    it(`${format}: notation cert generate-test key, blob sign, Wharf verify (+ negative)`, async () => {
      const e = newEnv();
      const gen = run(notation2 as string, e, [
        'cert',
        'generate-test',
        '--default',
        'wharf-interop',
      ]);
      expect(gen.code, gen.out).toBe(0);
      const blob = new TextEncoder().encode(`notation blob ${format}\n`);
      const blobPath = join(e.dir, 'payload.bin');
      writeFileSync(blobPath, blob);
      const signed = run(notation2 as string, e, [
        'blob',
        'sign',
        '--signature-format',
        format,
        '--key',
        'wharf-interop',
        '--expiry',
        '1h',
        '-m',
        'k=v',
        blobPath,
      ]);
      expect(signed.code, signed.out).toBe(0);
      const envelope = readFileSync(`${blobPath}.${format}.sig`);
      blobPolicy(e, ['ca:wharf-interop']);
      writeFileSync(
        join(e.config, 'trustpolicy.blob.json'),
        JSON.stringify({
          version: '1.0',
          trustPolicies: [
            {
              name: 'g',
              globalPolicy: true,
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf-interop'],
              trustedIdentities: ['*'],
            },
          ],
        }),
      );
      const policy = selectBlobPolicy(
        parseBlobTrustPolicy(readFileSync(join(e.config, 'trustpolicy.blob.json'))),
      );
      const trustStore = createDirectoryTrustStore(join(e.config, 'truststore'));
      const r = await verify({
        envelope,
        envelopeMediaType: format === 'jws' ? MEDIA_TYPE_JWS : MEDIA_TYPE_COSE,
        policy,
        trustStore,
        expectedArtifact: blobDescriptor(blob, 'sha256'),
        userMetadata: { k: 'v' },
      });
      expect(r.error?.message).toBeUndefined();
      expect(r.ok).toBe(true);
      // Same verdict as notation on the same inputs.
      expect(
        run(notation2 as string, e, [
          'blob',
          'verify',
          '--signature',
          `${blobPath}.${format}.sig`,
          blobPath,
        ]).code,
      ).toBe(0);
      // Negative: other content, wrong metadata, untrusted store.
      const other = await verify({
        envelope,
        envelopeMediaType: format === 'jws' ? MEDIA_TYPE_JWS : MEDIA_TYPE_COSE,
        policy,
        trustStore,
        expectedArtifact: blobDescriptor(new Uint8Array(3), 'sha256'),
      });
      expect(other.error?.code).toBe('TARGET_MISMATCH');
      const meta = await verify({
        envelope,
        envelopeMediaType: format === 'jws' ? MEDIA_TYPE_JWS : MEDIA_TYPE_COSE,
        policy,
        trustStore,
        userMetadata: { k: 'w' },
      });
      expect(meta.error?.code).toBe('USER_METADATA_MISMATCH');
      expect(
        run(notation2 as string, e, [
          'blob',
          'verify',
          '--signature',
          `${blobPath}.${format}.sig`,
          '-m',
          'k=w',
          blobPath,
        ]).code,
      ).not.toBe(0);
    }, 120_000);
  }
});

/** Writes an OCI layout holding `manifest` and (optionally) a signature manifest for it. */
function writeLayout(
  dir: string,
  manifest: Uint8Array,
  signature?: {
    envelope: Uint8Array;
    mediaType: string;
    chain: readonly Uint8Array[];
    legacy: boolean;
  },
): string {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Uint8Array): string => {
    const hex = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(blobs, hex), b);
    return `sha256:${hex}`;
  };
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const manifestDigest = put(manifest);
  const entries: unknown[] = [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': 'v1' },
    },
  ];
  put(new TextEncoder().encode('{}'));
  if (signature) {
    const envDigest = put(signature.envelope);
    const sigManifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        // notation v1.3.x only finds the legacy form in OCI layouts (config media type = the
        // signature artifact type, no artifactType); v2 reads the OCI 1.1 form.
        ...(signature.legacy
          ? { config: { mediaType: ARTIFACT_TYPE_NOTARY_SIGNATURE, digest: EMPTY, size: 2 } }
          : {
              artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
              config: {
                mediaType: 'application/vnd.oci.empty.v1+json',
                digest: EMPTY,
                size: 2,
                data: 'e30=',
              },
            }),
        layers: [
          { mediaType: signature.mediaType, digest: envDigest, size: signature.envelope.length },
        ],
        subject: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
        },
        annotations: {
          'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(
            signature.chain.map((c) => createHash('sha256').update(c).digest('hex')),
          ),
          'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      }),
    );
    const sigDigest = put(sigManifest);
    entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sigDigest,
      size: sigManifest.length,
    });
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));
  return manifestDigest;
}

const layoutManifest = (): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [],
      annotations: { 'com.example.nonce': String(Math.random()) },
    }),
  );

function ociPolicy(
  e: Env,
  stores: string[],
  extra: Record<string, unknown> = {},
  identities = [IDENTITY],
): void {
  writeFileSync(
    join(e.config, 'trustpolicy.json'),
    JSON.stringify({
      version: '1.0',
      trustPolicies: [
        {
          name: 'layout',
          registryScopes: ['local/wharf'],
          signatureVerification: { level: 'strict', ...extra },
          trustStores: stores,
          trustedIdentities: identities,
        },
      ],
    }),
  );
}

for (const [label, bin] of [
  ['v1.3.2', notation1],
  ['v2', notation2],
] as const) {
  describe.skipIf(bin === undefined)(`notation ${label} OCI layout`, () => {
    for (const [kind, format] of MATRIX) {
      for (const variant of VARIANTS) {
        it(`notation verifies Wharf: ${kind} ${format} ${variant}`, async () => {
          const e = newEnv();
          const manifest = layoutManifest();
          const layout = join(e.dir, 'layout');
          const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
          const v = prepare(e, kind, format, variant, {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest,
            size: manifest.length,
          });
          const signed = await signEnvelope(v.signOpts);
          writeLayout(layout, manifest, {
            envelope: signed.bytes,
            mediaType: signed.mediaType,
            chain: signed.certificateChain,
            legacy: label === 'v1.3.2',
          });
          ociPolicy(e, v.stores, v.extra);
          const r = run(bin as string, e, [
            'verify',
            '--oci-layout',
            `${layout}@${digest}`,
            '--scope',
            'local/wharf',
            ...v.verifyArgs,
          ]);
          expect(r.out).toMatch(/Successfully verified signature/);
          expect(r.code).toBe(0);
        }, 120_000);
      }
    }
    it('negative set: same verdict and same failing check as notation', async () => {
      const manifest = layoutManifest();
      const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
      const payload = {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: manifest.length,
      };
      const pki = mintChain('p256');
      const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
      const valid = await signEnvelope({ format: 'jws', payload, signer });
      const expired = await signEnvelope({
        format: 'cose',
        payload,
        signer,
        signingTime: new Date(Date.now() - 7200_000),
        expiry: new Date(Date.now() - 3600_000),
      });
      const tampered = JSON.parse(Buffer.from(valid.bytes).toString()) as { signature: string };
      const sig = Buffer.from(tampered.signature, 'base64url');
      sig[4] = (sig[4] as number) ^ 1;
      tampered.signature = sig.toString('base64url');
      const otherRoot = mintChain('p256').root;
      const cases: {
        name: string;
        env: typeof valid;
        root: Uint8Array;
        identities?: string[];
        level?: string;
        code?: string;
        notation: RegExp;
      }[] = [
        { name: 'valid', env: valid, root: pki.root, notation: /Successfully verified/ },
        {
          name: 'tampered signature',
          env: { ...valid, bytes: new TextEncoder().encode(JSON.stringify(tampered)) },
          root: pki.root,
          code: 'SIGNATURE_INVALID',
          notation: /signature is invalid|integrity/i,
        },
        {
          name: 'untrusted root',
          env: valid,
          root: otherRoot,
          code: 'CERT_UNTRUSTED',
          notation: /authenticity|trusted certificate/i,
        },
        {
          name: 'identity mismatch',
          env: valid,
          root: pki.root,
          identities: ['x509.subject: C=US, ST=WA, O=Someone Else'],
          code: 'IDENTITY_NOT_TRUSTED',
          notation: /trusted identit|authenticity/i,
        },
        {
          name: 'expired signature',
          env: expired,
          root: pki.root,
          code: 'SIGNATURE_EXPIRED',
          notation: /expired/i,
        },
        {
          name: 'expired signature, permissive',
          env: expired,
          root: pki.root,
          level: 'permissive',
          notation: /Successfully verified/,
        },
      ];
      for (const c of cases) {
        const e = newEnv();
        const layout = join(e.dir, 'layout');
        writeLayout(layout, manifest, {
          envelope: c.env.bytes,
          mediaType: c.env.mediaType,
          chain: c.env.certificateChain,
          legacy: label === 'v1.3.2',
        });
        addStore(e, 'ca', 'wharf', [c.root]);
        const identities = c.identities ?? [IDENTITY];
        ociPolicy(e, ['ca:wharf'], c.level ? { level: c.level } : {}, identities);
        const n = run(bin as string, e, [
          'verify',
          '-d',
          '--oci-layout',
          `${layout}@${digest}`,
          '--scope',
          'local/wharf',
        ]);
        if (process.env.WHARF_DEBUG_INTEROP)
          console.log(
            c.name,
            '=>',
            n.out
              .split('\n')
              .filter((l) => /fail|error|warn|expired|trust/i.test(l))
              .join(' | '),
          );
        const policy = selectOciPolicy(
          parseOciTrustPolicy(readFileSync(join(e.config, 'trustpolicy.json'))),
          `local/wharf@${digest}`,
        );
        const w = await verify({
          envelope: c.env.bytes,
          envelopeMediaType: c.env.mediaType,
          policy,
          trustStore: createDirectoryTrustStore(join(e.config, 'truststore')),
          expectedArtifact: payload,
        });
        expect({ name: c.name, notationOk: n.code === 0, wharfOk: w.ok }).toEqual({
          name: c.name,
          notationOk: c.code === undefined,
          wharfOk: c.code === undefined,
        });
        expect(n.out, c.name).toMatch(c.notation);
        if (c.code) {
          // notation -d logs `<check> validation failed. Failure reason: <reason>`.
          const m = /level=error msg="?(\w+) validation failed\. Failure reason: ([^\n]*)/.exec(
            n.out,
          );
          expect(m?.[1], c.name).toBe(w.error?.detail?.check);
          expect(w.error?.code, c.name).toBe(c.code);
          const reason = w.checks.find((x) => x.status === 'failed')?.reason ?? '';
          if (c.name === 'untrusted root' || c.name.startsWith('expired')) {
            expect(m?.[2], c.name).toBe(reason);
          }
        } else {
          for (const warning of w.warnings) expect(n.out, c.name).toContain(`Warning: ${warning}`);
        }
      }
    }, 180_000);
    for (const format of ['jws', 'cose'] as const) {
      it(`${format}: Wharf verifies a notation signature`, async () => {
        const e = newEnv();
        expect(
          run(bin as string, e, ['cert', 'generate-test', '--default', 'wharf-interop']).code,
        ).toBe(0);
        const manifest = layoutManifest();
        const layout = join(e.dir, 'layout');
        const digest = writeLayout(layout, manifest);
        const s = run(bin as string, e, [
          'sign',
          '--oci-layout',
          `${layout}@${digest}`,
          '--signature-format',
          format,
          '--key',
          'wharf-interop',
          '-m',
          'k=v',
        ]);
        expect(s.code, s.out).toBe(0);
        const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
          manifests: { digest: string }[];
        };
        const blob = (d: string): Buffer =>
          readFileSync(join(layout, 'blobs', 'sha256', d.slice(7)));
        const sigManifest = index.manifests
          .map(
            (m) =>
              JSON.parse(blob(m.digest).toString()) as {
                subject?: { digest: string };
                layers?: { mediaType: string; digest: string }[];
              },
          )
          .find((m) => m.subject?.digest === digest);
        const layer = sigManifest?.layers?.[0];
        expect(layer).toBeDefined();
        const doc = parseOciTrustPolicy({
          version: '1.0',
          trustPolicies: [
            {
              name: 'l',
              registryScopes: ['local/wharf'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf-interop'],
              trustedIdentities: ['*'],
            },
          ],
        });
        const r = await verify({
          envelope: blob(layer?.digest as string),
          envelopeMediaType: layer?.mediaType as string,
          policy: selectOciPolicy(doc, `local/wharf@${digest}`),
          trustStore: createDirectoryTrustStore(join(e.config, 'truststore')),
          expectedArtifact: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest,
            size: manifest.length,
          },
          userMetadata: { k: 'v' },
        });
        expect(r.error?.message).toBeUndefined();
        expect(
          parseCertificates(readFileSync(join(e.config, 'localkeys', 'wharf-interop.crt')))[0]
            ?.sha256Fingerprint,
        ).toBe(r.certificateChain?.[0]?.sha256Fingerprint);
      }, 120_000);
    }
  });
}

it('interop peers are located (informational)', () => {
  // Records which notation binaries were available for this run.
  expect([notation1, notation2].every((p) => p === undefined || p.length > 0)).toBe(true);
  if (notation2) execFileSync(notation2, ['version'], { stdio: 'ignore' });
});
