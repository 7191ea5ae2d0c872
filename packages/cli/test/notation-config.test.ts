/**
 * notation's configuration commands (`cert`, `key`, `policy`, `plugin`) and `blob
 * sign|verify|inspect|policy`: happy paths, bad input, and interop with real notation v1.3.2 on
 * the same configuration directory (v1.3.2 has no `blob` commands; the notation v2 blob interop
 * test skips when that peer is unavailable). Needs `npx tsc -b packages/cli`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADER, LocalKeySigner, signEnvelope, writeTestPluginLauncher } from '@wharf/notary';
import { requirePeer } from '@wharf/testkit';
import { wharf, type RunResult } from './helpers.js';

const notation1 = requirePeer('notation1');
const notation2 = requirePeer('notation');
const VECTORS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'vectors', 'notary');

interface Env {
  readonly dir: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

function newEnv(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-ncfg-'));
  const env = { XDG_CONFIG_HOME: join(dir, '.config'), XDG_CACHE_HOME: join(dir, '.cache') };
  return { dir, config: join(dir, '.config', 'notation'), env };
}

function w(e: Env, args: string[], stdin?: string): Promise<RunResult> {
  return wharf(args, { cwd: e.dir, env: e.env, ...(stdin !== undefined ? { stdin } : {}) });
}

function n1(e: Env, args: string[], bin = notation1): RunResult {
  const r = spawnSync(bin as string, args, {
    cwd: e.dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: e.dir, ...e.env, NOTATION_EXPERIMENTAL: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const POLICY = (store: string): string =>
  JSON.stringify({
    version: '1.0',
    trustPolicies: [
      {
        name: 'all',
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${store}`],
        trustedIdentities: ['*'],
      },
    ],
  });

/** An OCI layout holding one small manifest; returns `<layout>@<digest>`. */
function layout(e: Env): string {
  const dir = join(e.dir, 'layout');
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
      annotations: { nonce: String(Math.random()) },
    }),
  );
  const hex = createHash('sha256').update(manifest).digest('hex');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'blobs', 'sha256', hex), manifest);
  writeFileSync(
    join(
      dir,
      'blobs',
      'sha256',
      '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    ),
    '{}',
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
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
  return `${dir}@sha256:${hex}`;
}

function blobPolicy(store: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '1.0',
    trustPolicies: [
      {
        name: 'release',
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${store}`],
        trustedIdentities: ['*'],
        globalPolicy: true,
        ...extra,
      },
    ],
  });
}

describe('cert', () => {
  it('generate-test, list, show, delete and cleanup-test', async () => {
    const e = newEnv();
    const g = await w(e, ['cert', 'generate-test', '--default', 'wharf.example']);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('wharf.example: mark as default signing key');
    const keys = JSON.parse(readFileSync(join(e.config, 'signingkeys.json'), 'utf8')) as {
      default: string;
      keys: { name: string; keyPath: string; certPath: string }[];
    };
    expect(keys.default).toBe('wharf.example');
    expect(keys.keys[0]?.keyPath).toBe(join(e.config, 'localkeys', 'wharf.example.key'));
    expect(existsSync(join(e.config, 'truststore/x509/ca/wharf.example/wharf.example.crt'))).toBe(
      true,
    );
    const ls = await w(e, ['cert', 'ls']);
    expect(ls.stdout).toBe(
      'STORE TYPE   STORE NAME      CERTIFICATE         \nca           wharf.example   wharf.example.crt   \n',
    );
    const show = await w(e, [
      'cert',
      'show',
      '-t',
      'ca',
      '-s',
      'wharf.example',
      'wharf.example.crt',
    ]);
    expect(show.stdout).toMatch(
      /^Certificate details\n-{80}\nIssuer: CN=wharf.example,O=Notary,L=Seattle,ST=WA,C=US\n/,
    );
    expect(show.stdout).toContain('IsCA: false');
    // Again: the key name is taken.
    expect((await w(e, ['cert', 'generate-test', 'wharf.example'])).code).toBe(1);
    const cleaned = await w(e, ['cert', 'cleanup-test', '-y', 'wharf.example']);
    expect(cleaned.code).toBe(0);
    expect(existsSync(join(e.config, 'truststore/x509/ca/wharf.example'))).toBe(false);
    expect(existsSync(join(e.config, 'localkeys/wharf.example.key'))).toBe(false);
    expect(JSON.parse(readFileSync(join(e.config, 'signingkeys.json'), 'utf8'))).toEqual({
      keys: [],
    });
  });

  it('add, delete (with and without confirmation) and bad input', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', 'src']);
    const crt = join(e.config, 'localkeys', 'src.crt');
    const add = await w(e, ['cert', 'add', '-t', 'tsa', '-s', 'other', crt]);
    expect(add.code).toBe(0);
    expect(add.stdout).toBe(
      `Successfully added following certificates to named store other of type tsa:\n${crt}\n`,
    );
    // Already there.
    expect((await w(e, ['cert', 'add', '-t', 'tsa', '-s', 'other', crt])).stderr).toMatch(
      /already exists/,
    );
    // No confirmation (no stdin) ⇒ nothing deleted; "n" ⇒ nothing; -y ⇒ deleted.
    await w(e, ['cert', 'delete', '-t', 'tsa', '-s', 'other', 'src.crt']);
    await w(e, ['cert', 'delete', '-t', 'tsa', '-s', 'other', 'src.crt'], 'n\n');
    expect(existsSync(join(e.config, 'truststore/x509/tsa/other/src.crt'))).toBe(true);
    const del = await w(e, ['cert', 'delete', '-t', 'tsa', '-s', 'other', 'src.crt'], 'y\n');
    expect(del.stdout).toBe('Successfully deleted src.crt\n');
    expect((await w(e, ['cert', 'delete', '-t', 'ca', '-s', 'src', '--all', '-y'])).code).toBe(0);
    expect(existsSync(join(e.config, 'truststore/x509/ca/src'))).toBe(false);

    const bad = join(e.dir, 'bad.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    const cases: [string[], number, RegExp][] = [
      [['cert', 'add', '-t', 'ca', '-s', 'x', bad], 1, /failed to add/],
      [['cert', 'add', '-t', 'ca', '-s', 'x', join(e.dir, 'missing.pem')], 1, /failed to add/],
      [['cert', 'add', '-t', 'bogus', '-s', 'x', crt], 2, /unsupported store type: bogus/],
      [['cert', 'add', '-t', 'ca', crt], 2, /named store is required/],
      [['cert', 'add', '-t', 'ca', '-s', '..', crt], 1, /named store ".." is invalid/],
      [['cert', 'add', '-t', 'ca', '-s', '../x', crt], 1, /named store "..\/x" is invalid/],
      [
        ['cert', 'show', '-t', 'ca', '-s', 'x', '../../signingkeys.json'],
        1,
        /certificate file .* is invalid/,
      ],
      [['cert', 'show', '-t', 'ca', '-s', 'nope', 'a.crt'], 1, /cannot be read/],
      [['cert', 'delete', '-t', 'ca', '-s', 'nope', '--all', '-y'], 1, /does not exist/],
      [['cert', 'delete', '-t', 'ca', '-s', 'x'], 2, /either a certificate file name or --all/],
      [['cert', 'ls', '-s', '..'], 1, /invalid/],
      [['cert', 'generate-test', '../evil'], 1, /invalid/],
      [['cert', 'generate-test', '-b', '1024', 'weak'], 1, /RSA key length 1024 is not supported/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await w(e, args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), code]);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(e.config, 'truststore/x509/ca/x'))).toBe(false);
    expect(existsSync(join(e.dir, '.config', 'evil.crt'))).toBe(false);
  });
});

describe('key', () => {
  it('add (local pair and plugin), list, update, delete, and bad input', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', 'a']);
    await w(e, ['cert', 'generate-test', 'b']);
    const lk = (n: string, x: string): string => join(e.config, 'localkeys', `${n}.${x}`);
    const add = await w(e, [
      'key',
      'add',
      '--key',
      lk('a', 'key'),
      '--cert',
      lk('a', 'crt'),
      '--default',
      'local',
    ]);
    expect([add.code, add.stdout]).toEqual([0, 'local: marked as default\n']);
    // Mismatched pair, missing plugin, bad combinations.
    const mism = await w(e, ['key', 'add', '--key', lk('a', 'key'), '--cert', lk('b', 'crt'), 'x']);
    expect([mism.code, mism.stderr]).toEqual([
      1,
      expect.stringMatching(/does not match the leaf certificate \(KEY_INVALID\)/),
    ]);
    const noPlugin = await w(e, ['key', 'add', '--plugin', 'nope', '--id', 'k', 'x']);
    expect(noPlugin.stderr).toMatch(/plugin "nope" is not installed \(PLUGIN_NOT_FOUND\)/);
    expect((await w(e, ['key', 'add', '--plugin', '../evil', '--id', 'k', 'x'])).stderr).toMatch(
      /INVALID_ARGUMENT/,
    );
    expect((await w(e, ['key', 'add', '--plugin', 'p', 'x'])).code).toBe(2);
    expect((await w(e, ['key', 'add', 'x'])).code).toBe(2);
    expect(
      (await w(e, ['key', 'add', '--key', lk('a', 'key'), '--cert', lk('a', 'crt'), 'a'])).stderr,
    ).toMatch(/already exists/);

    await writeTestPluginLauncher(join(e.config, 'plugins', 'wharf-test', 'notation-wharf-test'));
    const pk = await w(e, [
      'key',
      'add',
      '--plugin',
      'wharf-test',
      '--id',
      'k1',
      '--plugin-config',
      'keyPath=/k',
      '--plugin-config',
      'a=b=c',
      'pk',
    ]);
    expect([pk.code, pk.stdout]).toEqual([0, 'pk\n']);
    const ls = await w(e, ['key', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(
      /^NAME {3,}KEY PATH {3,}CERTIFICATE PATH {3,}ID {3}PLUGIN NAME {3}$/,
    );
    expect(ls.stdout).toMatch(/^\* local {3,}\//m);
    expect(ls.stdout).toMatch(/^pk {3,}k1 {3}wharf-test {4}$/m);
    const doc = JSON.parse(readFileSync(join(e.config, 'signingkeys.json'), 'utf8')) as {
      keys: unknown[];
    };
    expect(doc.keys[3]).toEqual({
      name: 'pk',
      id: 'k1',
      pluginName: 'wharf-test',
      pluginConfig: { keyPath: '/k', a: 'b=c' },
    });

    expect((await w(e, ['key', 'update', '-v', '--default', 'pk'])).stdout).toBe(
      'pk: marked as default\n',
    );
    expect((await w(e, ['key', 'update', '--default', 'nope'])).code).toBe(1);
    expect((await w(e, ['key', 'update', 'pk'])).code).toBe(2);
    // All-or-nothing: one unknown name deletes nothing.
    expect((await w(e, ['key', 'delete', 'pk', 'nope'])).stderr).toMatch(
      /signing key nope not found/,
    );
    const del = await w(e, ['key', 'delete', 'pk', 'local']);
    expect(del.stdout).toBe(
      'Removed pk from Notation signing key list. The source key still exists.\nRemoved local from Notation signing key list. The source key still exists.\n',
    );
    const after = JSON.parse(readFileSync(join(e.config, 'signingkeys.json'), 'utf8')) as {
      default?: string;
      keys: { name: string }[];
    };
    expect(after.default).toBeUndefined();
    expect(after.keys.map((k) => k.name)).toEqual(['a', 'b']);
    // A malformed signingkeys.json is refused, not overwritten.
    writeFileSync(join(e.config, 'signingkeys.json'), '{"keys": [{"name": "x"}]}');
    const broken = await w(e, ['key', 'ls']);
    expect([broken.code, broken.stderr]).toEqual([1, expect.stringMatching(/CONFIG_INVALID/)]);
  });
});

describe('policy and blob policy', () => {
  it('import validates before writing; show; init; --force; prompts', async () => {
    const e = newEnv();
    const file = join(e.dir, 'p.json');
    writeFileSync(file, '{"version":"1.0","trustPolicies":[]}');
    const bad = await w(e, ['policy', 'import', file]);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/POLICY_INVALID/)]);
    writeFileSync(file, '{not json');
    expect((await w(e, ['policy', 'import', file])).stderr).toMatch(/malformed JSON/);
    expect(existsSync(join(e.config, 'trustpolicy.oci.json'))).toBe(false);
    expect((await w(e, ['policy', 'show'])).stderr).toMatch(/does not exist/);

    writeFileSync(file, POLICY('s1'));
    const ok = await w(e, ['policy', 'import', file]);
    expect([ok.code, ok.stdout]).toEqual([
      0,
      'Trust policy configuration imported successfully.\n',
    ]);
    // notation 2 reads trustpolicy.oci.json, notation 1.x trustpolicy.json: both are written.
    expect(readFileSync(join(e.config, 'trustpolicy.oci.json'), 'utf8')).toBe(POLICY('s1'));
    expect(readFileSync(join(e.config, 'trustpolicy.json'), 'utf8')).toBe(POLICY('s1'));
    expect((await w(e, ['policy', 'show'])).stdout).toBe(POLICY('s1'));
    writeFileSync(file, POLICY('s2'));
    await w(e, ['policy', 'import', file]); // no answer ⇒ kept
    expect(readFileSync(join(e.config, 'trustpolicy.oci.json'), 'utf8')).toBe(POLICY('s1'));
    await w(e, ['policy', 'import', file], 'y\n');
    expect(readFileSync(join(e.config, 'trustpolicy.oci.json'), 'utf8')).toBe(POLICY('s2'));
    const forced = await w(e, ['policy', 'import', '--force', file]);
    expect(forced.stderr).toBe(
      'Warning: existing trust policy configuration file will be overwritten\n',
    );
    // A broken file on disk: show refuses it.
    writeFileSync(join(e.config, 'trustpolicy.oci.json'), '{"version":"2.0","trustPolicies":[]}');
    expect((await w(e, ['policy', 'show'])).stderr).toMatch(
      /is invalid, you may update or create a new one/,
    );

    const init = await w(e, [
      'policy',
      'init',
      '--force',
      '-n',
      'imgs',
      '--scope',
      'localhost:5000/app',
      '--trust-store',
      'ca:s1',
      '--trusted-identity',
      '*',
    ]);
    expect(init.code).toBe(0);
    expect(JSON.parse(readFileSync(join(e.config, 'trustpolicy.oci.json'), 'utf8'))).toEqual({
      version: '1.0',
      trustPolicies: [
        {
          name: 'imgs',
          registryScopes: ['localhost:5000/app'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:s1'],
          trustedIdentities: ['*'],
        },
      ],
    });
    expect(
      (
        await w(e, [
          'policy',
          'init',
          '--force',
          '-n',
          'x',
          '--scope',
          'bad scope/',
          '--trust-store',
          'ca:s1',
          '--trusted-identity',
          '*',
        ])
      ).stderr,
    ).toMatch(/POLICY_INVALID/);
    expect((await w(e, ['policy', 'init', '-n', 'x'])).code).toBe(2);

    // blob policy
    expect((await w(e, ['blob', 'policy', 'show'])).code).toBe(1);
    const bi = await w(e, [
      'blob',
      'policy',
      'init',
      '-n',
      'rel',
      '--trust-store',
      'ca:s1',
      '--trusted-identity',
      'x509.subject: C=US, ST=WA, O=acme',
      '--global',
    ]);
    expect(bi.stdout).toBe(
      `Successfully initialized blob trust policy file to ${join(e.config, 'trustpolicy.blob.json')}\n`,
    );
    expect(JSON.parse((await w(e, ['blob', 'policy', 'show'])).stdout)).toMatchObject({
      trustPolicies: [{ name: 'rel', globalPolicy: true }],
    });
    writeFileSync(file, POLICY('s1')); // has registryScopes: not a blob policy
    expect((await w(e, ['blob', 'policy', 'import', '--force', file])).stderr).toMatch(
      /POLICY_INVALID/,
    );
    writeFileSync(file, blobPolicy('s9'));
    expect((await w(e, ['blob', 'policy', 'import', '--force', file])).code).toBe(0);
    expect(readFileSync(join(e.config, 'trustpolicy.blob.json'), 'utf8')).toBe(blobPolicy('s9'));
  });
});

describe('plugin', () => {
  it('install from a file, a .tar.gz and a .zip, list, versions, checksums, uninstall, bad input', async () => {
    const e = newEnv();
    const src = join(e.dir, 'src', 'notation-wharf-test');
    await writeTestPluginLauncher(src);
    const inst = await w(e, ['plugin', 'install', '--file', src]);
    expect([inst.code, inst.stdout]).toEqual([
      0,
      'Successfully installed plugin wharf-test, version 0.1.0\n',
    ]);
    const ls = await w(e, ['plugin', 'ls']);
    expect(ls.stdout).toBe(
      'NAME         DESCRIPTION                                                   VERSION   CAPABILITIES                ERROR   \n' +
        'wharf-test   Wharf test plugin: signs with a local key file (tests only)   0.1.0     [SIGNATURE_GENERATOR.RAW]   <nil>   \n',
    );
    expect((await w(e, ['plugin', 'install', '--file', src])).stderr).toMatch(
      /plugin wharf-test with version 0.1.0 already exists/,
    );
    expect((await w(e, ['plugin', 'install', '--file', src, '--force'])).stdout).toBe(
      'Successfully updated plugin wharf-test from version 0.1.0 to 0.1.0\n',
    );
    const sum = createHash('sha256').update(readFileSync(src)).digest('hex');
    expect((await w(e, ['plugin', 'install', '--force', '--sha256sum', sum, src])).code).toBe(0);
    expect(
      (await w(e, ['plugin', 'install', '--force', '--sha256sum', '0'.repeat(64), src])).stderr,
    ).toMatch(/checksum does not match/);

    // Not executable, wrong file name, a plugin whose metadata is garbage or names another plugin.
    const plain = join(e.dir, 'src', 'notation-plain');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    expect((await w(e, ['plugin', 'install', plain])).stderr).toMatch(/is not executable/);
    const wrongName = join(e.dir, 'src', 'myplugin');
    writeFileSync(wrongName, '#!/bin/sh\n', { mode: 0o755 });
    expect((await w(e, ['plugin', 'install', wrongName])).stderr).toMatch(
      /must be notation-<plugin name>/,
    );
    const garbage = join(e.dir, 'src', 'notation-garbage');
    writeFileSync(garbage, '#!/bin/sh\necho not-json\n', { mode: 0o755 });
    expect((await w(e, ['plugin', 'install', garbage])).stderr).toMatch(
      /does not answer get-plugin-metadata correctly/,
    );
    const other = join(e.dir, 'src', 'notation-other');
    writeFileSync(other, readFileSync(src), { mode: 0o755 });
    expect((await w(e, ['plugin', 'install', other])).stderr).toMatch(
      /reports the name "wharf-test"/,
    );
    expect(existsSync(join(e.config, 'plugins', 'garbage'))).toBe(false);
    expect(existsSync(join(e.config, 'plugins', 'other'))).toBe(false);

    // .tar.gz with one plugin (installed), with two (refused), and not an archive (refused).
    const tarDir = join(e.dir, 'tar');
    mkdirSync(tarDir);
    writeFileSync(join(tarDir, 'notation-wharf-test'), readFileSync(src), { mode: 0o755 });
    writeFileSync(join(tarDir, 'LICENSE'), 'x');
    spawnSync('tar', [
      '-czf',
      join(e.dir, 'p.tar.gz'),
      '-C',
      tarDir,
      'notation-wharf-test',
      'LICENSE',
    ]);
    expect((await w(e, ['plugin', 'uninstall', '-y', 'wharf-test'])).stdout).toBe(
      'Successfully uninstalled plugin wharf-test\n',
    );
    expect((await w(e, ['plugin', 'install', '--file', join(e.dir, 'p.tar.gz')])).stdout).toBe(
      'Successfully installed plugin wharf-test, version 0.1.0\n',
    );
    writeFileSync(join(tarDir, 'notation-second'), 'x', { mode: 0o755 });
    spawnSync('tar', [
      '-czf',
      join(e.dir, 'two.tar.gz'),
      '-C',
      tarDir,
      'notation-wharf-test',
      'notation-second',
    ]);
    expect(
      (await w(e, ['plugin', 'install', '--force', join(e.dir, 'two.tar.gz')])).stderr,
    ).toMatch(/more than one notation-\* file/);
    writeFileSync(join(e.dir, 'fake.tar.gz'), 'not gzip');
    expect((await w(e, ['plugin', 'install', join(e.dir, 'fake.tar.gz')])).stderr).toMatch(
      /cannot read fake.tar.gz as a .tar.gz archive/,
    );
    expect((await w(e, ['plugin', 'install', '--url', 'https://example.com/p.tar.gz'])).code).toBe(
      2,
    );

    // .zip: one plugin (installed), two, a symlink named notation-*, not a zip.
    const zipOf = (name: string, files: string[], extra: string[] = []): string => {
      const out = join(e.dir, name);
      const r = spawnSync('zip', ['-q', ...extra, out, ...files], { cwd: tarDir });
      expect(r.status).toBe(0);
      return out;
    };
    expect((await w(e, ['plugin', 'uninstall', '-y', 'wharf-test'])).code).toBe(0);
    const oneZip = zipOf('p.zip', ['notation-wharf-test', 'LICENSE']);
    expect((await w(e, ['plugin', 'install', '--file', oneZip])).stdout).toBe(
      'Successfully installed plugin wharf-test, version 0.1.0\n',
    );
    const twoZip = zipOf('two.zip', ['notation-wharf-test', 'notation-second']);
    expect((await w(e, ['plugin', 'install', '--force', twoZip])).stderr).toMatch(
      /more than one notation-\* file/,
    );
    symlinkSync('/bin/sh', join(tarDir, 'notation-link'));
    const linkZip = zipOf('link.zip', ['notation-link'], ['-y']);
    expect((await w(e, ['plugin', 'install', linkZip])).stderr).toMatch(
      /notation-link in the archive is not a regular file/,
    );
    writeFileSync(join(e.dir, 'fake.zip'), 'not a zip');
    expect((await w(e, ['plugin', 'install', join(e.dir, 'fake.zip')])).stderr).toMatch(
      /cannot read fake.zip as a .zip archive/,
    );
    expect(existsSync(join(e.config, 'plugins', 'link'))).toBe(false);

    // uninstall: prompt, unknown, traversal
    await w(e, ['plugin', 'uninstall', 'wharf-test']);
    expect(existsSync(join(e.config, 'plugins', 'wharf-test'))).toBe(true);
    expect((await w(e, ['plugin', 'uninstall', '-y', 'nope'])).stderr).toMatch(
      /unable to find plugin nope/,
    );
    expect((await w(e, ['plugin', 'uninstall', '-y', '..'])).stderr).toMatch(/INVALID_ARGUMENT/);
    expect(existsSync(e.config)).toBe(true);
    expect(readFileSync(join(e.config, 'plugins', 'wharf-test', 'notation-wharf-test'))).toEqual(
      readFileSync(src),
    );
  });
});

describe('plugin install --url', () => {
  it('downloads over HTTPS (checksum required), detects .tar.gz by content, refuses http and bad sums', async () => {
    const e = newEnv();
    const pki = join(e.dir, 'tls');
    mkdirSync(pki);
    const ossl = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(pki, 'key.pem'),
      '-out',
      join(pki, 'cert.pem'),
    ]);
    expect(ossl.status).toBe(0);
    const launcher = join(e.dir, 'src', 'notation-wharf-test');
    await writeTestPluginLauncher(launcher);
    const exe = readFileSync(launcher);
    const tarDir = join(e.dir, 'tar');
    mkdirSync(tarDir);
    writeFileSync(join(tarDir, 'notation-wharf-test'), exe, { mode: 0o755 });
    spawnSync('tar', ['-czf', join(e.dir, 'p.tar.gz'), '-C', tarDir, 'notation-wharf-test']);
    const tgz = readFileSync(join(e.dir, 'p.tar.gz'));
    const server = createHttpsServer(
      { key: readFileSync(join(pki, 'key.pem')), cert: readFileSync(join(pki, 'cert.pem')) },
      (req, res) => {
        if (req.url === '/dl/notation-wharf-test') res.end(exe);
        else if (req.url === '/dl/plugin-v1') res.end(tgz);
        else res.writeHead(404).end();
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/dl`;
    const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
    const run = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolveRun) => {
        execFile(
          process.execPath,
          [bin, ...args],
          {
            env: {
              PATH: process.env['PATH'] ?? '',
              HOME: e.dir,
              ...e.env,
              NODE_EXTRA_CA_CERTS: join(pki, 'cert.pem'),
            },
          },
          (err, stdout, stderr) =>
            resolveRun({ code: err ? Number(err.code ?? 1) : 0, out: stdout, err: stderr }),
        );
      });
    const sum = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    try {
      const ok = await run([
        'plugin',
        'install',
        '--url',
        `${base}/notation-wharf-test`,
        '--sha256sum',
        sum(exe),
      ]);
      expect([ok.code, ok.out]).toEqual([
        0,
        'Successfully installed plugin wharf-test, version 0.1.0\n',
      ]);
      const tar = await run([
        'plugin',
        'install',
        '--force',
        '--url',
        `${base}/plugin-v1`,
        '--sha256sum',
        sum(tgz),
      ]);
      expect([tar.code, tar.out]).toEqual([
        0,
        'Successfully updated plugin wharf-test from version 0.1.0 to 0.1.0\n',
      ]);
      const bad = await run([
        'plugin',
        'install',
        '--force',
        '--url',
        `${base}/plugin-v1`,
        '--sha256sum',
        sum(exe),
      ]);
      expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/checksum does not match/)]);
      const missing = await run([
        'plugin',
        'install',
        '--force',
        '--url',
        `${base}/nope`,
        '--sha256sum',
        sum(exe),
      ]);
      expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/HTTP 404/)]);
      expect((await run(['plugin', 'install', '--url', `${base}/notation-wharf-test`])).code).toBe(
        2,
      );
      expect(
        (
          await run([
            'plugin',
            'install',
            '--url',
            'http://127.0.0.1:1/notation-x',
            '--sha256sum',
            sum(exe),
          ])
        ).code,
      ).toBe(2);
      expect(readdirSync(join(e.config, 'plugins')).sort()).toEqual(['wharf-test']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('blob sign, verify, inspect', () => {
  it('signs and verifies with local keys (JWS, COSE, RSA-3072 ⇒ sha384), metadata, failures exit 3', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', '--default', 'k2048']);
    await w(e, ['cert', 'generate-test', '-b', '3072', 'k3072']);
    writeFileSync(
      join(e.dir, 'p.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'a',
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:k2048', 'ca:k3072'],
            trustedIdentities: ['*'],
            globalPolicy: true,
          },
          {
            name: 'only3072',
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:k3072'],
            trustedIdentities: ['*'],
          },
        ],
      }),
    );
    expect((await w(e, ['blob', 'policy', 'import', join(e.dir, 'p.json')])).code).toBe(0);
    const blob = join(e.dir, 'app.bin');
    writeFileSync(blob, 'hello blob\n');
    const s = await w(e, ['blob', 'sign', '-m', 'build=42', 'app.bin']);
    expect([s.code, s.stdout]).toEqual([
      0,
      `Successfully signed app.bin\nSignature file written to ${blob}.jws.sig\n`,
    ]);
    const v = await w(e, ['blob', 'verify', '-s', 'app.bin.jws.sig', '-m', 'build=42', 'app.bin']);
    expect([v.code, v.stdout]).toEqual([
      0,
      'Successfully verified signature for app.bin\n\nThe artifact was signed with the following user metadata.\n\nKEY     VALUE   \nbuild   42      \n',
    ]);
    // Again without --force: refused; with: fine. COSE with the 3072 key into another dir.
    expect((await w(e, ['blob', 'sign', 'app.bin'])).stderr).toMatch(/already exists/);
    expect((await w(e, ['blob', 'sign', '--force', 'app.bin'])).code).toBe(0);
    mkdirSync(join(e.dir, 'sigs'));
    const c = await w(e, [
      'blob',
      'sign',
      '-k',
      'k3072',
      '--signature-format',
      'cose',
      '--signature-directory',
      'sigs',
      '--media-type',
      'text/plain',
      '-e',
      '1h',
      'app.bin',
    ]);
    expect(c.code).toBe(0);
    const insp = await w(e, ['blob', 'inspect', '-o', 'json', 'sigs/app.bin.cose.sig']);
    const j = JSON.parse(insp.stdout) as Record<string, Record<string, unknown>>;
    expect(j['signatureAlgorithm']).toBe('RSASSA-PSS-SHA-384');
    expect(j['signedArtifact']).toEqual({
      mediaType: 'text/plain',
      digest: `sha384:${createHash('sha384').update('hello blob\n').digest('hex')}`,
      size: 11,
    });
    expect(Object.keys(j['signedAttributes'] ?? {})).toEqual([
      'contentType',
      'expiry',
      'signingScheme',
      'signingTime',
    ]);
    expect(j['userDefinedAttributes']).toBeNull();
    expect(
      (
        await w(e, [
          'blob',
          'verify',
          '-s',
          'sigs/app.bin.cose.sig',
          '--policy-name',
          'only3072',
          '--media-type',
          'text/plain',
          'app.bin',
        ])
      ).code,
    ).toBe(0);
    const tree = await w(e, ['blob', 'inspect', 'sigs/app.bin.cose.sig']);
    expect(tree.stdout).toMatch(
      /^sigs\/app.bin.cose.sig\n├── signature algorithm: RSASSA-PSS-SHA-384\n├── signature envelope type: application\/cose\n├── signed attributes\n│ {3}├── content type: application\/vnd.cncf.notary.payload.v1\+json\n│ {3}├── signing scheme: notary.x509\n│ {3}├── signing time: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n│ {3}└── expiry: /,
    );
    expect(tree.stdout).toContain('├── user defined attributes\n│   └── (empty)\n');
    expect(tree.stdout).toContain(`    └── size: 11\n`);

    // Failures: exit 3 with the check's code.
    const fails: [string[], RegExp][] = [
      [
        ['blob', 'verify', '-s', 'app.bin.jws.sig', '-m', 'build=43', 'app.bin'],
        /USER_METADATA_MISMATCH/,
      ],
      [
        ['blob', 'verify', '-s', 'app.bin.jws.sig', '--policy-name', 'only3072', 'app.bin'],
        /CERT_UNTRUSTED|authenticity/,
      ],
      [
        ['blob', 'verify', '-s', 'app.bin.jws.sig', '--policy-name', 'nope', 'app.bin'],
        /NO_MATCHING_POLICY/,
      ],
      [
        [
          'blob',
          'verify',
          '-s',
          'sigs/app.bin.cose.sig',
          '--media-type',
          'application/json',
          'app.bin',
        ],
        /TARGET_MISMATCH/,
      ],
    ];
    for (const [args, msg] of fails) {
      const r = await w(e, args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 3]);
      expect(r.stderr).toMatch(msg);
    }
    writeFileSync(blob, 'hello blob!\n');
    const tampered = await w(e, ['blob', 'verify', '-s', 'app.bin.jws.sig', 'app.bin']);
    expect([tampered.code, tampered.stderr]).toEqual([3, expect.stringMatching(/TARGET_MISMATCH/)]);
    const sig = readFileSync(join(e.dir, 'app.bin.jws.sig'), 'utf8');
    writeFileSync(join(e.dir, 'broken.jws.sig'), sig.replace(/"signature":"./, '"signature":"A'));
    expect((await w(e, ['blob', 'verify', '-s', 'broken.jws.sig', 'app.bin'])).code).toBe(3);
    writeFileSync(join(e.dir, 'junk.jws.sig'), '{}');
    expect((await w(e, ['blob', 'verify', '-s', 'junk.jws.sig', 'app.bin'])).code).toBe(3);
    // Bad input: exit 1 / 2.
    writeFileSync(join(e.dir, 'x.sig'), sig);
    expect((await w(e, ['blob', 'verify', '-s', 'x.sig', 'app.bin'])).stderr).toMatch(
      /must be named <blob>.<jws\|cose>.sig/,
    );
    expect((await w(e, ['blob', 'verify', 'app.bin'])).code).toBe(2);
    expect((await w(e, ['blob', 'sign', '-e', '3x', 'app.bin'])).code).toBe(2);
    expect((await w(e, ['blob', 'sign', '--signature-format', 'pgp', 'app.bin'])).code).toBe(2);
    expect(
      (await w(e, ['blob', 'sign', '--timestamp-url', 'http://127.0.0.1:1', 'app.bin'])).code,
    ).toBe(2);
    expect((await w(e, ['blob', 'sign', '--force', '-k', 'nope', 'app.bin'])).stderr).toMatch(
      /KEY_NOT_FOUND/,
    );
    expect((await w(e, ['blob', 'sign', 'missing.bin'])).stderr).toMatch(/does not exist/);
  });

  it('signs through the wharf-test plugin (RAW and ENVELOPE) and verifies', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', 'pk']);
    await writeTestPluginLauncher(join(e.dir, 'notation-wharf-test'));
    expect(
      (await w(e, ['plugin', 'install', '--file', join(e.dir, 'notation-wharf-test')])).code,
    ).toBe(0);
    writeFileSync(join(e.dir, 'p.json'), blobPolicy('pk'));
    await w(e, ['blob', 'policy', 'import', join(e.dir, 'p.json')]);
    writeFileSync(join(e.dir, 'f.txt'), 'data');
    const cfg = [
      '--plugin-config',
      `keyPath=${join(e.config, 'localkeys', 'pk.key')}`,
      '--plugin-config',
      `certPath=${join(e.config, 'localkeys', 'pk.crt')}`,
    ];
    const raw = await w(e, [
      'blob',
      'sign',
      '--plugin',
      'wharf-test',
      '--id',
      'k1',
      ...cfg,
      'f.txt',
    ]);
    expect(raw.code).toBe(0);
    expect((await w(e, ['blob', 'verify', '-s', 'f.txt.jws.sig', 'f.txt'])).code).toBe(0);
    const agent = JSON.parse(
      (await w(e, ['blob', 'inspect', '-o', 'json', 'f.txt.jws.sig'])).stdout,
    ) as { unsignedAttributes: { signingAgent: string } };
    expect(agent.unsignedAttributes.signingAgent).toBe('wharf/0.1.0 wharf-test/0.1.0');
    // A key entry for the plugin, in envelope mode, COSE, with metadata.
    await w(e, [
      'key',
      'add',
      '--plugin',
      'wharf-test',
      '--id',
      'k1',
      ...cfg,
      '--plugin-config',
      'mode=envelope',
      'env',
    ]);
    const env = await w(e, [
      'blob',
      'sign',
      '-k',
      'env',
      '--signature-format',
      'cose',
      '-m',
      'a=b',
      'f.txt',
    ]);
    expect(env.code).toBe(0);
    expect(
      (await w(e, ['blob', 'verify', '-s', 'f.txt.cose.sig', '-m', 'a=b', 'f.txt'])).code,
    ).toBe(0);
    // Plugin failures surface with their codes.
    const denied = await w(e, [
      'blob',
      'sign',
      '--force',
      '-k',
      'env',
      '--plugin-config',
      'inject=error:ACCESS_DENIED',
      'f.txt',
    ]);
    expect([denied.code, denied.stderr]).toEqual([
      1,
      expect.stringMatching(/PLUGIN_ACCESS_DENIED/),
    ]);
    const wrong = await w(e, [
      'blob',
      'sign',
      '--force',
      '--plugin',
      'wharf-test',
      '--id',
      'k1',
      ...cfg,
      '--plugin-config',
      'inject=wrong-key',
      'f.txt',
    ]);
    expect(wrong.stderr).toMatch(/does not verify with the certificate it returned/);
  });

  it('verifies a signature that requires a verification plugin through --plugin-config', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', 'vk']);
    await writeTestPluginLauncher(join(e.dir, 'notation-wharf-test'));
    await w(e, ['plugin', 'install', join(e.dir, 'notation-wharf-test')]);
    // Only an identity the signer does not have: the plugin's TRUSTED_IDENTITY decides.
    writeFileSync(
      join(e.dir, 'p.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'p',
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:vk'],
            trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else'],
            globalPolicy: true,
          },
        ],
      }),
    );
    await w(e, ['blob', 'policy', 'import', join(e.dir, 'p.json')]);
    const data = Buffer.from('plugin-verified blob');
    writeFileSync(join(e.dir, 'v.bin'), data);
    const signed = await signEnvelope({
      format: 'jws',
      payload: {
        mediaType: 'application/octet-stream',
        digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
        size: data.length,
      },
      signer: LocalKeySigner.fromPem(
        readFileSync(join(e.config, 'localkeys', 'vk.key')),
        readFileSync(join(e.config, 'localkeys', 'vk.crt')),
      ),
      extendedAttributes: [{ key: HEADER.verificationPlugin, value: 'wharf-test', critical: true }],
    });
    writeFileSync(join(e.dir, 'v.bin.jws.sig'), signed.bytes);
    const args = ['blob', 'verify', '-s', 'v.bin.jws.sig'];
    const noCap = await w(e, [...args, 'v.bin']);
    expect([noCap.code, noCap.stderr]).toEqual([3, expect.stringMatching(/PLUGIN_REQUIRED/)]);
    const ok = await w(e, [...args, '--plugin-config', 'verifier=both', 'v.bin']);
    expect([ok.code, ok.stdout]).toEqual([0, 'Successfully verified signature for v.bin\n']);
    const refused = await w(e, [
      ...args,
      '--plugin-config',
      'verifier=both',
      '--plugin-config',
      'verifyResult=fail',
      'v.bin',
    ]);
    expect([refused.code, refused.stderr]).toEqual([
      3,
      expect.stringMatching(
        /wharf-test refuses SIGNATURE_VERIFIER.TRUSTED_IDENTITY \(IDENTITY_NOT_TRUSTED\)/,
      ),
    ]);
  });

  it('inspects notation v2 e2e blob signatures (vector 06) like notation', async () => {
    const e = newEnv();
    const r = await w(e, [
      'blob',
      'inspect',
      '-o',
      'json',
      join(VECTORS, '06-blob', 'blob.jws.sig'),
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      'signatureAlgorithm',
      'signatureEnvelopeType',
      'signedAttributes',
      'userDefinedAttributes',
      'unsignedAttributes',
      'certificates',
      'signedArtifact',
    ]);
    expect(j).toMatchObject({
      signatureAlgorithm: 'RSASSA-PSS-SHA-256',
      signatureEnvelopeType: 'application/jose+json',
      signedAttributes: { signingScheme: 'notary.x509', signingTime: '2024-12-31T08:05:29Z' },
      userDefinedAttributes: null,
      unsignedAttributes: {
        signingAgent: 'notation-go/1.3.0+unreleased',
        timestampSignature: { timestamp: '[2024-12-31T08:05:29.509Z, 2024-12-31T08:05:30.509Z]' },
      },
      signedArtifact: {
        mediaType: 'application/octet-stream',
        digest: 'sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4',
        size: 11357,
      },
    });
    const certs = j['certificates'] as {
      SHA256Fingerprint: string;
      issuedTo: string;
      expiry: string;
    }[];
    expect(certs[0]?.SHA256Fingerprint).toMatch(/^dadee19c/);
    expect(certs[0]).toMatchObject({
      issuedTo: 'CN=testcert2,O=Notary,L=Seattle,ST=WA,C=US',
      expiry: '2025-01-01T08:04:39Z',
    });
  });
});

