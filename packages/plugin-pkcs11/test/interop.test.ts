/**
 * Real HSM signing end to end: `wharf sign --plugin pkcs11` and notation v1.3.2's
 * `notation sign --plugin pkcs11` with keys in a SoftHSM v2 token, on an OCI layout and on a
 * CNCF distribution v3 registry, JWS and COSE, RSA-3072 and P-256; notation v1.3.2 and
 * `wharf verify` accept every signature. Needs `npx tsc -b` (cli and plugin-pkcs11 built).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutStore, pushBytes, type Pusher } from '@wharf/content';
import { MEDIA_TYPE_OCI_MANIFEST, type Descriptor } from '@wharf/core';
import { Registry } from '@wharf/registry-client';
import { requirePeer, startDistribution, type RunningDistribution } from '@wharf/testkit';
import { pem } from '../../notary/test/pki.js';
import { wharf, type RunResult } from '../../cli/test/helpers.js';
import { installPkcs11Plugin, writePkcs11Launcher } from '../src/index.js';
import { createSoftHsm, haveSoftHsm, PIN, TOKEN, type SoftHsm } from './softhsm.js';

const notation1 = requirePeer('notation1');
const registryBin = requirePeer('registry');
const ready = haveSoftHsm && notation1 !== undefined && registryBin !== undefined;
const IDENTITY =
  'x509.subject: C=US, ST=WA, L=Seattle, O=Wharf Test, OU=Signing, CN=Wharf Test Leaf';
const PIN_VAR = 'WHARF_TEST_HSM_PIN';

interface Env {
  readonly dir: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

let hsm: SoftHsm;
let dist: RunningDistribution | undefined;

/** A private notation/Wharf configuration with the plugin installed and the HSM roots trusted. */
async function newEnv(scope: string): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-p11-'));
  const env = { XDG_CONFIG_HOME: join(dir, '.config'), XDG_CACHE_HOME: join(dir, '.cache') };
  const config = join(dir, '.config', 'notation');
  await installPkcs11Plugin(join(config, 'plugins'));
  const store = join(config, 'truststore', 'x509', 'ca', 'hsm');
  mkdirSync(store, { recursive: true });
  for (const label of ['rsa', 'p256']) {
    writeFileSync(join(store, `${label}.pem`), pem(hsm.keys[label]?.chain.root as Uint8Array));
  }
  const doc = JSON.stringify({
    version: '1.0',
    trustPolicies: [
      {
        name: 'hsm',
        registryScopes: [scope],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:hsm'],
        trustedIdentities: [IDENTITY],
      },
    ],
  });
  // notation v1.3.2 reads trustpolicy.json only
  writeFileSync(join(config, 'trustpolicy.json'), doc);
  writeFileSync(join(config, 'trustpolicy.oci.json'), doc);
  return { dir, config, env };
}

const w = (e: Env, args: string[]): Promise<RunResult> => wharf(args, { cwd: e.dir, env: e.env });

