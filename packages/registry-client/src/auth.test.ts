import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, isWharfError, type Descriptor } from '@wharf/core';
import {
  faultyFetch,
  requirePeer,
  startRegistry,
  startTokenServer,
  type RunningRegistry,
  type TokenServer,
} from '../test/harness.js';
import { CredentialStore, login, logout } from './credentials/store.js';
import { findAuthEntry, readDockerConfig } from './credentials/config-file.js';
import { Registry } from './registry.js';
import type { Credential } from './auth/token.js';

const registryBin = requirePeer('registry');
const enc = new TextEncoder();
const blob = (b: Uint8Array): Descriptor => ({
  mediaType: 'application/octet-stream',
  digest: digestBytes(b),
  size: b.byteLength,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isWharfError(err)) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

describe.skipIf(!registryBin)('basic auth (htpasswd)', () => {
  let reg: RunningRegistry;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-htp-'));
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `alice:${bcrypt.hashSync('s3cret', 4)}\n`);
    reg = await startRegistry(registryBin as string, { kind: 'htpasswd', file });
  });
  afterAll(async () => {
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes with the right password', async () => {
    const f = faultyFetch();
    const repo = new Registry(reg.host, {
      fetch: f.fetch,
      credentials: { username: 'alice', password: 's3cret' },
    }).repository('b/one');
    const data = enc.encode('basic');
    await repo.push(blob(data), data);
    await repo.push(blob(enc.encode('basic2')), enc.encode('basic2'));
    expect(await repo.exists(blob(data))).toBe(true);
    // Only the very first request collects a 401; Basic is sent up front afterwards.
    expect(f.calls.filter((c) => c.status === 401)).toHaveLength(1);
  });

  it('fails once, clearly, on a wrong password or none (no retry storm)', async () => {
    const f = faultyFetch();
    const repo = new Registry(reg.host, {
      fetch: f.fetch,
      credentials: { username: 'alice', password: 'wrong' },
    }).repository('b/one');
    let error: unknown;
    try {
      await repo.exists(blob(enc.encode('basic')));
    } catch (err) {
      error = err;
    }
    expect(isWharfError(error, 'UNAUTHORIZED')).toBe(true);
    expect((error as Error).message).toMatch(/alice/);
    expect(f.calls.length).toBeLessThanOrEqual(2);
    expect(
      await codeOf(new Registry(reg.host).repository('b/one').exists(blob(enc.encode('basic')))),
    ).toBe('UNAUTHORIZED');
  });
});

