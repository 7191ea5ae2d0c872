/**
 * The plugin protocol end to end against the shipped `wharf-test` plugin (a real child process
 * speaking JSON over stdin/stdout), and interop: notation v1.3.2 signs through the same plugin and
 * verifies the result. Needs `npx tsc -b packages/notary` (the plugin runs from dist).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { requirePeer } from '../../test/peers.js';
import { keyPem, mintChain, pem, type TestChain } from '../../test/pki.js';
import { parseEnvelope, verifyEnvelopeSignature } from '../envelope/index.js';
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
