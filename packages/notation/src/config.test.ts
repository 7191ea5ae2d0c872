import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { isWharfError } from '@wharf/core';
import { requirePeer } from '@wharf/testkit';
import {
  isPluginKey,
  loadBlobTrustPolicy,
  loadOciTrustPolicy,
  notationPaths,
  openTrustStore,
  parseNotationConfig,
  parseSigningKeys,
  readNotationConfig,
  readSigningKeys,
  selectSigningKey,
  writeNotationConfig,
  writeSigningKeys,
  type NotationPaths,
} from './index.js';

function temp(): { dir: string; paths: NotationPaths } {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-notation-config-'));
  const paths = notationPaths({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') });
  mkdirSync(paths.configDir, { recursive: true });
  return { dir, paths };
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return isWharfError(err) ? err.code : `non-wharf: ${String(err)}`;
  }
  return undefined;
}

const POLICY = {
  version: '1.0',
  trustPolicies: [
    {
      name: 'p',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:x'],
      trustedIdentities: ['*'],
    },
  ],
};

describe('notationPaths', () => {
  it('uses XDG, HOME fallbacks and NOTATION_* overrides', () => {
    expect(notationPaths({ HOME: '/h' })).toMatchObject({
      configDir: '/h/.config/notation',
      cacheDir: '/h/.cache/notation',
      libexecDir: '/h/.config/notation',
      signingKeysFile: '/h/.config/notation/signingkeys.json',
      ociTrustPolicyFile: '/h/.config/notation/trustpolicy.oci.json',
      legacyTrustPolicyFile: '/h/.config/notation/trustpolicy.json',
      blobTrustPolicyFile: '/h/.config/notation/trustpolicy.blob.json',
      trustStoreDir: '/h/.config/notation/truststore',
      localKeysDir: '/h/.config/notation/localkeys',
      pluginsDir: '/h/.config/notation/plugins',
      crlCacheDir: '/h/.cache/notation/crl',
    });
    expect(
      notationPaths({ HOME: '/h', XDG_CONFIG_HOME: '/x', XDG_CACHE_HOME: '/c' }),
    ).toMatchObject({
      configDir: '/x/notation',
      cacheDir: '/c/notation',
    });
    // Relative XDG values are ignored (XDG spec).
    expect(notationPaths({ HOME: '/h', XDG_CONFIG_HOME: 'rel' }).configDir).toBe(
      '/h/.config/notation',
    );
    expect(
      notationPaths({
        HOME: '/h',
        NOTATION_CONFIG: '/nc',
        NOTATION_CACHE: '/ncache',
        NOTATION_LIBEXEC: '/lib',
      }),
    ).toMatchObject({ configDir: '/nc', cacheDir: '/ncache', pluginsDir: '/lib/plugins' });
  });
});

describe('signingkeys.json', () => {
  it('missing file is an empty list; round-trips local and plugin keys atomically', async () => {
    const { paths } = temp();
    expect(await readSigningKeys(paths)).toEqual({ keys: [] });
    const doc = {
      default: 'a',
      keys: [
        { name: 'a', keyPath: '/k/a.key', certPath: '/k/a.crt' },
        { name: 'p', id: 'id1', pluginName: 'com.example', pluginConfig: { k: 'v' } },
      ],
    };
    await writeSigningKeys(paths, doc);
    expect(await readSigningKeys(paths)).toEqual(doc);
    expect(statSync(paths.signingKeysFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(paths.configDir)).toEqual(['signingkeys.json']);
    expect(JSON.parse(readFileSync(paths.signingKeysFile, 'utf8'))).toEqual(doc);
    const keys = await readSigningKeys(paths);
    expect(isPluginKey(selectSigningKey(keys, 'p'))).toBe(true);
    expect(selectSigningKey(keys).name).toBe('a');
    expect(await code(() => selectSigningKey(keys, 'nope'))).toBe('KEY_NOT_FOUND');
    expect(await code(() => selectSigningKey({ keys: [] }))).toBe('KEY_NOT_FOUND');
  });

  it.skipIf(requirePeer('notation1') === undefined)(
    'reads what notation v1.3.2 cert generate-test writes, and notation reads what Wharf rewrites',
    async () => {
      const bin = requirePeer('notation1') as string;
      const { dir, paths } = temp();
      const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') };
      const gen = spawnSync(bin, ['cert', 'generate-test', '--default', 'k1'], { env });
      expect(gen.status, String(gen.stderr)).toBe(0);
      const keys = await readSigningKeys(paths);
      expect(keys.default).toBe('k1');
      expect(selectSigningKey(keys)).toEqual({
        name: 'k1',
        keyPath: join(paths.localKeysDir, 'k1.key'),
        certPath: join(paths.localKeysDir, 'k1.crt'),
      });
      await writeSigningKeys(paths, {
        ...keys,
        keys: [...keys.keys, { name: 'plug', id: 'i', pluginName: 'com.example.p' }],
      });
      const ls = spawnSync(bin, ['key', 'ls'], { env, encoding: 'utf8' });
      expect(ls.status, ls.stderr).toBe(0);
      expect(ls.stdout).toMatch(/^\* k1 /m);
      expect(ls.stdout).toMatch(/^plug +i +com\.example\.p/m);
    },
  );

  it('reads the file notation cert generate-test writes (null keys tolerated)', () => {
    expect(parseSigningKeys({ keys: null })).toEqual({ keys: [] });
    expect(parseSigningKeys({ default: '', keys: [] })).toEqual({ keys: [] });
  });

  it.each([
    ['not an object', 'x'],
    ['unknown field', { keys: [], extra: 1 }],
    ['keys not an array', { keys: {} }],
    ['entry without name', { keys: [{ keyPath: 'a', certPath: 'b' }] }],
    ['key pair missing certPath', { keys: [{ name: 'a', keyPath: 'a' }] }],
    ['plugin key missing id', { keys: [{ name: 'a', pluginName: 'p' }] }],
    [
      'both kinds',
      { keys: [{ name: 'a', keyPath: 'a', certPath: 'b', id: 'i', pluginName: 'p' }] },
    ],
    ['neither kind', { keys: [{ name: 'a' }] }],
    [
      'pluginConfig not strings',
      { keys: [{ name: 'a', id: 'i', pluginName: 'p', pluginConfig: { k: 1 } }] },
    ],
    [
      'duplicate names',
      {
        keys: [
          { name: 'a', keyPath: 'a', certPath: 'b' },
          { name: 'a', id: 'i', pluginName: 'p' },
        ],
      },
    ],
    ['dangling default', { default: 'zz', keys: [{ name: 'a', keyPath: 'a', certPath: 'b' }] }],
  ])('rejects %s', async (_name, input) => {
    expect(await code(() => parseSigningKeys(input))).toBe('CONFIG_INVALID');
  });

  it('rejects malformed JSON, a symlink and a directory on disk; refuses to write invalid docs', async () => {
    const { dir, paths } = temp();
    writeFileSync(paths.signingKeysFile, '{"keys": [');
    expect(await code(readSigningKeys(paths))).toBe('CONFIG_INVALID');
    const real = join(dir, 'real.json');
    writeFileSync(real, '{"keys":[]}');
    const other = temp();
    symlinkSync(real, other.paths.signingKeysFile);
    expect(await code(readSigningKeys(other.paths))).toBe('CONFIG_INVALID');
    const third = temp();
    mkdirSync(third.paths.signingKeysFile);
    expect(await code(readSigningKeys(third.paths))).toBe('CONFIG_INVALID');
    expect(
      await code(
        writeSigningKeys(temp().paths, { keys: [{ name: '', keyPath: 'a', certPath: 'b' }] }),
      ),
    ).toBe('CONFIG_INVALID');
  });
});

describe('config.json', () => {
  it('round-trips and keeps unknown fields', async () => {
    const { paths } = temp();
    expect(await readNotationConfig(paths)).toEqual({});
    const cfg = {
      insecureRegistries: ['localhost:5000'],
      credsStore: 'pass',
      signatureFormat: 'cose' as const,
      auths: { 'r.example': { auth: 'eDp5' } },
    };
    await writeNotationConfig(paths, cfg);
    expect(await readNotationConfig(paths)).toEqual(cfg);
    expect(parseNotationConfig({ signatureFormat: '' })).toEqual({});
  });

  it.each([
    ['bad signatureFormat', { signatureFormat: 'pgp' }],
    ['insecureRegistries not array', { insecureRegistries: 'x' }],
    ['credHelpers values not strings', { credHelpers: { a: 1 } }],
    ['array document', []],
  ])('rejects %s', async (_n, input) => {
    expect(await code(() => parseNotationConfig(input))).toBe('CONFIG_INVALID');
  });
});

describe('trust policies and store', () => {
  it('prefers trustpolicy.oci.json, falls back to trustpolicy.json, errors when absent', async () => {
    const { paths } = temp();
    expect(await code(loadOciTrustPolicy(paths))).toBe('POLICY_NOT_FOUND');
    writeFileSync(paths.legacyTrustPolicyFile, JSON.stringify(POLICY));
    expect((await loadOciTrustPolicy(paths)).path).toBe(paths.legacyTrustPolicyFile);
    const named = { ...POLICY, trustPolicies: [{ ...POLICY.trustPolicies[0], name: 'oci' }] };
    writeFileSync(paths.ociTrustPolicyFile, JSON.stringify(named));
    const loaded = await loadOciTrustPolicy(paths);
    expect(loaded.path).toBe(paths.ociTrustPolicyFile);
    expect(loaded.document.statements[0]?.name).toBe('oci');
  });

  it('rejects malformed and invalid policies with codes', async () => {
    const { paths } = temp();
    writeFileSync(paths.ociTrustPolicyFile, '{');
    expect(await code(loadOciTrustPolicy(paths))).toBe('CONFIG_INVALID');
    writeFileSync(paths.ociTrustPolicyFile, JSON.stringify({ ...POLICY, version: '2.0' }));
    expect(await code(loadOciTrustPolicy(paths))).toBe('POLICY_INVALID');
    expect(await code(loadBlobTrustPolicy(paths))).toBe('POLICY_NOT_FOUND');
    writeFileSync(paths.blobTrustPolicyFile, JSON.stringify({ version: '1.0', trustPolicies: [] }));
    expect(await code(loadBlobTrustPolicy(paths))).toBe('POLICY_INVALID');
  });

  it('opens the directory trust store under truststore/', async () => {
    const { paths } = temp();
    expect(await code(openTrustStore(paths).certificates('ca', 'missing'))).toBe(
      'TRUST_STORE_INVALID',
    );
  });
});