describe.skipIf(!registryBin)('token auth', () => {
  let reg: RunningRegistry;
  let tokens: TokenServer;
  beforeAll(async () => {
    tokens = await startTokenServer({ bob: 'pw' });
    reg = await startRegistry(registryBin as string, {
      kind: 'token',
      realm: tokens.realm,
      certFile: tokens.certFile,
    });
  });
  afterAll(async () => {
    await reg?.stop();
    await tokens?.stop();
  });

  it('runs the bearer flow with one token request for parallel requests', async () => {
    const registry = new Registry(reg.host, { credentials: { username: 'bob', password: 'pw' } });
    const repo = registry.repository('t/app');
    const data = enc.encode('token layer');
    await repo.push(blob(data), data);
    tokens.requests.length = 0;
    const other = new Registry(reg.host, {
      credentials: { username: 'bob', password: 'pw' },
    }).repository('t/app');
    const results = await Promise.all(Array.from({ length: 10 }, () => other.exists(blob(data))));
    expect(results).toEqual(Array(10).fill(true));
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0]?.scopes).toEqual(['repository:t/app:pull']);
    await registry.ping();
  });

  it('never logs secrets at debug level', async () => {
    const lines: string[] = [];
    const log = (obj: object, msg?: string) => lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
    const logger = { debug: log, info: log, warn: log, error: log };
    const repo = new Registry(reg.host, {
      logger,
      credentials: { username: 'bob', password: 'pw' },
    }).repository('t/app');
    const data = enc.encode('logged layer');
    await repo.push(blob(data), data);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(text).not.toMatch(/"pw"|Bearer|Basic |authorization|eyJ/i);
  });

  it('refuses a wrong password without a storm, and anonymous pushes clearly', async () => {
    tokens.requests.length = 0;
    const f = faultyFetch();
    const bad = new Registry(reg.host, {
      fetch: f.fetch,
      credentials: { username: 'bob', password: 'nope' },
    }).repository('t/app');
    const err = await bad.exists(blob(enc.encode('x'))).catch((e: unknown) => e);
    expect(isWharfError(err, 'UNAUTHORIZED')).toBe(true);
    expect((err as Error).message).toMatch(/check the username and password/);
    expect(tokens.requests).toHaveLength(1);
    expect(f.calls.length).toBeLessThanOrEqual(2);
    const anon = new Registry(reg.host).repository('t/app');
    expect(await codeOf(anon.push(blob(enc.encode('y')), enc.encode('y')))).toBe('UNAUTHORIZED');
  });

  it('uses OAuth2 with a refresh token, and falls back to GET when POST is 404', async () => {
    tokens.requests.length = 0;
    const viaRefresh = new Registry(reg.host, {
      credentials: { refreshToken: 'rt-bob' },
    }).repository('t/app');
    expect(await viaRefresh.exists(blob(enc.encode('token layer')))).toBe(true);
    expect(tokens.requests.map((r) => `${r.method}:${r.grant ?? ''}`)).toEqual([
      'POST:refresh_token',
    ]);
    tokens.oauth = false;
    tokens.requests.length = 0;
    const forced = new Registry(reg.host, {
      forceOAuth2: true,
      credentials: { username: 'bob', password: 'pw' },
    }).repository('t/app');
    expect(await forced.exists(blob(enc.encode('token layer')))).toBe(true);
    expect(tokens.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    tokens.oauth = true;
  });

  it('reads credentials through a docker-credential helper', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-cred-'));
    try {
      const store = join(dir, 'store.json');
      const helper = join(dir, 'docker-credential-wharftest');
      writeFileSync(
        helper,
        `#!/usr/bin/env node
const fs = require('fs');
const file = ${JSON.stringify(store)};
const db = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const action = process.argv[2];
  if (action === 'get') {
    const e = db[input.trim()];
    if (!e) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: e.Username, Secret: e.Secret }));
  } else if (action === 'store') {
    const c = JSON.parse(input); db[c.ServerURL] = c; fs.writeFileSync(file, JSON.stringify(db));
  } else if (action === 'erase') {
    delete db[input.trim()]; fs.writeFileSync(file, JSON.stringify(db));
  } else { process.exit(2); }
});
`,
      );
      chmodSync(helper, 0o755);
      const configPath = join(dir, 'config.json');
      writeFileSync(
        configPath,
        JSON.stringify({ credHelpers: { [reg.host]: 'wharftest' }, other: 'kept' }),
      );
      const env = { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` };
      const creds = new CredentialStore({ configPath, env });
      expect(await creds.get(reg.host)).toBeUndefined();
      const verify = (cred: Credential) => new Registry(reg.host, { credentials: cred }).ping();
      await expect(
        login(reg.host, { username: 'bob', password: 'bad' }, { configPath, env, verify }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await login(reg.host, { username: 'bob', password: 'pw' }, { configPath, env, verify });
      expect(JSON.parse(readFileSync(store, 'utf8'))).toHaveProperty([reg.host, 'Secret'], 'pw');
      expect(readFileSync(configPath, 'utf8')).not.toContain('pw');
      const repo = new Registry(reg.host, { credentials: (host) => creds.get(host) }).repository(
        't/app',
      );
      expect(await repo.exists(blob(enc.encode('token layer')))).toBe(true);
      expect(await logout(reg.host, { configPath, env })).toBe(true);
      expect(await creds.get(reg.host)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker config.json', () => {
  it('reads auths with legacy keys and hub aliases, and writes atomically with 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-cfg-'));
    try {
      const configPath = join(dir, 'sub', 'config.json');
      const store = new CredentialStore({ configPath });
      expect(await store.get('r.example')).toBeUndefined();
      await login('r.example:5000', { username: 'u', password: 'p:w' }, { configPath });
      expect(statSync(configPath).mode & 0o777).toBe(0o600);
      expect(await store.get('r.example:5000')).toEqual({ username: 'u', password: 'p:w' });
      await login('docker.io', { refreshToken: 'idtok' }, { configPath });
      const config = await readDockerConfig(configPath);
      expect(Object.keys(config.auths ?? {})).toEqual([
        'r.example:5000',
        'https://index.docker.io/v1/',
      ]);
      expect(await store.get('registry-1.docker.io')).toMatchObject({ refreshToken: 'idtok' });
      writeFileSync(
        configPath,
        JSON.stringify({
          auths: {
            'https://legacy.example/v1/': { auth: Buffer.from('l:pw').toString('base64') },
            'tok.example': { registrytoken: 'bearer-x' },
          },
          keep: { me: 1 },
        }),
      );
      expect(await store.get('legacy.example')).toEqual({ username: 'l', password: 'pw' });
      expect(await store.get('tok.example')).toEqual({ accessToken: 'bearer-x' });
      expect(findAuthEntry(await readDockerConfig(configPath), 'legacy.example')?.[0]).toBe(
        'https://legacy.example/v1/',
      );
      expect(await logout('legacy.example', { configPath })).toBe(true);
      expect(await logout('legacy.example', { configPath })).toBe(false);
      const after = await readDockerConfig(configPath);
      expect(after['keep']).toEqual({ me: 1 });
      expect(Object.keys(after.auths ?? {})).toEqual(['tok.example']);
      writeFileSync(configPath, '{not json');
      expect(await codeOf(store.get('x'))).toBe('CONFIG_INVALID');
      // A configured but missing helper falls back to the plaintext entry.
      writeFileSync(
        configPath,
        JSON.stringify({
          credsStore: 'wharf-missing-helper',
          auths: { h: { auth: Buffer.from('a:b').toString('base64') } },
        }),
      );
      expect(await store.get('h')).toEqual({ username: 'a', password: 'b' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
