/**
 * `wharf sign|verify|list|inspect` against real peers: notation v1.3.2 verifies what `wharf sign`
 * pushes (distribution v3: tag schema; `wharf serve`: referrers API; OCI layouts), `wharf verify`
 * verifies what notation signs, failures exit 3, and the outputs match notation's. One
 * distribution, one Wharf registry and one TSA per file. Needs `npx tsc -b packages/cli`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutStore, pushBytes, type Pusher } from '@wharf/content';
import { MEDIA_TYPE_OCI_MANIFEST, type Descriptor } from '@wharf/core';
import { HEADER, LocalKeySigner, writeTestPluginLauncher } from '@wharf/notary';
import { notationPaths, signArtifact, writeSigningKeys } from '@wharf/notation';
import { Registry } from '@wharf/registry-client';
import { requirePeer, startDistribution, type RunningDistribution } from '@wharf/testkit';
import { keyPem, mintChain, pem, type KeyKind } from '../../notary/test/pki.js';
import { createOpensslTsa, hasOpensslTs, serveOpensslTsa } from '../../notary/test/tsa.js';
import { startWharfRegistry, wharf, type RunResult, type TestRegistry } from './helpers.js';

const notation1 = requirePeer('notation1');
const registryBin = requirePeer('registry');
const ready = notation1 !== undefined && registryBin !== undefined;
const IDENTITY =
  'x509.subject: C=US, ST=WA, L=Seattle, O=Wharf Test, OU=Signing, CN=Wharf Test Leaf';

interface Env {
  readonly dir: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

function newEnv(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-nsign-'));
  const env = { XDG_CONFIG_HOME: join(dir, '.config'), XDG_CACHE_HOME: join(dir, '.cache') };
  const config = join(dir, '.config', 'notation');
  mkdirSync(config, { recursive: true });
  return { dir, config, env };
}

const w = (e: Env, args: string[]): Promise<RunResult> => wharf(args, { cwd: e.dir, env: e.env });

function n1(e: Env, args: string[]): RunResult {
  const r = spawnSync(notation1 as string, args, {
    cwd: e.dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: e.dir, ...e.env, NOTATION_EXPERIMENTAL: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** notation against the in-process Wharf registry: must not block the event loop. */
function n1Async(e: Env, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      notation1 as string,
      args,
      {
        cwd: e.dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: e.dir, ...e.env, NOTATION_EXPERIMENTAL: '1' },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function addStore(e: Env, type: string, name: string, certs: readonly Uint8Array[]): void {
  const d = join(e.config, 'truststore', 'x509', type, name);
  mkdirSync(d, { recursive: true });
  certs.forEach((c, i) => writeFileSync(join(d, `cert${i}.pem`), pem(c)));
}

/** Writes the policy under both names: notation v1.3.2 reads only trustpolicy.json. */
function policy(
  e: Env,
  scope: string,
  stores: string[],
  extra: Record<string, unknown> = {},
  identities = [IDENTITY],
): void {
  const doc = JSON.stringify({
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
  });
  writeFileSync(join(e.config, 'trustpolicy.json'), doc);
  writeFileSync(join(e.config, 'trustpolicy.oci.json'), doc);
}

/** A minted root → intermediate → leaf key registered in signingkeys.json as the default. */
async function addKey(e: Env, kind: KeyKind): Promise<ReturnType<typeof mintChain>> {
  const pki = mintChain(kind);
  const keyPath = join(e.dir, `${kind}.key`);
  const certPath = join(e.dir, `${kind}.crt`);
  writeFileSync(keyPath, keyPem(pki.leafKey));
  writeFileSync(certPath, pki.chain.map(pem).join(''));
  await writeSigningKeys(notationPaths({ ...e.env, HOME: e.dir }), {
    default: kind,
    keys: [{ name: kind, keyPath, certPath }],
  });
  return pki;
}

async function pushImage(target: Pusher): Promise<Descriptor> {
  const config = new TextEncoder().encode(JSON.stringify({ n: randomBytes(8).toString('hex') }));
  const cfg = await pushBytes(target, 'application/vnd.oci.image.config.v1+json', config);
  return pushBytes(
    target,
    MEDIA_TYPE_OCI_MANIFEST,
    new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        config: cfg,
        layers: [],
      }),
    ),
  );
}