describe.skipIf(notation1 === undefined)('interop with notation v1.3.2 on one config dir', () => {
  it('wharf cert generate-test + wharf policy import ⇒ notation1 sign and verify; listings equal', async () => {
    const e = newEnv();
    expect((await w(e, ['cert', 'generate-test', '--default', 'wharf.example'])).code).toBe(0);
    writeFileSync(join(e.dir, 'p.json'), POLICY('wharf.example'));
    expect((await w(e, ['policy', 'import', join(e.dir, 'p.json')])).code).toBe(0);
    expect((await w(e, ['key', 'ls'])).stdout).toBe(n1(e, ['key', 'ls']).stdout);
    expect((await w(e, ['cert', 'ls'])).stdout).toBe(n1(e, ['cert', 'ls']).stdout);
    expect(
      (await w(e, ['cert', 'show', '-t', 'ca', '-s', 'wharf.example', 'wharf.example.crt'])).stdout,
    ).toBe(n1(e, ['cert', 'show', '-t', 'ca', '-s', 'wharf.example', 'wharf.example.crt']).stdout);
    expect((await w(e, ['policy', 'show'])).stdout).toBe(n1(e, ['policy', 'show']).stdout);
    const ref = layout(e);
    const s = n1(e, ['sign', '--oci-layout', ref]);
    expect(`${s.stdout}${s.stderr}`).toContain('Successfully signed');
    const v = n1(e, ['verify', '--oci-layout', '--scope', 'local/x', ref]);
    expect(`${v.stdout}${v.stderr}`).toContain('Successfully verified signature');
    expect(v.code).toBe(0);
    // notation's plugin listing of a plugin wharf installed.
    await writeTestPluginLauncher(join(e.dir, 'notation-wharf-test'));
    await w(e, ['plugin', 'install', join(e.dir, 'notation-wharf-test')]);
    expect((await w(e, ['plugin', 'ls'])).stdout).toBe(n1(e, ['plugin', 'ls']).stdout);
  });

  it('notation1 cert generate-test, cert add, key add, policy import ⇒ wharf reads and signs with them', async () => {
    const e = newEnv();
    expect(n1(e, ['cert', 'generate-test', '--default', 'n1.example']).code).toBe(0);
    writeFileSync(join(e.dir, 'p.json'), POLICY('n1.example'));
    expect(n1(e, ['policy', 'import', join(e.dir, 'p.json')]).code).toBe(0);
    n1(e, [
      'cert',
      'add',
      '-t',
      'tsa',
      '-s',
      'other',
      join(e.config, 'localkeys', 'n1.example.crt'),
    ]);
    await writeTestPluginLauncher(join(e.config, 'plugins', 'wharf-test', 'notation-wharf-test'));
    expect(
      n1(e, ['key', 'add', '--plugin', 'wharf-test', '--id', 'k9', '--plugin-config', 'x=y', 'pk'])
        .code,
    ).toBe(0);
    expect((await w(e, ['key', 'ls'])).stdout).toBe(n1(e, ['key', 'ls']).stdout);
    expect((await w(e, ['cert', 'ls'])).stdout).toBe(n1(e, ['cert', 'ls']).stdout);
    expect((await w(e, ['cert', 'ls', '-t', 'tsa'])).stdout).toBe(
      n1(e, ['cert', 'ls', '-t', 'tsa']).stdout,
    );
    expect((await w(e, ['policy', 'show'])).stdout).toBe(POLICY('n1.example'));
    // wharf signs a blob with notation's default key and verifies it against notation's store.
    writeFileSync(join(e.dir, 'b.bin'), 'x');
    writeFileSync(join(e.dir, 'bp.json'), blobPolicy('n1.example'));
    await w(e, ['blob', 'policy', 'import', join(e.dir, 'bp.json')]);
    expect((await w(e, ['blob', 'sign', 'b.bin'])).code).toBe(0);
    expect((await w(e, ['blob', 'verify', '-s', 'b.bin.jws.sig', 'b.bin'])).code).toBe(0);
    // wharf's key/cert edits are read back by notation.
    expect((await w(e, ['key', 'delete', 'pk'])).code).toBe(0);
    expect((await w(e, ['cert', 'delete', '-t', 'tsa', '-s', 'other', '--all', '-y'])).code).toBe(
      0,
    );
    expect(n1(e, ['key', 'ls']).stdout).not.toContain('pk ');
    expect(n1(e, ['cert', 'ls']).stdout).not.toContain('other');
  });
});

describe.skipIf(notation2 === undefined)('blob interop with notation v2', () => {
  it('notation blob verify accepts wharf blob sign, and wharf blob verify accepts notation blob sign', async () => {
    const e = newEnv();
    await w(e, ['cert', 'generate-test', '--default', 'v2.example']);
    writeFileSync(join(e.dir, 'bp.json'), blobPolicy('v2.example'));
    await w(e, ['blob', 'policy', 'import', join(e.dir, 'bp.json')]);
    writeFileSync(join(e.dir, 'a.bin'), 'a');
    await w(e, ['blob', 'sign', 'a.bin']);
    expect(n1(e, ['blob', 'verify', '--signature', 'a.bin.jws.sig', 'a.bin'], notation2).code).toBe(
      0,
    );
    writeFileSync(join(e.dir, 'b.bin'), 'b');
    expect(n1(e, ['blob', 'sign', '--signature-format', 'cose', 'b.bin'], notation2).code).toBe(0);
    expect((await w(e, ['blob', 'verify', '-s', 'b.bin.cose.sig', 'b.bin'])).code).toBe(0);
  });
});
