import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@wharf/cli';
import { digestBytes } from '@wharf/core';
import { startWharfRegistry, tempDir, wharf, type TestRegistry } from './helpers.js';

async function tarOf(
  entries: {
    name: string;
    type: 'directory' | 'symlink' | 'file';
    linkname?: string;
    body?: string;
  }[],
): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'file') p.entry({ name: e.name, type: 'file' }, e.body ?? '');
    else p.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) });
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

describe('bad input', () => {
  let reg: TestRegistry;
  let dir: ReturnType<typeof tempDir>;
  const w = (args: string[], stdin?: string) =>
    wharf(args, { cwd: dir.path, ...(stdin !== undefined ? { stdin } : {}) });

  /** Pushes a one-layer manifest whose layer has the given title and content. */
  async function craft(
    repo: string,
    title: string,
    body: Buffer,
    annotations: Record<string, string> = {},
  ): Promise<string> {
    const file = join(dir.path, 'blob.bin');
    writeFileSync(file, body);
    expect((await w(['blob', 'push', `${reg.host}/${repo}`, 'blob.bin'])).code).toBe(0);
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: digestBytes(Buffer.from('{}')),
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/octet-stream',
          digest: digestBytes(body),
          size: body.length,
          annotations: { 'org.opencontainers.image.title': title, ...annotations },
        },
      ],
    };
    writeFileSync(join(dir.path, 'empty.json'), '{}');
    expect((await w(['blob', 'push', `${reg.host}/${repo}`, 'empty.json'])).code).toBe(0);
    writeFileSync(join(dir.path, 'manifest.json'), JSON.stringify(manifest));
    const pushed = await w(['manifest', 'push', `${reg.host}/${repo}:v1`, 'manifest.json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    return `${reg.host}/${repo}:v1`;
  }

  beforeAll(async () => {
    dir = tempDir('wharf-cli-bad-');
    writeFileSync(join(dir.path, 'htpasswd'), `alice:${bcrypt.hashSync('secret', 4)}\n`);
    reg = await startWharfRegistry({ htpasswd: join(dir.path, 'htpasswd') });
    const login = await w(['login', '-u', 'alice', '--password-stdin', reg.host], 'secret\n');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('Login Succeeded\n');
  });
  afterAll(async () => {
    await reg?.stop();
    dir?.remove();
  });

  it('refuses a ../ title on pull and writes nothing outside', async () => {
    const ref = await craft('evil1', '../../escaped.txt', Buffer.from('pwned\n'));
    mkdirSync(join(dir.path, 'a', 'b'), { recursive: true });
    const r = await w(['pull', '-o', 'a/b/out', ref]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*outside the output directory/m);
    expect(existsSync(join(dir.path, 'a', 'escaped.txt'))).toBe(false);
    expect(existsSync(join(dir.path, 'escaped.txt'))).toBe(false);
  });

  it('refuses an absolute title', async () => {
    const target = join(dir.path, 'abs-escaped.txt');
    const ref = await craft('evil2', target, Buffer.from('pwned\n'));
    const r = await w(['pull', '-o', 'out2', ref]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing absolute path');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a directory layer whose symlink leads out', async () => {
    const gz = await tarOf([
      { name: 'd/', type: 'directory' },
      { name: 'd/link', type: 'symlink', linkname: '../../outside' },
      { name: 'd/link/x', type: 'file', body: 'pwned' },
    ]);
    mkdirSync(join(dir.path, 'outside'), { recursive: true });
    const ref = await craft('evil3', 'd', gz, { 'io.deis.oras.content.unpack': 'true' });
    const r = await w(['pull', '-o', 'out3', ref]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing link');
    expect(existsSync(join(dir.path, 'outside', 'x'))).toBe(false);
  });

  it('does not create anything through a symlinked directory in the output directory', async () => {
    const gz = await tarOf([
      { name: 'd/', type: 'directory' },
      { name: 'd/sub/', type: 'directory' },
      { name: 'd/sub/x', type: 'file', body: 'pwned' },
    ]);
    mkdirSync(join(dir.path, 'outside2'), { recursive: true });
    mkdirSync(join(dir.path, 'out5'));
    symlinkSync(join(dir.path, 'outside2'), join(dir.path, 'out5', 'd'));
    const ref = await craft('evil4', 'd', gz, { 'io.deis.oras.content.unpack': 'true' });
    const r = await w(['pull', '-o', 'out5', ref]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('leads out of the output directory');
    expect(existsSync(join(dir.path, 'outside2', 'sub'))).toBe(false);
  });

  it('replaces a symlink in the output directory instead of writing through it', async () => {
    writeFileSync(join(dir.path, 'victim.txt'), 'original\n');
    const ref = await craft('plain', 'hi.txt', Buffer.from('hello\n'));
    mkdirSync(join(dir.path, 'out4'));
    symlinkSync(join(dir.path, 'victim.txt'), join(dir.path, 'out4', 'hi.txt'));
    const r = await w(['pull', '-o', 'out4', ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'victim.txt'), 'utf8')).toBe('original\n');
    expect(lstatSync(join(dir.path, 'out4', 'hi.txt')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir.path, 'out4', 'hi.txt'), 'utf8')).toBe('hello\n');
  });

  it('a wrong password is a clear error, exit 1, without retries', async () => {
    const started = Date.now();
    const r = await w([
      'login',
      '-u',
      'alice',
      '-p',
      'wrong',
      '--registry-config',
      'other.json',
      reg.host,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*(UNAUTHORIZED|unauthorized|authentication)/m);
    expect(r.stderr).not.toContain('wrong');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(existsSync(join(dir.path, 'other.json'))).toBe(false);
    const push = await w(['repo', 'tags', '-u', 'alice', '-p', 'wrong', `${reg.host}/plain`]);
    expect(push.code).toBe(1);
    // With --debug every HTTP exchange is logged: a challenge and one refused attempt, no more.
    const debug = await w(['-d', 'resolve', '-u', 'alice', '-p', 'wrong', `${reg.host}/plain:v1`]);
    expect(debug.code).toBe(1);
    const exchanges = debug.stderr.split('\n').filter((l) => l.startsWith('debug: http '));
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.length).toBeLessThanOrEqual(3);
    expect(debug.stderr).not.toContain('wrong');
    expect(debug.stderr).not.toContain(Buffer.from('alice:wrong').toString('base64'));
  });

  it('login on a terminal asks for the username and the password, without echo', async () => {
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: [] as boolean[],
      setRawMode(this: { raw: boolean[] }, on: boolean) {
        this.raw.push(on);
        return this;
      },
    });
    // A terminal delivers what is typed as it comes: the username line, then the password
    // keystrokes (with a Backspace) ended by Enter.
    setTimeout(() => stdin.write('alice\n'), 20);
    setTimeout(() => stdin.write('secrex\u007ft\r'), 60);
    let out = '';
    let err = '';
    const code = await main(['login', '--registry-config', 'tty.json', reg.host], {
      stdout: { write: (s: string | Uint8Array) => (out += s.toString()), isTTY: true },
      stderr: { write: (s: string | Uint8Array) => (err += s.toString()) },
      stdin,
      env: { HOME: dir.path },
      cwd: dir.path,
      signal: new AbortController().signal,
    });
    expect(code, err).toBe(0);
    expect(out).toBe('Login Succeeded\n');
    expect(err).toBe('Username: Password: \n');
    expect(`${out}${err}`).not.toContain('secre');
    expect(stdin.raw).toEqual([true, false]);
    const saved = JSON.parse(readFileSync(join(dir.path, 'tty.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(saved.auths[reg.host]?.auth ?? '', 'base64').toString()).toBe(
      'alice:secret',
    );
    // Not a terminal and no password: a usage error, nothing asked.
    const noTty = await w(['login', '-u', 'alice', '--registry-config', 'x.json', reg.host]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('credentials are required');
  });

  it('logs in to the docker config.json and out again', async () => {
    const config = JSON.parse(readFileSync(join(dir.path, '.docker', 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(config.auths[reg.host]?.auth ?? '', 'base64').toString()).toBe(
      'alice:secret',
    );
    expect((await w(['logout', reg.host])).code).toBe(0);
    const after = JSON.parse(readFileSync(join(dir.path, '.docker', 'config.json'), 'utf8')) as {
      auths: Record<string, unknown>;
    };
    expect(after.auths[reg.host]).toBeUndefined();
    const denied = await w(['repo', 'tags', `${reg.host}/plain`]);
    expect(denied.code).toBe(1);
  });

  it('usage errors exit 2', async () => {
    expect((await w(['push'])).code).toBe(2);
    expect((await w(['attach', `${reg.host}/plain:v1`, 'x'])).code).toBe(2);
    expect((await w(['discover', '--format', 'yaml', `${reg.host}/plain:v1`])).code).toBe(2);
    const tpl = await w([
      'discover',
      '--format',
      'go-template={{.digest}}',
      `${reg.host}/plain:v1`,
    ]);
    expect(tpl.code).toBe(2);
    expect(tpl.stderr).toContain('not supported');
    expect((await w(['pull', '--concurrency', '0', `${reg.host}/plain:v1`])).code).toBe(2);
    expect((await w(['copy', '--bogus', 'a/b:c', 'd/e:f'])).code).toBe(2);
  });
});