let dist: RunningDistribution | undefined;
let wharfReg: TestRegistry | undefined;
let tsa: { url: string; root: Uint8Array; close: () => Promise<void> } | undefined;
let n = 0;

/** A fresh repository with one image in the given registry; returns `host/repo` and the digest. */
async function image(host: string): Promise<{ repo: string; subject: Descriptor }> {
  const name = `sign/r${++n}-${randomBytes(3).toString('hex')}`;
  const reg = new Registry(host, { plainHttp: true });
  try {
    const repository = reg.repository(name);
    const subject = await pushImage(repository);
    await repository.tag(subject, 'v1');
    return { repo: `${host}/${name}`, subject };
  } finally {
    await reg.close();
  }
}

beforeAll(async () => {
  if (!ready) return;
  dist = await startDistribution(registryBin);
  wharfReg = await startWharfRegistry();
  if (hasOpensslTs()) {
    const t = createOpensslTsa();
    const served = await serveOpensslTsa(t);
    tsa = { url: served.url, root: t.root, close: served.close };
  }
});

afterAll(async () => {
  await tsa?.close();
  await wharfReg?.stop();
  await dist?.stop();
});

describe.skipIf(!ready)('wharf sign → notation v1.3.2 verify', () => {
  const cases: [KeyKind, 'jws' | 'cose'][] = [
    ['rsa3072', 'jws'],
    ['rsa3072', 'cose'],
    ['p256', 'jws'],
    ['p256', 'cose'],
  ];
  for (const [kind, format] of cases) {
    it(`${kind} ${format}: -e, -m${hasOpensslTs() ? ', --timestamp-url' : ''} on distribution (tag schema)`, async () => {
      const e = newEnv();
      const pki = await addKey(e, kind);
      const { repo, subject } = await image((dist as RunningDistribution).host);
      addStore(e, 'ca', 'wharf', [pki.root]);
      const stores = ['ca:wharf'];
      const ts: string[] = [];
      if (tsa) {
        const rootFile = join(e.dir, 'tsa-root.pem');
        writeFileSync(rootFile, pem(tsa.root));
        ts.push('--timestamp-url', tsa.url, '--timestamp-root-cert', rootFile);
        addStore(e, 'tsa', 'wharf', [tsa.root]);
        stores.push('tsa:wharf');
      }
      policy(e, repo, stores, tsa ? { verifyTimestamp: 'always' } : {});
      const s = await w(e, [
        'sign',
        '--signature-format',
        format,
        '-e',
        '2h',
        '-m',
        'build=42',
        ...ts,
        `${repo}:v1`,
      ]);
      expect(s.stderr).toContain(
        'Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:v1) because tags are mutable',
      );
      expect(s.code, s.stderr).toBe(0);
      const lines = s.stdout.trim().split('\n');
      expect(lines[0]).toBe(`Successfully signed ${repo}@${subject.digest}`);
      expect(lines[1]).toMatch(new RegExp(`^Pushed the signature to ${repo}@sha256:[0-9a-f]{64}$`));
      const sig = (lines[1] as string).split('@')[1] as string;

      const nv = n1(e, [
        'verify',
        '--insecure-registry',
        '-m',
        'build=42',
        `${repo}@${subject.digest}`,
      ]);
      expect(nv.stdout + nv.stderr).toMatch(/Successfully verified signature/);
      expect(nv.code).toBe(0);

      const v = await w(e, ['verify', '-m', 'build=42', `${repo}@${subject.digest}`]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toBe(
        `Successfully verified signature for ${repo}@${subject.digest}\n\nThe artifact was signed with the following user metadata.\n\nKEY     VALUE   \nbuild   42      \n`,
      );
      const ls = await w(e, ['ls', `${repo}@${subject.digest}`]);
      expect(ls.stdout).toBe(
        `${repo}@${subject.digest}\n└── application/vnd.cncf.notary.signature\n    └── ${sig}\n`,
      );
      const ins = await w(e, ['inspect', '-o', 'json', `${repo}@${subject.digest}`]);
      expect(ins.code, ins.stderr).toBe(0);
      const doc = JSON.parse(ins.stdout) as {
        mediaType: string;
        signatures: Record<string, unknown>[];
      };
      expect(doc.mediaType).toBe(MEDIA_TYPE_OCI_MANIFEST);
      expect(doc.signatures).toHaveLength(1);
      const one = doc.signatures[0] as Record<string, unknown>;
      expect(Object.keys(one)).toEqual([
        'digest',
        'signatureAlgorithm',
        'signatureEnvelopeType',
        'signedAttributes',
        'userDefinedAttributes',
        'unsignedAttributes',
        'certificates',
        'signedArtifact',
      ]);
      expect(one['digest']).toBe(sig);
      expect(one['signatureAlgorithm']).toBe(
        kind === 'rsa3072' ? 'RSASSA-PSS-SHA-384' : 'ECDSA-SHA-256',
      );
      expect(one['userDefinedAttributes']).toEqual({ build: '42' });
      expect(Object.keys(one['signedAttributes'] as object)).toEqual([
        'contentType',
        'expiry',
        'signingScheme',
        'signingTime',
      ]);
      expect((one['certificates'] as unknown[]).length).toBe(3);
      expect(one['signedArtifact']).toEqual({
        mediaType: subject.mediaType,
        digest: subject.digest,
        size: subject.size,
      });
      if (tsa) {
        const t = (one['unsignedAttributes'] as { timestampSignature: { timestamp: string } })
          .timestampSignature;
        expect(t.timestamp).toMatch(/^\[\d{4}-.*Z, \d{4}-.*Z\]$/);
      }
      const tree = await w(e, ['inspect', `${repo}@${subject.digest}`]);
      expect(tree.stdout.split('\n').slice(0, 4)).toEqual([
        'Inspecting all signatures for signed artifact',
        `${repo}@${subject.digest}`,
        '└── application/vnd.cncf.notary.signature',
        `    └── ${sig}`,
      ]);
      expect(tree.stdout).toContain(
        `        ├── signature envelope type: application/${format === 'jws' ? 'jose+json' : 'cose'}\n`,
      );
    }, 120_000);
  }

  it('wharf serve (referrers API) and --force-referrers-tag', async () => {
    const e = newEnv();
    const pki = await addKey(e, 'p256');
    addStore(e, 'ca', 'wharf', [pki.root]);
    const { repo, subject } = await image((wharfReg as TestRegistry).host);
    policy(e, repo, ['ca:wharf']);
    const s = await w(e, ['sign', `${repo}@${subject.digest}`]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toBe('');
    const tagName = `sha256-${subject.digest.slice(7)}`;
    const tagsBefore = await w(e, ['repo', 'tags', repo]);
    expect(tagsBefore.stdout).not.toContain(tagName);
    const f = await w(e, [
      'sign',
      '--force-referrers-tag',
      '--signature-format',
      'cose',
      `${repo}@${subject.digest}`,
    ]);
    expect(f.code, f.stderr).toBe(0);
    const tagsAfter = await w(e, ['repo', 'tags', repo]);
    expect(tagsAfter.stdout).toContain(tagName);
    const nv = await n1Async(e, ['verify', '--insecure-registry', `${repo}@${subject.digest}`]);
    expect(nv.code, nv.stdout + nv.stderr).toBe(0);
    const ls = await w(e, ['list', `${repo}@${subject.digest}`]);
    expect(
      ls.stdout.split('\n').filter((l) => /sha256:[0-9a-f]{64}$/.test(l) && l.includes('──')),
    ).toHaveLength(2);
    // notation v1.3.2 signs on wharf serve (legacy manifest form); wharf lists it through the API
    // and verifies it.
    const other = await image((wharfReg as TestRegistry).host);
    const ne = newEnv();
    expect((await n1Async(ne, ['cert', 'generate-test', '--default', 'nk'])).code).toBe(0);
    policy(ne, other.repo, ['ca:nk'], {}, ['*']);
    const ns = await n1Async(ne, [
      'sign',
      '--insecure-registry',
      `${other.repo}@${other.subject.digest}`,
    ]);
    expect(ns.code, ns.stdout + ns.stderr).toBe(0);
    const nv2 = await w(ne, ['verify', `${other.repo}@${other.subject.digest}`]);
    expect(nv2.code, nv2.stderr).toBe(0);
    const nls = await w(ne, ['ls', `${other.repo}@${other.subject.digest}`]);
    expect(nls.stdout.split('\n').filter((l) => /── sha256:/.test(l))).toHaveLength(1);
  }, 120_000);

  it('--plugin (wharf-test plugin, raw signing and generate-envelope) → notation verifies', async () => {
    const e = newEnv();
    const pki = mintChain('p256');
    const keyPath = join(e.dir, 'plugin.key');
    const certPath = join(e.dir, 'plugin.crt');
    writeFileSync(keyPath, keyPem(pki.leafKey));
    writeFileSync(certPath, pki.chain.map(pem).join(''));
    await writeTestPluginLauncher(join(e.config, 'plugins', 'wharf-test', 'notation-wharf-test'));
    addStore(e, 'ca', 'wharf', [pki.root]);
    for (const mode of ['raw', 'envelope']) {
      // One image per mode, so notation verifies each signature on its own.
      const { repo, subject } = await image((dist as RunningDistribution).host);
      policy(e, repo, ['ca:wharf']);
      const s = await w(e, [
        'sign',
        '--plugin',
        'wharf-test',
        '--id',
        'k1',
        '--plugin-config',
        `keyPath=${keyPath}`,
        '--plugin-config',
        `certPath=${certPath}`,
        ...(mode === 'envelope' ? ['--plugin-config', 'mode=envelope'] : []),
        '--signature-format',
        mode === 'envelope' ? 'cose' : 'jws',
        `${repo}@${subject.digest}`,
      ]);
      expect(s.code, `${mode}: ${s.stderr}`).toBe(0);
      const ins = await w(e, ['inspect', '-o', 'json', `${repo}@${subject.digest}`]);
      const sigs = (
        JSON.parse(ins.stdout) as {
          signatures: {
            signatureEnvelopeType: string;
            unsignedAttributes: { signingAgent?: string };
          }[];
        }
      ).signatures;
      expect(sigs).toHaveLength(1);
      expect(sigs[0]?.signatureEnvelopeType).toBe(
        mode === 'envelope' ? 'application/cose' : 'application/jose+json',
      );
      if (mode === 'raw')
        expect(sigs[0]?.unsignedAttributes.signingAgent).toContain('wharf-test/0.1.0');
      const nv = n1(e, ['verify', '--insecure-registry', `${repo}@${subject.digest}`]);
      expect(nv.code, `${mode}: ${nv.stdout}${nv.stderr}`).toBe(0);
      const v = await w(e, ['verify', `${repo}@${subject.digest}`]);
      expect(v.code, `${mode}: ${v.stderr}`).toBe(0);
    }
  }, 120_000);

  it('OCI layout: --legacy-manifest for notation v1.3.2, default OCI 1.1 form for Wharf', async () => {
    const e = newEnv();
    const pki = await addKey(e, 'p256');
    addStore(e, 'ca', 'wharf', [pki.root]);
    policy(e, 'local/app', ['ca:wharf']);
    const path = join(e.dir, 'layout');
    const store = await OciLayoutStore.open(path, { create: true });
    const subject = await pushImage(store);
    await store.flush();
    const s = await w(e, ['sign', '--oci-layout', '--legacy-manifest', `layout@${subject.digest}`]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain(`Successfully signed layout@${subject.digest}`);
    const nv = n1(e, [
      'verify',
      '--oci-layout',
      `${path}@${subject.digest}`,
      '--scope',
      'local/app',
    ]);
    expect(nv.code, nv.stdout + nv.stderr).toBe(0);
    const v = await w(e, [
      'verify',
      '--oci-layout',
      '--scope',
      'local/app',
      `layout@${subject.digest}`,
    ]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`Successfully verified signature for layout@${subject.digest}\n`);
    const usage = await w(e, ['verify', '--oci-layout', `layout@${subject.digest}`]);
    expect(usage.code).toBe(2);
  }, 120_000);
});

describe.skipIf(!ready)('notation v1.3.2 sign → wharf verify, and failures', () => {
  it('verifies notation signatures; exit 3 with notation-style errors; -o json; skip', async () => {
    const e = newEnv();
    expect(n1(e, ['cert', 'generate-test', '--default', 'nk']).code).toBe(0);
    const { repo, subject } = await image((dist as RunningDistribution).host);
    policy(e, repo, ['ca:nk'], {}, ['*']);
    const ref = `${repo}@${subject.digest}`;
    const none = await w(e, ['verify', ref]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no signature is associated with/);
    const noneList = await w(e, ['ls', ref]);
    expect(noneList.stdout).toBe(`${ref} has no associated signatures\n`);
    const noneInspect = await w(e, ['inspect', ref]);
    expect(noneInspect.stdout).toBe(`${ref} has no associated signature\n`);
    const noneJson = await w(e, ['inspect', '-o', 'json', ref]);
    expect(JSON.parse(noneJson.stdout)).toEqual({
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      signatures: [],
    });

    for (const format of ['jws', 'cose']) {
      const s = n1(e, [
        'sign',
        '--insecure-registry',
        '--signature-format',
        format,
        '-m',
        'team=a',
        ref,
      ]);
      expect(s.code, s.stdout + s.stderr).toBe(0);
    }
    const ok = await w(e, ['verify', '-m', 'team=a', `${repo}:v1`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(
      'Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:v1)',
    );
    expect(ok.stdout).toContain(`Successfully verified signature for ${ref}`);
    const json = await w(e, ['verify', '-o', 'json', ref]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(doc['verified']).toBe(true);
    expect(doc['reference']).toBe(ref);
    expect(
      (doc['checks'] as { check: string; status: string }[]).map((c) => [c.check, c.status]),
    ).toEqual([
      ['integrity', 'passed'],
      ['authenticity', 'passed'],
      ['expiry', 'passed'],
      ['authenticTimestamp', 'passed'],
      ['revocation', 'passed'],
    ]);

    const bad = await w(e, ['verify', '-m', 'team=b', ref]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^Error: signature verification failed for all the signatures associated with/m,
    );

    // Untrusted root: another store; both tools refuse, Wharf exits 3.
    const other = mintChain('p256');
    addStore(e, 'ca', 'other', [other.root]);
    policy(e, repo, ['ca:other'], {}, ['*']);
    expect(n1(e, ['verify', '--insecure-registry', ref]).code).not.toBe(0);
    const untrusted = await w(e, ['verify', '-o', 'json', ref]);
    expect(untrusted.code).toBe(3);
    const u = JSON.parse(untrusted.stdout) as {
      verified: boolean;
      signaturesTried: { error: { code: string } }[];
    };
    expect(u.verified).toBe(false);
    expect(u.signaturesTried.map((t) => t.error.code)).toEqual([
      'CERT_UNTRUSTED',
      'CERT_UNTRUSTED',
    ]);
    // Audit logs the authenticity failure and passes, as notation does.
    policy(e, repo, ['ca:other'], { level: 'audit' }, ['*']);
    const audit = await w(e, ['verify', ref]);
    const nAudit = n1(e, ['verify', '--insecure-registry', ref]);
    expect([audit.code, nAudit.code]).toEqual([0, 0]);
    const warning = audit.stderr.split('\n').find((l) => l.startsWith('Warning: authenticity'));
    expect(warning).toBeDefined();
    expect(nAudit.stdout + nAudit.stderr).toContain(warning as string);
    // Scope mismatch: no applicable policy ⇒ 3.
    policy(e, 'other.example/x', ['ca:nk'], {}, ['*']);
    const scope = await w(e, ['verify', ref]);
    expect(scope.code).toBe(3);
    expect(scope.stderr).toMatch(/has no applicable oci trust policy statement/);
    // Skip.
    policy(e, repo, [], { level: 'skip' });
    const skip = await w(e, ['verify', ref]);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toBe(
      `Trust policy is configured to skip signature verification for ${ref}\n`,
    );
  }, 180_000);

  it('usage errors exit 2', async () => {
    const e = newEnv();
    const ref = `127.0.0.1:1/x@sha256:${createHash('sha256').update('x').digest('hex')}`;
    for (const args of [
      ['sign', '--timestamp-url', 'http://127.0.0.1:1', ref],
      ['sign', '--oci-layout', '--force-referrers-tag', ref],
      ['sign', '--id', 'k', ref],
      ['sign', '--signature-format', 'pgp', ref],
      ['sign', '-e', '1d', ref],
      ['sign', '-m', 'novalue', ref],
      ['verify', '--scope', 'x', ref],
      ['verify', '-o', 'yaml', ref],
      ['inspect', '-o', 'yaml', ref],
      ['ls', '--max-signatures', '0', ref],
    ]) {
      const r = await w(e, args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
  });
});

describe.skipIf(!ready)(
  'revocation (07 CRL vectors served on localhost:10086, the port their CDPs name)',
  () => {
    it('good, revoked (strict fails revocation in both tools), revoked under permissive (warning)', async () => {
      const { createServer } = await import('node:http');
      const { readFileSync } = await import('node:fs');
      const vec = join(
        import.meta.dirname,
        '..',
        '..',
        '..',
        '..',
        'shared',
        'vectors',
        'notary',
        '07-crl-chain',
      );
      let leafCrl = 'leaf.crl';
      const server = createServer((req, res) => {
        const file =
          req.url === '/leaf.crl'
            ? leafCrl
            : req.url === '/intermediate.crl'
              ? 'intermediate.crl'
              : undefined;
        if (!file) return void res.writeHead(404).end();
        res
          .writeHead(200, { 'content-type': 'application/pkix-crl' })
          .end(readFileSync(join(vec, file)));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(10086, '127.0.0.1', resolve);
      });
      try {
        const chainPem = readFileSync(join(vec, 'certchain_with_crl.pem'), 'utf8');
        const rootPem = `-----BEGIN CERTIFICATE-----${chainPem.split('-----BEGIN CERTIFICATE-----').at(-1) ?? ''}`;
        const { repo, subject } = await image((dist as RunningDistribution).host);
        const ref = `${repo}@${subject.digest}`;
        const signer = newEnv();
        writeFileSync(join(signer.dir, 'k.key'), readFileSync(join(vec, 'leaf.key')));
        writeFileSync(join(signer.dir, 'k.crt'), chainPem);
        await writeSigningKeys(notationPaths({ ...signer.env, HOME: signer.dir }), {
          default: 'k',
          keys: [
            { name: 'k', keyPath: join(signer.dir, 'k.key'), certPath: join(signer.dir, 'k.crt') },
          ],
        });
        const s = await w(signer, ['sign', ref]);
        expect(s.code, s.stderr).toBe(0);
        const setup = (level: string): Env => {
          const e = newEnv();
          const d = join(e.config, 'truststore', 'x509', 'ca', 'crl');
          mkdirSync(d, { recursive: true });
          writeFileSync(join(d, 'root.pem'), rootPem);
          policy(e, repo, ['ca:crl'], { level }, ['*']);
          return e;
        };
        const good = setup('strict');
        expect((await w(good, ['verify', ref])).code).toBe(0);
        expect(n1(good, ['verify', '--insecure-registry', ref]).code).toBe(0);

        leafCrl = 'leaf_revoked.crl';
        const revoked = setup('strict');
        const wr = await w(revoked, ['verify', '-o', 'json', ref]);
        expect(wr.code).toBe(3);
        const doc = JSON.parse(wr.stdout) as {
          checks: { check: string; status: string; reason?: string }[];
        };
        const failed = doc.checks.find((c) => c.status === 'failed');
        expect(failed?.check).toBe('revocation');
        expect(failed?.reason).toMatch(/is revoked/);
        const nr = n1(revoked, ['verify', '-d', '--insecure-registry', ref]);
        expect(nr.code).not.toBe(0);
        expect(nr.stdout + nr.stderr).toMatch(/revocation validation failed/);

        const permissive = setup('permissive');
        const wp = await w(permissive, ['verify', ref]);
        const np = n1(permissive, ['verify', '--insecure-registry', ref]);
        expect([wp.code, np.code]).toEqual([0, 0]);
        const warning = wp.stderr.split('\n').find((l) => l.startsWith('Warning: revocation'));
        expect(warning).toBeDefined();
        expect(np.stdout + np.stderr).toContain(warning as string);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }, 120_000);
  },
);

describe("notation's e2e OCI layout vector (04: legacy signature manifest, referrers tag index)", () => {
  it('verify, ls and inspect as notation documents them', async () => {
    const { cpSync, readFileSync } = await import('node:fs');
    const vectors = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      '..',
      'shared',
      'vectors',
      'notary',
    );
    const e = newEnv();
    const layout = join(e.dir, 'layout');
    cpSync(join(vectors, '04-e2e-oci-layout-valid-signature'), layout, { recursive: true });
    const store = join(e.config, 'truststore', 'x509', 'ca', 'e2e');
    mkdirSync(store, { recursive: true });
    cpSync(join(vectors, '05-e2e-misc', 'e2e.crt'), join(store, 'e2e.crt'));
    writeFileSync(
      join(e.config, 'trustpolicy.oci.json'),
      readFileSync(join(vectors, '05-e2e-misc', 'trustpolicy.oci.e2e.json')),
    );
    const digest = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
    const sig = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
    const v = await w(e, ['verify', '--oci-layout', '--scope', 'local/e2e', 'layout:v1']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`Successfully verified signature for layout@${digest}\n`);
    const ls = await w(e, ['ls', '--oci-layout', `layout@${digest}`]);
    expect(ls.stdout).toBe(
      `layout@${digest}\n└── application/vnd.cncf.notary.signature\n    └── ${sig}\n`,
    );
    // notation v1.3's deprecated --allow-referrers-api is accepted with a warning.
    const old = await w(e, ['ls', '--allow-referrers-api', '--oci-layout', `layout@${digest}`]);
    expect([old.code, old.stdout]).toEqual([0, ls.stdout]);
    expect(old.stderr).toMatch(/^Warning: flag "--allow-referrers-api" is deprecated/);
    const ins = await w(e, ['inspect', '--oci-layout', `layout@${digest}`]);
    expect(ins.code, ins.stderr).toBe(0);
    // JWS times keep the signer's offset (+08:00), shown in that zone as notation does.
    expect(ins.stdout).toContain('        │   └── signing time: Tue Jun 27 13:30:33 2023\n');
    expect(ins.stdout).toContain('        ├── signature algorithm: RSASSA-PSS-SHA-256\n');
    const json = JSON.parse(
      (await w(e, ['inspect', '--oci-layout', '-o', 'json', `layout@${digest}`])).stdout,
    ) as { signatures: { digest: string; signedAttributes: Record<string, string> }[] };
    expect(json.signatures.map((s) => s.digest)).toEqual([sig]);
    expect(json.signatures[0]?.signedAttributes['signingTime']).toBe('2023-06-27T13:30:33+08:00');
    // Another root in the store: authenticity fails, exit 3.
    cpSync(join(vectors, '02-mock-envelopes', 'NotationTestRoot.pem'), join(store, 'e2e.crt'));
    const bad = await w(e, ['verify', '--oci-layout', '--scope', 'local/e2e', `layout@${digest}`]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/authenticity validation failed/);
  });
});

const notation2 = requirePeer('notation');

describe.skipIf(!ready || notation2 === undefined)(
  'notation v2 (OCI 1.1 signature manifests)',
  () => {
    const n2 = (e: Env, args: string[]): RunResult => {
      const r = spawnSync(notation2 as string, args, {
        cwd: e.dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: e.dir, ...e.env, NOTATION_EXPERIMENTAL: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    it('verifies wharf signatures in a registry and in an OCI layout (default form); wharf verifies its own', async () => {
      const e = newEnv();
      const pki = await addKey(e, 'p256');
      addStore(e, 'ca', 'wharf', [pki.root]);
      const { repo, subject } = await image((dist as RunningDistribution).host);
      policy(e, repo, ['ca:wharf']);
      expect(
        (await w(e, ['sign', '--signature-format', 'cose', `${repo}@${subject.digest}`])).code,
      ).toBe(0);
      const r = n2(e, ['verify', '--insecure-registry', `${repo}@${subject.digest}`]);
      expect(r.code, r.stdout + r.stderr).toBe(0);

      const path = join(e.dir, 'layout');
      const store = await OciLayoutStore.open(path, { create: true });
      const d = await pushImage(store);
      await store.flush();
      policy(e, 'local/app', ['ca:wharf']);
      expect((await w(e, ['sign', '--oci-layout', `layout@${d.digest}`])).code).toBe(0);
      const l = n2(e, ['verify', '--oci-layout', `${path}@${d.digest}`, '--scope', 'local/app']);
      expect(l.code, l.stdout + l.stderr).toBe(0);
      const s = n2(e, ['sign', '--oci-layout', '--key', 'p256', `${path}@${d.digest}`]);
      expect(s.code, s.stdout + s.stderr).toBe(0);
      const v = await w(e, ['ls', '--oci-layout', `layout@${d.digest}`]);
      expect(v.stdout.split('\n').filter((x) => /── sha256:/.test(x))).toHaveLength(2);
    }, 120_000);
  },
);

describe.skipIf(!ready)('verification plugins (wharf-test)', () => {
  it('a signature naming a verification plugin: PLUGIN_REQUIRED without its capability, verified with it, as notation', async () => {
    const e = newEnv();
    const pki = mintChain('p256');
    addStore(e, 'ca', 'wharf', [pki.root]);
    await writeTestPluginLauncher(join(e.config, 'plugins', 'wharf-test', 'notation-wharf-test'));
    const { repo, subject } = await image((dist as RunningDistribution).host);
    // Only an identity the signer lacks: the plugin's TRUSTED_IDENTITY capability decides.
    policy(e, repo, ['ca:wharf'], {}, ['x509.subject: C=US, ST=WA, O=Someone Else']);
    const reg = new Registry((dist as RunningDistribution).host, { plainHttp: true });
    try {
      await signArtifact({
        target: reg.repository(repo.slice(repo.indexOf('/') + 1)),
        subject,
        format: 'jws',
        signer: LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join('')),
        extendedAttributes: [
          { key: HEADER.verificationPlugin, value: 'wharf-test', critical: true },
        ],
      });
    } finally {
      await reg.close();
    }
    const ref = `${repo}@${subject.digest}`;
    const noCap = await w(e, ['verify', ref]);
    expect([noCap.code, noCap.stderr]).toEqual([3, expect.stringMatching(/PLUGIN_REQUIRED/)]);
    const ok = await w(e, ['verify', '--plugin-config', 'verifier=both', ref]);
    expect([ok.code, ok.stdout]).toEqual([0, `Successfully verified signature for ${ref}\n`]);
    const nOk = n1(e, ['verify', '--insecure-registry', '--plugin-config', 'verifier=both', ref]);
    expect(nOk.code, nOk.stdout + nOk.stderr).toBe(0);
    const refused = await w(e, [
      'verify',
      '--plugin-config',
      'verifier=both',
      '--plugin-config',
      'verifyResult=fail',
      ref,
    ]);
    expect(refused.code).toBe(3);
    const nRefused = n1(e, [
      'verify',
      '--insecure-registry',
      '--plugin-config',
      'verifier=both',
      '--plugin-config',
      'verifyResult=fail',
      ref,
    ]);
    expect(nRefused.code).not.toBe(0);
  }, 120_000);
});
