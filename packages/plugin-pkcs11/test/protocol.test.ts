/**
 * `notation-pkcs11` against a real SoftHSM v2 token: the plugin contract's commands run through
 * the installed launcher, as notation and Wharf run them. Needs `npx tsc -b packages/plugin-pkcs11`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeKeySchema,
  generateSignatureSchema,
  parseCertificate,
  PLUGIN_CAPABILITY,
  PLUGIN_CONTRACT_VERSION,
  pluginMetadataSchema,
  verifyWithKey,
} from '@wharf/notary';
import {
  CAPABILITY_RAW,
  CONTRACT_VERSION,
  installPkcs11Plugin,
  metadata,
  PLUGIN_VERSION,
} from '../src/index.js';
import { pem } from '../../notary/test/pki.js';
import { createSoftHsm, haveSoftHsm, PIN, TOKEN, type SoftHsm } from './softhsm.js';

let hsm: SoftHsm;
let plugin: string;

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function call(command: string, request: unknown, env: Record<string, string> = {}): Result {
  const r = spawnSync(plugin, [command], {
    input: typeof request === 'string' ? request : JSON.stringify(request),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function errorOf(r: Result): { errorCode: string; errorMessage: string } {
  expect(r.status, r.stdout).not.toBe(0);
  expect(r.stdout).toBe('');
  return JSON.parse(r.stderr) as { errorCode: string; errorMessage: string };
}

const PAYLOAD = Buffer.from('eyJhbGciOiJQUzM4NCJ9.eyJ0YXJnZXRBcnRpZmFjdCI6e319').toString('base64');

function signRequest(keyId: string, keySpec: string, hash: string, config: object = {}): object {
  return {
    contractVersion: '1.0',
    keyId,
    keySpec,
    hashAlgorithm: hash,
    payload: PAYLOAD,
    pluginConfig: { pin: PIN, ...config },
  };
}

beforeAll(async () => {
  if (!haveSoftHsm) return;
  hsm = createSoftHsm();
  plugin = await installPkcs11Plugin(join(hsm.dir, 'plugins'));
});

afterAll(() => {
  if (haveSoftHsm) rmSync(hsm.dir, { recursive: true, force: true });
});

describe('package', () => {
  it('metadata version equals package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(PLUGIN_VERSION).toBe(pkg.version);
  });

  it("metadata's contract version and capability are @wharf/notary's, and it passes the schema", () => {
    expect(CONTRACT_VERSION).toBe(PLUGIN_CONTRACT_VERSION);
    expect(CAPABILITY_RAW).toBe(PLUGIN_CAPABILITY.signatureGenerator);
    expect(pluginMetadataSchema.parse(metadata())).toEqual(metadata());
  });
});

describe.skipIf(!haveSoftHsm)('notation-pkcs11 against SoftHSM v2', () => {
  it('get-plugin-metadata: RAW signing, contract 1.0, valid per the schema', () => {
    const r = call('get-plugin-metadata', { pluginConfig: {} });
    expect(r.status, r.stderr).toBe(0);
    const meta = pluginMetadataSchema.parse(JSON.parse(r.stdout));
    expect(meta).toMatchObject({
      name: 'pkcs11',
      supportedContractVersions: ['1.0'],
      capabilities: ['SIGNATURE_GENERATOR.RAW'],
    });
  });

  it('describe-key reports RSA-3072, EC-256 and EC-384 for the token keys (by label or id)', () => {
    const cases: [string, string][] = [
      [`pkcs11:token=${TOKEN};object=rsa`, 'RSA-3072'],
      [`pkcs11:token=${TOKEN};object=p256`, 'EC-256'],
      [`pkcs11:token=${TOKEN};id=%03`, 'EC-384'],
      [`pkcs11:object=p384;type=private`, 'EC-384'],
    ];
    for (const [keyId, keySpec] of cases) {
      const r = call(
        'describe-key',
        {
          contractVersion: '1.0',
          keyId,
          pluginConfig: { 'pin-source': 'env:WHARF_TEST_HSM_PIN' },
        },
        { WHARF_TEST_HSM_PIN: PIN },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(describeKeySchema.parse(JSON.parse(r.stdout))).toEqual({ keyId, keySpec });
    }
  });

  it('generate-signature signs on the token; the chain (leaf → intermediate → root) comes from the token', () => {
    const cases: [string, string, string, string][] = [
      ['rsa', 'RSA-3072', 'SHA-384', 'RSASSA-PSS-SHA-384'],
      ['p256', 'EC-256', 'SHA-256', 'ECDSA-SHA-256'],
      ['p384', 'EC-384', 'SHA-384', 'ECDSA-SHA-384'],
    ];
    for (const [label, keySpec, hash, algorithm] of cases) {
      const key = hsm.keys[label];
      if (!key) throw new Error(label);
      const r = call('generate-signature', signRequest(key.uri, keySpec, hash));
      expect(r.status, r.stderr).toBe(0);
      const res = generateSignatureSchema.parse(JSON.parse(r.stdout));
      expect(res.keyId).toBe(key.uri);
      expect(res.signingAlgorithm).toBe(algorithm);
      expect(res.certificateChain).toEqual(
        key.chain.chain.map((c) => Buffer.from(c).toString('base64')),
      );
      const leaf = parseCertificate(key.chain.chain[0] as Uint8Array);
      const sig = Buffer.from(res.signature, 'base64');
      expect(
        verifyWithKey(leaf.publicKey, res.signingAlgorithm, Buffer.from(PAYLOAD, 'base64'), sig),
      ).toBe(true);
      // the payload's own signature does not verify another payload
      expect(verifyWithKey(leaf.publicKey, res.signingAlgorithm, Buffer.from('x'), sig)).toBe(
        false,
      );
    }
  });

  it('certChain=<file> replaces the token chain (module= given explicitly); a chain whose leaf is another key is refused', () => {
    const p256 = hsm.keys['p256'];
    const rsa = hsm.keys['rsa'];
    if (!p256 || !rsa) throw new Error('fixture');
    const dir = mkdtempSync(join(tmpdir(), 'wharf-p11-chain-'));
    const good = join(dir, 'good.pem');
    writeFileSync(good, p256.chain.chain.map(pem).join(''));
    const ok = call(
      'generate-signature',
      signRequest(p256.uri, 'EC-256', 'SHA-256', { certChain: good, module: hsm.module }),
    );
    expect(ok.status, ok.stderr).toBe(0);
    const other = join(dir, 'other.pem');
    writeFileSync(other, rsa.chain.chain.map(pem).join(''));
    const e = errorOf(
      call('generate-signature', signRequest(p256.uri, 'EC-256', 'SHA-256', { certChain: other })),
    );
    expect(e.errorCode).toBe('VALIDATION_ERROR');
    expect(e.errorMessage).toMatch(/holds RSA-3072, not the token key's EC-256/);
  });

  it('wrong PIN → ACCESS_DENIED naming CKR_PIN_INCORRECT; the PIN appears nowhere', () => {
    const wrongPin = '31415926';
    const r = call('generate-signature', {
      ...signRequest(`pkcs11:token=${TOKEN};object=p256`, 'EC-256', 'SHA-256'),
      pluginConfig: { pin: wrongPin },
    });
    const e = errorOf(r);
    expect(e.errorCode).toBe('ACCESS_DENIED');
    expect(e.errorMessage).toMatch(/refused the PIN \(CKR_PIN_INCORRECT\)/);
    expect(r.stderr + r.stdout).not.toContain(wrongPin);
    expect(r.stderr + r.stdout).not.toContain(PIN);
  });

  it('unknown object, unknown token, malformed URI, key/cert mismatch, no certificate → clear VALIDATION_ERRORs', () => {
    const cases: [string, string, RegExp][] = [
      [
        `pkcs11:token=${TOKEN};object=nope`,
        'EC-256',
        /no private key object="nope" on token "wharf-test"/,
      ],
      [
        `pkcs11:token=other;object=p256`,
        'EC-256',
        /no token matches token=other \(initialised tokens: "wharf-test"\)/,
      ],
      [
        'pkcs11:token=wharf-test;object=p 256',
        'EC-256',
        /not a valid PKCS#11 URI: attribute object has a character/,
      ],
      ['p256', 'EC-256', /must start with "pkcs11:"/],
      [
        `pkcs11:token=${TOKEN};object=mismatch`,
        'EC-256',
        /does not match the private key on the token/,
      ],
      [`pkcs11:token=${TOKEN};object=nocert`, 'EC-256', /has no certificate with the key's id=05/],
      [
        `pkcs11:token=${TOKEN};object=p256`,
        'EC-384',
        /keySpec EC-384 does not match the key on the token \(EC-256\)/,
      ],
    ];
    for (const [keyId, keySpec, message] of cases) {
      const r = call(
        'generate-signature',
        signRequest(keyId, keySpec, keySpec === 'EC-384' ? 'SHA-384' : 'SHA-256'),
      );
      const e = errorOf(r);
      expect(e.errorCode, keyId).toBe('VALIDATION_ERROR');
      expect(e.errorMessage, keyId).toMatch(message);
      expect(r.stderr).not.toContain(PIN);
    }
  });

  it('request errors: contract version, missing fields, bad JSON, no PIN, unsupported commands', () => {
    const uri = `pkcs11:token=${TOKEN};object=p256`;
    expect(errorOf(call('describe-key', { contractVersion: '2.0', keyId: uri })).errorCode).toBe(
      'UNSUPPORTED_CONTRACT_VERSION',
    );
    expect(errorOf(call('describe-key', { contractVersion: '1.0' })).errorMessage).toMatch(
      /invalid request: keyId/,
    );
    expect(errorOf(call('describe-key', '{"contractVersion":')).errorMessage).toMatch(
      /not valid JSON/,
    );
    expect(
      errorOf(call('describe-key', { contractVersion: '1.0', keyId: uri, pluginConfig: {} }))
        .errorMessage,
    ).toMatch(/PIN is required/);
    expect(errorOf(call('generate-envelope', {})).errorMessage).toMatch(
      /only has the SIGNATURE_GENERATOR.RAW/,
    );
    expect(errorOf(call('frobnicate', {})).errorMessage).toMatch(/unknown command "frobnicate"/);
    const badModule = errorOf(
      call('describe-key', {
        contractVersion: '1.0',
        keyId: uri,
        pluginConfig: { pin: PIN, module: '/nonexistent/lib.so' },
      }),
    );
    expect(badModule.errorMessage).toMatch(/module: \/nonexistent\/lib.so does not exist/);
    const notAModule = errorOf(
      call('describe-key', {
        contractVersion: '1.0',
        keyId: uri,
        pluginConfig: { pin: PIN, module: hsm.conf },
      }),
    );
    expect(notAModule.errorCode).toBe('ERROR');
    expect(notAModule.errorMessage).toMatch(/^loading the PKCS#11 module .*softhsm2\.conf: /);
  });
});