function n1(e: Env, args: string[], extraEnv: Record<string, string> = {}): RunResult {
  const r = spawnSync(notation1 as string, args, {
    cwd: e.dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: e.dir,
      SOFTHSM2_CONF: hsm.conf,
      NOTATION_EXPERIMENTAL: '1',
      ...e.env,
      ...extraEnv,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
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

let n = 0;
async function image(): Promise<{ repo: string; subject: Descriptor }> {
  const host = (dist as RunningDistribution).host;
  const name = `hsm/r${++n}-${randomBytes(3).toString('hex')}`;
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

const uri = (label: string): string => `pkcs11:token=${TOKEN};object=${label}`;
const pinFromEnv = ['--plugin-config', `pin-source=env:${PIN_VAR}`];

beforeAll(async () => {
  if (!ready) return;
  hsm = createSoftHsm();
  process.env[PIN_VAR] = PIN;
  dist = await startDistribution(registryBin);
});

afterAll(async () => {
  await dist?.stop();
  if (ready) rmSync(hsm.dir, { recursive: true, force: true });
});

describe.skipIf(!ready)(
  'wharf sign --plugin pkcs11 (SoftHSM) → notation v1.3.2 and wharf verify',
  () => {
    const cases: ['rsa' | 'p256', 'jws' | 'cose'][] = [
      ['rsa', 'jws'],
      ['rsa', 'cose'],
      ['p256', 'jws'],
      ['p256', 'cose'],
    ];
    for (const [label, format] of cases) {
      it(`${label} ${format} on a distribution v3 registry`, async () => {
        const { repo, subject } = await image();
        const e = await newEnv(repo);
        const ref = `${repo}@${subject.digest}`;
        const s = await w(e, [
          'sign',
          '--plugin',
          'pkcs11',
          '--id',
          uri(label),
          ...pinFromEnv,
          '--signature-format',
          format,
          ref,
        ]);
        expect(s.code, s.stderr).toBe(0);
        expect(s.stdout).toContain(`Successfully signed ${ref}`);
        const ins = await w(e, ['inspect', '-o', 'json', ref]);
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
          format === 'jws' ? 'application/jose+json' : 'application/cose',
        );
        expect(sigs[0]?.unsignedAttributes.signingAgent).toContain('pkcs11/0.1.0');
        const nv = n1(e, ['verify', '--insecure-registry', ref]);
        expect(nv.code, nv.stdout + nv.stderr).toBe(0);
        expect(nv.stdout).toContain('Successfully verified signature');
        const v = await w(e, ['verify', ref]);
        expect(v.code, v.stderr).toBe(0);
      });
    }

    for (const [label, format] of [
      ['rsa', 'cose'],
      ['p256', 'jws'],
    ] as const) {
      it(`${label} ${format} on an OCI layout (legacy manifest, which notation v1.3.2 reads)`, async () => {
        const e = await newEnv('local/app');
        const store = await OciLayoutStore.open(join(e.dir, 'layout'), { create: true });
        const subject = await pushImage(store);
        await store.flush();
        const s = await w(e, [
          'sign',
          '--oci-layout',
          '--legacy-manifest',
          '--plugin',
          'pkcs11',
          '--id',
          uri(label),
          '--plugin-config',
          `pin=${PIN}`,
          '--signature-format',
          format,
          `layout@${subject.digest}`,
        ]);
        expect(s.code, s.stderr).toBe(0);
        expect(s.stdout + s.stderr).not.toContain(PIN);
        const nv = n1(e, [
          'verify',
          '--oci-layout',
          `${join(e.dir, 'layout')}@${subject.digest}`,
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
      });
    }

    it('wrong PIN, unknown object, malformed URI, key/cert mismatch: exit 1, the plugin error, no PIN', async () => {
      const { repo, subject } = await image();
      const e = await newEnv(repo);
      const ref = `${repo}@${subject.digest}`;
      const wrongPin = '27182818';
      const cases: [string, string[], RegExp][] = [
        [
          uri('p256'),
          ['--plugin-config', `pin=${wrongPin}`],
          /refused the PIN \(CKR_PIN_INCORRECT\)/,
        ],
        [uri('absent'), pinFromEnv, /no private key object="absent" on token "wharf-test"/],
        [`pkcs11:token=${TOKEN};object=p256;bogus=1`, pinFromEnv, /unknown attribute "bogus"/],
        [uri('mismatch'), pinFromEnv, /does not match the private key on the token/],
      ];
      for (const [id, config, message] of cases) {
        const s = await w(e, ['sign', '--plugin', 'pkcs11', '--id', id, ...config, ref]);
        expect(s.code, id).toBe(1);
        expect(s.stderr, id).toMatch(message);
        expect(s.stdout + s.stderr, id).not.toContain(PIN);
        expect(s.stdout + s.stderr, id).not.toContain(wrongPin);
      }
      const ls = await w(e, ['ls', ref]);
      expect(ls.stdout).toBe(`${ref} has no associated signatures\n`);
    });
  },
);

describe.skipIf(!ready)('notation v1.3.2 signs through notation-pkcs11 (SoftHSM)', () => {
  it('notation sign --plugin pkcs11 (JWS, COSE) → notation and wharf verify; notation key add → wharf sign', async () => {
    const { repo, subject } = await image();
    const e = await newEnv(repo);
    const ref = `${repo}@${subject.digest}`;
    const pinEnv = { [PIN_VAR]: PIN };
    for (const [label, format] of [
      ['p256', 'jws'],
      ['rsa', 'cose'],
    ] as const) {
      const s = n1(
        e,
        [
          'sign',
          '--insecure-registry',
          '--plugin',
          'pkcs11',
          '--id',
          uri(label),
          ...pinFromEnv,
          '--signature-format',
          format,
          ref,
        ],
        pinEnv,
      );
      expect(s.code, s.stdout + s.stderr).toBe(0);
      expect(s.stdout).toContain(`Successfully signed ${ref}`);
    }
    const nv = n1(e, ['verify', '--insecure-registry', ref]);
    expect(nv.code, nv.stdout + nv.stderr).toBe(0);
    const v = await w(e, ['verify', ref]);
    expect(v.code, v.stderr).toBe(0);
    const ins = await w(e, ['inspect', '-o', 'json', ref]);
    const sigs = (JSON.parse(ins.stdout) as { signatures: { signatureEnvelopeType: string }[] })
      .signatures;
    expect(sigs.map((x) => x.signatureEnvelopeType).sort()).toEqual([
      'application/cose',
      'application/jose+json',
    ]);

    // a plugin key registered by notation is the default key wharf signs with
    const added = n1(e, [
      'key',
      'add',
      '--plugin',
      'pkcs11',
      '--id',
      uri('rsa'),
      ...pinFromEnv,
      '--default',
      'hsm-rsa',
    ]);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    const other = await image();
    writeFileSync(
      join(e.config, 'trustpolicy.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'hsm',
            registryScopes: [repo, other.repo],
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:hsm'],
            trustedIdentities: [IDENTITY],
          },
        ],
      }),
    );
    const otherRef = `${other.repo}@${other.subject.digest}`;
    const s = await w(e, ['sign', otherRef]);
    expect(s.code, s.stderr).toBe(0);
    const nv2 = n1(e, ['verify', '--insecure-registry', otherRef]);
    expect(nv2.code, nv2.stdout + nv2.stderr).toBe(0);

    // notation reports the plugin's error and exits non-zero; the PIN stays out of its output
    const wrongPin = '16180339';
    const bad = n1(e, [
      'sign',
      '--insecure-registry',
      '--plugin',
      'pkcs11',
      '--id',
      uri('p256'),
      '--plugin-config',
      `pin=${wrongPin}`,
      otherRef,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/refused the PIN \(CKR_PIN_INCORRECT\)/);
    expect(bad.stdout + bad.stderr).not.toContain(wrongPin);
  });
});

describe.skipIf(!ready)('installing notation-pkcs11', () => {
  it('the launcher installs with wharf plugin install and notation plugin install; both list it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-p11-inst-'));
    const launcher = await writePkcs11Launcher(join(dir, 'dl', 'notation-pkcs11'));
    const e = {
      dir,
      config: join(dir, '.config', 'notation'),
      env: { XDG_CONFIG_HOME: join(dir, '.config') },
    };
    const installed = await w(e, ['plugin', 'install', '--file', launcher]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('Successfully installed plugin pkcs11, version 0.1.0');
    const ls = await w(e, ['plugin', 'ls']);
    expect(ls.stdout).toMatch(
      /^pkcs11 +Wharf PKCS#11 plugin.* +0\.1\.0 +\[SIGNATURE_GENERATOR\.RAW\] +<nil>/m,
    );
    const e2 = { ...e, env: { XDG_CONFIG_HOME: join(dir, 'n1config') } };
    const n1Installed = n1(e2, ['plugin', 'install', '--file', launcher]);
    expect(n1Installed.code, n1Installed.stdout + n1Installed.stderr).toBe(0);
    const n1ls = n1(e2, ['plugin', 'ls']);
    expect(n1ls.stdout).toMatch(
      /^pkcs11 +Wharf PKCS#11 plugin.* +0\.1\.0 +\[SIGNATURE_GENERATOR\.RAW\] +<nil>/m,
    );
  });
});
