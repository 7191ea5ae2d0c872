/**
 * The plugin protocol end to end against the shipped `wharf-test` plugin (a real child process
 * speaking JSON over stdin/stdout), and interop: notation v1.3.2 signs through the same plugin and
 * verifies the result. Needs `npx tsc -b packages/notary` (the plugin runs from dist).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { requirePeer } from '../../test/peers.js';
import { keyPem, mintChain, pem, type TestChain } from '../../test/pki.js';
import { parseEnvelope, verifyEnvelopeSignature } from '../envelope/index.js';
import { HEADER } from '../envelope/types.js';
import { parseBlobTrustPolicy, selectBlobPolicy } from '../trust-policy.js';
import { createMemoryTrustStore } from '../trust-store.js';
import { verify } from '../verify.js';
import { LocalKeySigner } from '../signer.js';
import { parsePayload, type TargetArtifact } from '../payload.js';
import { signEnvelope } from '../sign.js';
import {
  NotaryPlugin,
  findPlugin,
  listPluginDirectories,
  validatePluginName,
  type PluginRunOptions,
} from './client.js';
import { PluginSigner, signWithPluginEnvelope } from './signer.js';
import { installTestPlugin, testPluginLauncher } from './test-plugin-install.js';

const root = mkdtempSync(join(tmpdir(), 'wharf-plugin-'));
const pluginsDir = join(root, 'plugins');
let chain: TestChain;
let cfg: Record<string, string>;

const TARGET: TargetArtifact = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
  annotations: { 'org.example.build': '7' },
};

beforeAll(async () => {
  await installTestPlugin(pluginsDir);
  chain = mintChain('p256');
  writeFileSync(join(root, 'leaf.key'), keyPem(chain.leafKey));
  writeFileSync(join(root, 'chain.crt'), chain.chain.map((c) => pem(c)).join(''));
  cfg = { keyPath: join(root, 'leaf.key'), certPath: join(root, 'chain.crt') };
});

async function open(options: PluginRunOptions = {}): Promise<NotaryPlugin> {
  return NotaryPlugin.open(pluginsDir, 'wharf-test', { timeoutMs: 20_000, ...options });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isWharfError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'resolved';
}

describe('discovery', () => {
  it('finds the installed plugin and lists it', async () => {
    expect(await findPlugin(pluginsDir, 'wharf-test')).toBe(
      join(pluginsDir, 'wharf-test', 'notation-wharf-test'),
    );
    const list = await listPluginDirectories(pluginsDir);
    expect(list.map((e) => [e.name, e.error?.code])).toEqual([['wharf-test', undefined]]);
  });

  it('refuses traversal and odd names', async () => {
    for (const bad of ['..', '../x', 'a/b', '.hidden', '', 'a\\b', '-x']) {
      expect(() => validatePluginName(bad)).toThrow(/plugin name/);
      expect(await codeOf(findPlugin(pluginsDir, bad))).toMatch(/^INVALID_ARGUMENT/);
    }
  });

  it('reports missing, non-executable and symlinked plugins', async () => {
    const dir = join(root, 'plugins-odd');
    expect(await codeOf(findPlugin(dir, 'nope'))).toMatch(/^PLUGIN_NOT_FOUND/);
    mkdirSync(join(dir, 'noexec'), { recursive: true });
    writeFileSync(join(dir, 'noexec', 'notation-noexec'), '#!/bin/sh\n');
    chmodSync(join(dir, 'noexec', 'notation-noexec'), 0o644);
    expect(await codeOf(findPlugin(dir, 'noexec'))).toMatch(/^PLUGIN_INVALID: .*not executable/);
    mkdirSync(join(dir, 'link'), { recursive: true });
    symlinkSync(
      join(pluginsDir, 'wharf-test', 'notation-wharf-test'),
      join(dir, 'link', 'notation-link'),
    );
    expect(await codeOf(findPlugin(dir, 'link'))).toMatch(/^PLUGIN_INVALID: .*symlinks/);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    expect(await codeOf(findPlugin(dir, 'empty'))).toMatch(/^PLUGIN_NOT_FOUND/);
    const list = await listPluginDirectories(dir);
    expect(list.map((e) => [e.name, e.error?.code])).toEqual([
      ['empty', 'PLUGIN_NOT_FOUND'],
      ['link', 'PLUGIN_INVALID'],
      ['noexec', 'PLUGIN_INVALID'],
    ]);
  });

  it('a plugin that cannot be started is PLUGIN_INVALID', async () => {
    const dir = join(root, 'plugins-bad');
    mkdirSync(join(dir, 'badinterp'), { recursive: true });
    writeFileSync(join(dir, 'badinterp', 'notation-badinterp'), '#!/nonexistent/sh\n', {
      mode: 0o755,
    });
    const p = await NotaryPlugin.open(dir, 'badinterp');
    expect(await codeOf(p.getMetadata())).toMatch(
      /^PLUGIN_INVALID: plugin "badinterp" could not be run/,
    );
  });

  it('the launcher quotes paths', () => {
    expect(testPluginLauncher("/a b/it's.js", '/usr/bin/node')).toBe(
      `#!/bin/sh\nexec '/usr/bin/node' '/a b/it'\\''s.js' "$@"\n`,
    );
  });
});

describe('protocol against wharf-test', () => {
  it('metadata, describe-key and a RAW signature that verifies (JWS and COSE)', async () => {
    const plugin = await open();
    const meta = await plugin.getMetadata(cfg);
    expect(meta).toMatchObject({
      name: 'wharf-test',
      version: '0.1.0',
      supportedContractVersions: ['1.0'],
      capabilities: ['SIGNATURE_GENERATOR.RAW'],
    });
    expect(await plugin.describeKey('k1', cfg)).toEqual({ keyId: 'k1', keySpec: 'EC-256' });
    const signer = await PluginSigner.create({ plugin, keyId: 'k1', pluginConfig: cfg });
    for (const format of ['jws', 'cose'] as const) {
      const signed = await signEnvelope({ format, payload: TARGET, signer });
      const env = parseEnvelope(signed.bytes, signed.mediaType);
      verifyEnvelopeSignature(env);
      expect(env.signingAgent).toBe('wharf/0.1.0 wharf-test/0.1.0');
      expect(env.certificateChain).toEqual(chain.chain);
      expect(parsePayload(env.payload).targetArtifact).toEqual(TARGET);
    }
  });

  it('the ENVELOPE path: Wharf validates the plugin envelope and its payload', async () => {
    const plugin = await open();
    const envCfg = { ...cfg, mode: 'envelope' };
    for (const format of ['jws', 'cose'] as const) {
      const r = await signWithPluginEnvelope({
        plugin,
        keyId: 'k1',
        pluginConfig: envCfg,
        format,
        payload: TARGET,
        userMetadata: { purpose: 'test' },
        expirySeconds: 3600,
      });
      expect(r.annotations).toEqual({ 'io.wharf.test-plugin': 'envelope' });
      expect(r.envelope.expiry).toBeDefined();
      expect(parsePayload(r.envelope.payload).targetArtifact.annotations).toEqual({
        'org.example.build': '7',
        purpose: 'test',
      });
    }
    // RAW-only plugin configuration cannot make envelopes, and vice versa.
    expect(
      await codeOf(
        signWithPluginEnvelope({
          plugin,
          keyId: 'k1',
          pluginConfig: cfg,
          format: 'jws',
          payload: TARGET,
        }),
      ),
    ).toMatch(/^PLUGIN_INVALID: .*SIGNATURE_GENERATOR.ENVELOPE/);
    expect(
      await codeOf(PluginSigner.create({ plugin, keyId: 'k1', pluginConfig: envCfg })),
    ).toMatch(/^PLUGIN_INVALID: .*SIGNATURE_GENERATOR.RAW/);
  });

  it('maps every spec error code to a stable Wharf code', async () => {
    const plugin = await open();
    const table: [string, string][] = [
      ['VALIDATION_ERROR', 'PLUGIN_VALIDATION_ERROR'],
      ['UNSUPPORTED_CONTRACT_VERSION', 'PLUGIN_UNSUPPORTED_CONTRACT_VERSION'],
      ['ACCESS_DENIED', 'PLUGIN_ACCESS_DENIED'],
      ['TIMEOUT', 'PLUGIN_TIMEOUT'],
      ['THROTTLED', 'PLUGIN_THROTTLED'],
      ['ERROR', 'PLUGIN_ERROR'],
      ['SOMETHING_ELSE', 'PLUGIN_ERROR'],
    ];
    for (const [pluginCode, wharfCode] of table) {
      const r = await codeOf(
        plugin.describeKey('k1', {
          ...cfg,
          inject: `error:${pluginCode}`,
          injectOn: 'describe-key',
        }),
      );
      expect(r).toBe(
        `${wharfCode}: plugin "wharf-test" describe-key failed with ${pluginCode}: injected ${pluginCode}`,
      );
    }
  });

  it('real plugin validation errors come through (missing config, bad contract)', async () => {
    const plugin = await open();
    expect(await codeOf(plugin.describeKey('k1', {}))).toMatch(
      /^PLUGIN_VALIDATION_ERROR: .*keyPath and certPath are required/,
    );
    expect(
      await codeOf(plugin.describeKey('k1', { keyPath: '/nonexistent', certPath: '/x' })),
    ).toMatch(/^PLUGIN_ACCESS_DENIED/);
  });

  it('kills a hanging plugin after the timeout', async () => {
    const plugin = await open({ timeoutMs: 1500 });
    const t0 = Date.now();
    expect(
      await codeOf(plugin.describeKey('k1', { ...cfg, inject: 'hang', injectOn: 'describe-key' })),
    ).toMatch(/^PLUGIN_TIMEOUT: .*did not finish within 1500 ms and was killed/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('rejects garbage, oversized output, a bare non-zero exit, and never shows stderr', async () => {
    const plugin = await open({ maxOutputBytes: 256 * 1024 });
    const on = (inject: string): Record<string, string> => ({
      ...cfg,
      inject,
      injectOn: 'describe-key',
    });
    expect(await codeOf(plugin.describeKey('k1', on('garbage')))).toMatch(
      /^PLUGIN_RESPONSE_INVALID: .*not valid JSON/,
    );
    expect(await codeOf(plugin.describeKey('k1', on('oversize:1048576')))).toMatch(
      /^PLUGIN_OUTPUT_TOO_LARGE: .*more than 262144 bytes to stdout/,
    );
    expect(await codeOf(plugin.describeKey('k1', on('exit')))).toMatch(
      /^PLUGIN_ERROR: .*exited with code 3 without a valid error document/,
    );
    const secret = await codeOf(plugin.describeKey('k1', on('secret-stderr')));
    expect(secret).toMatch(/^PLUGIN_ERROR/);
    expect(secret).not.toContain('SECRET-TOKEN');
    expect(await codeOf(plugin.describeKey('k1', on('wrong-keyid')))).toMatch(
      /^PLUGIN_RESPONSE_INVALID: .*different key id/,
    );
  });

  it('rejects a metadata name mismatch', async () => {
    const plugin = await open();
    expect(
      await codeOf(plugin.getMetadata({ inject: 'wrong-name', injectOn: 'get-plugin-metadata' })),
    ).toMatch(/^PLUGIN_INVALID: .*reports the name "someone-else"/);
  });

  it('rejects a signature by another key, a wrong algorithm and a wrong envelope payload', async () => {
    const plugin = await open();
    const sign = async (extra: Record<string, string>): Promise<string> =>
      codeOf(
        (async () => {
          const signer = await PluginSigner.create({
            plugin,
            keyId: 'k1',
            pluginConfig: { ...cfg, ...extra },
          });
          return signEnvelope({ format: 'jws', payload: TARGET, signer });
        })(),
      );
    expect(await sign({ inject: 'wrong-key' })).toMatch(
      /^SIGNATURE_INVALID: .*does not verify with the certificate it returned/,
    );
    expect(await sign({ inject: 'wrong-algorithm' })).toMatch(
      /^PLUGIN_RESPONSE_INVALID: plugin "wharf-test" signed with RSASSA-PSS-SHA-256, ECDSA-SHA-256 was requested/,
    );
    expect(await sign({ inject: 'error:THROTTLED' })).toMatch(/^PLUGIN_THROTTLED/);
    expect(
      await codeOf(
        signWithPluginEnvelope({
          plugin,
          keyId: 'k1',
          pluginConfig: { ...cfg, mode: 'envelope', inject: 'wrong-payload' },
          format: 'cose',
          payload: TARGET,
        }),
      ),
    ).toMatch(/^TARGET_MISMATCH: .*1235 bytes\), not the requested/);
  });
});

describe('verification plugins (verify-signature)', () => {
  const pluginSig = async (minVersion = '0.1.0'): Promise<Uint8Array> => {
    const signer = LocalKeySigner.fromPem(
      keyPem(chain.leafKey),
      chain.chain.map((c) => pem(c)).join(''),
    );
    const signed = await signEnvelope({
      format: 'jws',
      payload: TARGET,
      signer,
      extendedAttributes: [
        { key: HEADER.verificationPlugin, value: 'wharf-test', critical: true },
        { key: HEADER.verificationPluginMinVersion, value: minVersion, critical: true },
        { key: 'io.example.custom', value: 'x', critical: true },
      ],
    });
    return signed.bytes;
  };
  const policy = (level: string, identities: string[]) =>
    selectBlobPolicy(
      parseBlobTrustPolicy({
        version: '1.0',
        trustPolicies: [
          {
            name: 'p',
            signatureVerification: { level },
            trustStores: ['ca:test'],
            trustedIdentities: identities,
            globalPolicy: true,
          },
        ],
      }),
    );
  const OTHER = 'x509.subject: C=US, ST=WA, O=Someone Else';
  const run = async (
    config: Record<string, string> | undefined,
    opts: { level?: string; identities?: string[]; minVersion?: string } = {},
  ) =>
    verify({
      envelope: await pluginSig(opts.minVersion),
      envelopeMediaType: 'application/jose+json',
      policy: policy(opts.level ?? 'strict', opts.identities ?? [OTHER]),
      trustStore: createMemoryTrustStore({ 'ca:test': [chain.root] }),
      ...(config
        ? {
            verificationPlugins: {
              open: (name: string) => NotaryPlugin.open(pluginsDir, name, { timeoutMs: 20_000 }),
              pluginConfig: config,
            },
          }
        : {}),
    });

  it('without a resolver, or with a missing or incapable plugin: PLUGIN_REQUIRED', async () => {
    expect((await run(undefined)).error?.code).toBe('PLUGIN_REQUIRED');
    const missing = await verify({
      envelope: await pluginSig(),
      envelopeMediaType: 'application/jose+json',
      policy: policy('strict', ['*']),
      trustStore: createMemoryTrustStore({ 'ca:test': [chain.root] }),
      verificationPlugins: { open: (name) => NotaryPlugin.open(join(root, 'none'), name) },
    });
    expect(missing.error?.message).toMatch(
      /requires verification plugin "wharf-test" with version >= 0.1.0: plugin "wharf-test" is not installed/,
    );
    expect((await run({})).error?.message).toMatch(/with signature verification capabilities/);
    expect((await run({ verifier: 'both' }, { minVersion: '9.0.0' })).error?.message).toMatch(
      /found plugin wharf-test with version 0.1.0 but signature verification needs plugin version greater than or equal to 9.0.0/,
    );
  });

  it('the plugin takes over identity and revocation; its request carries the attributes', async () => {
    const dump = join(root, 'verify-request.json');
    const r = await run({ verifier: 'both', dumpRequest: dump });
    expect([r.ok, r.error?.message]).toEqual([true, undefined]);
    const req = JSON.parse(readFileSync(dump, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(req['contractVersion']).toBe('1.0');
    expect(req['trustPolicy']).toEqual({
      trustedIdentities: [OTHER],
      signatureVerification: [
        'SIGNATURE_VERIFIER.TRUSTED_IDENTITY',
        'SIGNATURE_VERIFIER.REVOCATION_CHECK',
      ],
    });
    const sig = req['signature'] as Record<string, Record<string, unknown>>;
    expect(sig['unprocessedAttributes']).toEqual(['io.example.custom']);
    expect(sig['criticalAttributes']).toMatchObject({
      contentType: 'application/vnd.cncf.notary.payload.v1+json',
      signingScheme: 'notary.x509',
      extendedAttributes: {
        'io.cncf.notary.verificationPlugin': 'wharf-test',
        'io.cncf.notary.verificationPluginMinVersion': '0.1.0',
        'io.example.custom': 'x',
      },
    });
    expect(sig['certificateChain']).toEqual(
      chain.chain.map((c) => Buffer.from(c).toString('base64')),
    );
    // Without the identity capability the native identity check applies (and fails here).
    expect((await run({ verifier: 'revocation' })).error?.code).toBe('IDENTITY_NOT_TRUSTED');
  });

  it('plugin failures are enforced or logged per level; inconclusive and unprocessed attributes fail', async () => {
    const strict = await run({ verifier: 'both', verifyResult: 'fail' });
    expect(strict.error?.code).toBe('IDENTITY_NOT_TRUSTED');
    expect(strict.error?.message).toMatch(
      /^authenticity validation failed: verification plugin "wharf-test": wharf-test refuses SIGNATURE_VERIFIER.TRUSTED_IDENTITY/,
    );
    const permissive = await run(
      { verifier: 'revocation', verifyResult: 'fail' },
      { level: 'permissive', identities: ['*'] },
    );
    expect(permissive.ok).toBe(true);
    expect(permissive.warnings).toEqual([
      'revocation was set to "log" and failed with error: verification plugin "wharf-test": wharf-test refuses SIGNATURE_VERIFIER.REVOCATION_CHECK',
    ]);
    expect((await run({ verifier: 'both', verifyResult: 'omit' })).error?.message).toMatch(
      /did not return a result for SIGNATURE_VERIFIER.TRUSTED_IDENTITY \(inconclusive\)/,
    );
    const unprocessed = await run({ verifier: 'both', verifyResult: 'no-processed' });
    expect(unprocessed.error?.code).toBe('UNKNOWN_CRITICAL_ATTRIBUTE');
    const crashed = await run({
      verifier: 'both',
      inject: 'error:ACCESS_DENIED',
      injectOn: 'verify-signature',
    });
    expect(crashed.error?.code).toBe('PLUGIN_ACCESS_DENIED');
  });
});

const notation1 = requirePeer('notation1');

describe.skipIf(notation1 === undefined)('notation v1.3.2 signs through wharf-test', () => {
  for (const mode of ['raw', 'envelope'] as const) {
    for (const format of ['jws', 'cose'] as const) {
      it(`${mode} ${format}: notation sign --plugin wharf-test, then notation verify`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'wharf-plugin-n1-'));
        const config = join(dir, 'config', 'notation');
        await installTestPlugin(join(config, 'plugins'));
        const env = {
          ...process.env,
          HOME: dir,
          XDG_CONFIG_HOME: join(dir, 'config'),
          XDG_CACHE_HOME: join(dir, 'cache'),
          NOTATION_EXPERIMENTAL: '1',
        };
        const store = join(config, 'truststore', 'x509', 'ca', 'wharf');
        mkdirSync(store, { recursive: true });
        writeFileSync(join(store, 'root.pem'), pem(chain.root));
        writeFileSync(
          join(config, 'trustpolicy.json'),
          JSON.stringify({
            version: '1.0',
            trustPolicies: [
              {
                name: 'layout',
                registryScopes: ['local/wharf'],
                signatureVerification: { level: 'strict' },
                trustStores: ['ca:wharf'],
                trustedIdentities: ['*'],
              },
            ],
          }),
        );
        const layout = join(dir, 'layout');
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: {
              mediaType: 'application/vnd.oci.empty.v1+json',
              digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
              size: 2,
            },
            layers: [],
            annotations: { nonce: `${mode}-${format}-${Date.now()}` },
          }),
        );
        const hex = createHash('sha256').update(manifest).digest('hex');
        mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
        writeFileSync(join(layout, 'blobs', 'sha256', hex), manifest);
        writeFileSync(
          join(
            layout,
            'blobs',
            'sha256',
            '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          ),
          '{}',
        );
        writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
        writeFileSync(
          join(layout, 'index.json'),
          JSON.stringify({
            schemaVersion: 2,
            manifests: [
              {
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                digest: `sha256:${hex}`,
                size: manifest.length,
              },
            ],
          }),
        );
        const ref = `${layout}@sha256:${hex}`;
        const pc = Object.entries({ ...cfg, mode }).flatMap(([k, v]) => [
          '--plugin-config',
          `${k}=${v}`,
        ]);
        const signed = spawnSync(
          notation1 as string,
          [
            'sign',
            '--oci-layout',
            ref,
            '--plugin',
            'wharf-test',
            '--id',
            'k1',
            '--signature-format',
            format,
            ...pc,
          ],
          { env, encoding: 'utf8', timeout: 60_000 },
        );
        expect(`${signed.stdout}${signed.stderr}`).toContain('Successfully signed');
        expect(signed.status).toBe(0);
        const verified = spawnSync(
          notation1 as string,
          ['verify', '--oci-layout', '--scope', 'local/wharf', ref],
          { env, encoding: 'utf8', timeout: 60_000 },
        );
        expect(`${verified.stdout}${verified.stderr}`).toContain('Successfully verified signature');
        expect(verified.status).toBe(0);
      });
    }
  }
});

describe.skipIf(notation1 === undefined)(
  'notation v1.3.2 verifies through wharf-test (verify-signature)',
  () => {
    it('a Wharf signature requiring wharf-test verifies, and a plugin refusal fails', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wharf-plugin-n1v-'));
      const config = join(dir, 'config', 'notation');
      await installTestPlugin(join(config, 'plugins'));
      const env = {
        ...process.env,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        NOTATION_EXPERIMENTAL: '1',
      };
      const store = join(config, 'truststore', 'x509', 'ca', 'wharf');
      mkdirSync(store, { recursive: true });
      writeFileSync(join(store, 'root.pem'), pem(chain.root));
      writeFileSync(
        join(config, 'trustpolicy.json'),
        JSON.stringify({
          version: '1.0',
          trustPolicies: [
            {
              name: 'layout',
              registryScopes: ['local/wharf'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf'],
              trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else'],
            },
          ],
        }),
      );
      const layout = join(dir, 'layout');
      const blobs = join(layout, 'blobs', 'sha256');
      mkdirSync(blobs, { recursive: true });
      const put = (b: Uint8Array): string => {
        const hex = createHash('sha256').update(b).digest('hex');
        writeFileSync(join(blobs, hex), b);
        return `sha256:${hex}`;
      };
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: put(Buffer.from('{}')),
            size: 2,
          },
          layers: [],
        }),
      );
      const subject = {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: put(manifest),
        size: manifest.length,
      };
      const signer = LocalKeySigner.fromPem(
        keyPem(chain.leafKey),
        chain.chain.map((c) => pem(c)).join(''),
      );
      const signed = await signEnvelope({
        format: 'jws',
        payload: subject,
        signer,
        extendedAttributes: [
          { key: HEADER.verificationPlugin, value: 'wharf-test', critical: true },
          { key: HEADER.verificationPluginMinVersion, value: '0.1.0', critical: true },
        ],
      });
      // notation v1.3 finds the legacy signature manifest form in OCI layouts.
      const sigManifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.cncf.notary.signature',
            digest: put(Buffer.from('{}')),
            size: 2,
          },
          layers: [
            { mediaType: signed.mediaType, digest: put(signed.bytes), size: signed.bytes.length },
          ],
          subject,
          annotations: {
            'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(
              chain.chain.map((c) => createHash('sha256').update(c).digest('hex')),
            ),
            'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        }),
      );
      writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      writeFileSync(
        join(layout, 'index.json'),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            subject,
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: put(sigManifest),
              size: sigManifest.length,
            },
          ],
        }),
      );
      const ref = `${layout}@${subject.digest}`;
      const verifyWith = (extra: string[]) =>
        spawnSync(
          notation1 as string,
          ['verify', '--oci-layout', '--scope', 'local/wharf', ...extra, ref],
          { env, encoding: 'utf8', timeout: 60_000 },
        );
      const ok = verifyWith(['--plugin-config', 'verifier=both']);
      expect(`${ok.stdout}${ok.stderr}`).toContain('Successfully verified signature');
      expect(ok.status).toBe(0);
      // The refusal comes from the plugin's verify-signature answer (its request is dumped).
      const dump = join(dir, 'request.json');
      const refused = verifyWith([
        '--plugin-config',
        'verifier=both',
        '--plugin-config',
        'verifyResult=fail',
        '--plugin-config',
        `dumpRequest=${dump}`,
      ]);
      expect(refused.status).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain('signature verification failed');
      const req = JSON.parse(readFileSync(dump, 'utf8')) as { trustPolicy: unknown };
      expect(req.trustPolicy).toEqual({
        trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else'],
        signatureVerification: [
          'SIGNATURE_VERIFIER.TRUSTED_IDENTITY',
          'SIGNATURE_VERIFIER.REVOCATION_CHECK',
        ],
      });
      // Without the plugin's identity capability notation's own identity check rejects the signer.
      const native = verifyWith(['--plugin-config', 'verifier=revocation']);
      expect(native.status).not.toBe(0);
    });
  },
);
