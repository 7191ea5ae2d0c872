// `wharf login`, `push` and `pull` against distribution v3 with token auth and with basic auth;
// oras reads what wharf pushed with the credentials wharf stored (one docker config.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenServer, type TokenServer } from '../../registry-client/test/harness.js';
import { peer, run, startDistribution, tempDir, wharf } from './helpers.js';

const oras = peer('oras');
const registryBin = peer('registry');

type Running = Awaited<ReturnType<typeof startDistribution>>;

describe.skipIf(!oras || !registryBin)('auth against distribution v3 (token and basic)', () => {
  let tokens: TokenServer;
  let tokenReg: Running;
  let basicReg: Running;
  let dir: ReturnType<typeof tempDir>;
  const w = (args: string[], stdin?: string) =>
    wharf(args, { cwd: dir.path, ...(stdin !== undefined ? { stdin } : {}) });
  const o = (args: string[]) => run(oras ?? '', [...args, '--plain-http'], { cwd: dir.path });

  beforeAll(async () => {
    dir = tempDir('wharf-cli-auth-');
    writeFileSync(join(dir.path, 'hi.txt'), 'hello\n');
    writeFileSync(join(dir.path, 'htpasswd'), `carol:${bcrypt.hashSync('pw2', 4)}\n`);
    tokens = await startTokenServer({ bob: 'pw' });
    tokenReg = await startDistribution(registryBin ?? '', {
      kind: 'token',
      realm: tokens.realm,
      certFile: tokens.certFile,
    });
    basicReg = await startDistribution(registryBin ?? '', {
      kind: 'htpasswd',
      file: join(dir.path, 'htpasswd'),
    });
  });
  afterAll(async () => {
    await tokenReg?.stop();
    await basicReg?.stop();
    await tokens?.stop();
    dir?.remove();
  });

  for (const kind of ['token', 'basic'] as const) {
    it(`${kind} auth: login, push, pull; oras pulls with the stored credential`, async () => {
      const host = kind === 'token' ? tokenReg.host : basicReg.host;
      const [user, pass] = kind === 'token' ? ['bob', 'pw'] : ['carol', 'pw2'];
      const denied = await w(['push', `${host}/a:v1`, 'hi.txt']);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/^Error: .*(UNAUTHORIZED|unauthorized|authentication)/m);
      const login = await w(['login', '-u', user, '--password-stdin', host], `${pass}\n`);
      expect(login.code, login.stderr).toBe(0);
      const config = readFileSync(join(dir.path, '.docker', 'config.json'), 'utf8');
      expect(config).toContain(host);
      const pushed = await w(['push', '--format', 'json', `${host}/a:v1`, 'hi.txt']);
      expect(pushed.code, pushed.stderr).toBe(0);
      const { digest } = JSON.parse(pushed.stdout) as { digest: string };
      const pulled = await w(['pull', '-o', `w-${kind}`, `${host}/a:v1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(readFileSync(join(dir.path, `w-${kind}`, 'hi.txt'), 'utf8')).toBe('hello\n');
      const byOras = await o(['pull', '-o', `o-${kind}`, `${host}/a:v1`]);
      expect(byOras.code, byOras.stderr).toBe(0);
      expect(byOras.stdout).toContain(`Digest: ${digest}`);
      expect(readFileSync(join(dir.path, `o-${kind}`, 'hi.txt'), 'utf8')).toBe('hello\n');
    });
  }

  it('a wrong password against the token server: exit 1, one token request', async () => {
    tokens.requests.length = 0;
    const r = await w(['resolve', '-u', 'bob', '-p', 'nope', `${tokenReg.host}/a:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*authentication failed.*"bob"/m);
    expect(r.stderr).not.toContain('nope');
    expect(tokens.requests.length).toBeLessThanOrEqual(2);
  });
});
