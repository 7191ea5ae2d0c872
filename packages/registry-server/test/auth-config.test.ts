import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { makeRegistry, sha256, type TestRegistry } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wharf-auth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function basic(user: string, pass: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

describe('basic auth', () => {
  let t: TestRegistry;
  let anon: TestRegistry;
  beforeAll(async () => {
    const file = path.join(tmp, 'htpasswd');
    writeFileSync(file, `alice:${bcrypt.hashSync('s3cret', 4).replace('$2b$', '$2y$')}\n`);
    t = await makeRegistry({ auth: { type: 'basic', htpasswd: file, realm: 'Wharf Test' } });
    anon = await makeRegistry({ auth: { type: 'basic', htpasswd: file, anonymousPull: true } });
  });
  afterAll(async () => {
    await t.close();
    await anon.close();
  });

  it('challenges anonymous and wrong credentials with 401 + WWW-Authenticate', async () => {
    for (const headers of [
      {},
      basic('alice', 'wrong'),
      basic('mallory', 's3cret'),
      { Authorization: 'Bearer x' },
    ]) {
      const res = await t.req('GET', '/v2/', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Wharf Test"');
      const body = (await res.json()) as { errors: { code: string }[] };
      expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
    }
  });

  it('accepts valid credentials on every route', async () => {
    expect((await t.req('GET', '/v2/', { headers: basic('alice', 's3cret') })).status).toBe(200);
    const d = sha256('authed');
    const res = await t.req('POST', `/v2/p/blobs/uploads/?digest=${d}`, {
      body: 'authed',
      headers: basic('alice', 's3cret'),
    });
    expect(res.status).toBe(201);
    expect((await t.req('GET', `/v2/p/blobs/${d}`)).status).toBe(401);
    expect(
      (await t.req('GET', `/v2/p/blobs/${d}`, { headers: basic('alice', 's3cret') })).status,
    ).toBe(200);
    expect((await t.req('POST', '/_wharf/gc')).status).toBe(401);
    expect((await t.req('POST', '/_wharf/gc', { headers: basic('alice', 's3cret') })).status).toBe(
      200,
    );
  });

  it('anonymousPull lets anonymous clients read but not push', async () => {
    const d = sha256('pub');
    expect(
      (await anon.req('POST', `/v2/pub/blobs/uploads/?digest=${d}`, { body: 'pub' })).status,
    ).toBe(401);
    await anon.req('POST', `/v2/pub/blobs/uploads/?digest=${d}`, {
      body: 'pub',
      headers: basic('alice', 's3cret'),
    });
    expect((await anon.req('GET', `/v2/pub/blobs/${d}`)).status).toBe(200);
    expect((await anon.req('DELETE', `/v2/pub/blobs/${d}`)).status).toBe(401);
  });
});

describe('robustness', () => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await makeRegistry();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a client that disconnects mid-upload leaves no blob and an intact session', async () => {
    const loc = (await t.req('POST', '/v2/dc/blobs/uploads/')).headers.get('location') as string;
    await t.req('PATCH', loc, { body: 'first-' });
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n++ < 3) controller.enqueue(new TextEncoder().encode('chunk'));
        else controller.error(new Error('client went away'));
      },
    });
    const r = new Request(`http://registry.test${loc}?digest=${sha256('first-chunkchunkchunk')}`, {
      method: 'PUT',
      body,
      duplex: 'half',
    });
    const res = await Promise.resolve(t.registry.fetch(r)).catch(() => undefined);
    if (res) expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await t.req('HEAD', `/v2/dc/blobs/${sha256('first-chunkchunkchunk')}`)).status).toBe(
      404,
    );
    const status = await t.req('GET', loc);
    expect(status.headers.get('range')).toBe('0-5');
    await t.req('PATCH', loc, { body: 'second' });
    expect((await t.req('PUT', `${loc}?digest=${sha256('first-second')}`)).status).toBe(201);
  });

  it('concurrent uploads of the same blob all succeed', async () => {
    const data = 'same content '.repeat(1000);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.req('POST', `/v2/cc${i % 2}/blobs/uploads/?digest=${sha256(data)}`, { body: data }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    for (const repo of ['cc0', 'cc1']) {
      expect(await (await t.req('GET', `/v2/${repo}/blobs/${sha256(data)}`)).text()).toBe(data);
    }
  });
});

describe('loadConfig', () => {
  it('layers defaults < file < env < flags and resolves paths', () => {
    const file = path.join(tmp, 'wharf.yaml');
    writeFileSync(
      file,
      'listen:\n  port: 6000\n  host: 0.0.0.0\ndataDir: data\ngc:\n  gracePeriod: 2h\n',
    );
    const c = loadConfig({
      file,
      env: { WHARF_LISTEN_PORT: '7000', WHARF_GC_INTERVAL: '30m', UNRELATED: 'x' },
      flags: { 'listen.port': 8000 },
      cwd: '/srv',
    });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 8000 });
    expect(c.dataDir).toBe('/srv/data');
    expect(c.gc).toEqual({ interval: 30 * 60_000, gracePeriod: 2 * 3_600_000 });
    expect(Object.isFrozen(c.listen)).toBe(true);
    expect(loadConfig({ env: { WHARF_LISTEN: '[::1]:5002' } }).listen).toEqual({
      host: '::1',
      port: 5002,
    });
    const json = path.join(tmp, 'wharf.json');
    writeFileSync(json, JSON.stringify({ auth: { type: 'none' }, mount: { automatic: false } }));
    expect(loadConfig({ file: json }).mount.automatic).toBe(false);
  });

  it('reports every problem clearly', () => {
    try {
      loadConfig({
        env: { WHARF_LISTEN_PORT: 'abc', WHARF_LOG_LEVEL: 'loud' },
        flags: { bogus: 1 },
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as ConfigError).message;
      expect(msg).toContain('listen.port');
      expect(msg).toContain('log.level');
      expect(msg).toContain('bogus');
    }
    expect(() => loadConfig({ env: { WHARF_AUTH_TYPE: 'basic' } })).toThrow(/auth.htpasswd/);
    expect(() => loadConfig({ file: path.join(tmp, 'missing.yaml') })).toThrow(
      /cannot read config file/,
    );
  });
});
