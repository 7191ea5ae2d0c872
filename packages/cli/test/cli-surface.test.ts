import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '@wharf/cli';
import { startWharfRegistry, tempDir, wharf, type TestRegistry } from './helpers.js';

const ORAS_COMMANDS = [
  'push',
  'pull',
  'attach',
  'discover',
  'copy',
  'tag',
  'resolve',
  'manifest',
  'blob',
  'repo',
  'login',
  'logout',
];

function leaves(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...path, c.name()], ...leaves(c, [...path, c.name()])]);
}

describe('command surface', () => {
  it('has every oras command, and every command has --help with examples', async () => {
    const program = await createProgram({
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      cwd: '/',
      signal: new AbortController().signal,
    });
    const names = program.commands.map((c) => c.name());
    for (const c of ORAS_COMMANDS) expect(names).toContain(c);
    const dir = tempDir('wharf-cli-help-');
    try {
      for (const path of leaves(program)) {
        if (path[0] === 'serve' || path[0] === 'version') continue;
        const r = await wharf([...path, '--help'], { cwd: dir.path });
        expect(r.code, path.join(' ')).toBe(0);
        expect(r.stdout, path.join(' ')).toContain('Examples:');
      }
    } finally {
      dir.remove();
    }
  });
});

describe('progress, keep-old-files and headers', () => {
  let reg: TestRegistry;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    reg = await startWharfRegistry();
    dir = tempDir('wharf-cli-tty-');
    writeFileSync(join(dir.path, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  });
  afterAll(async () => {
    await reg?.stop();
    dir?.remove();
  });

  it('draws ✓ lines on a TTY and plain lines with --no-tty', async () => {
    const tty = await wharf(['push', `${reg.host}/tty:v1`, 'big.bin'], {
      cwd: dir.path,
      tty: true,
    });
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(
      /✓ Uploaded {2}big\.bin {2}3\.15 MB\/3\.15 MB 100\.00% \d+s\n {2}└─ sha256:[0-9a-f]{64}/,
    );
    expect(tty.stdout).not.toMatch(/^Uploading [0-9a-f]{12}/m);
    const plain = await wharf(['pull', '--no-tty', '-o', 'out', `${reg.host}/tty:v1`], {
      cwd: dir.path,
      tty: true,
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^Downloaded {2}[0-9a-f]{12} big\.bin$/m);
    expect(plain.stdout).not.toContain('✓');
    const ttyPull = await wharf(['pull', '-o', 'out-tty', `${reg.host}/tty:v1`], {
      cwd: dir.path,
      tty: true,
    });
    expect(ttyPull.code, ttyPull.stderr).toBe(0);
    expect(ttyPull.stdout).toMatch(/✓ Downloaded {2}big\.bin {2}3\.15 MB\/3\.15 MB 100\.00% \d+s/);
    const ttyCopy = await wharf(['copy', `${reg.host}/tty:v1`, `${reg.host}/tty-copy:v1`], {
      cwd: dir.path,
      tty: true,
    });
    expect(ttyCopy.code, ttyCopy.stderr).toBe(0);
    expect(ttyCopy.stdout).toMatch(/✓ (Copied|Mounted|Exists) +big\.bin/);
    const plainCopy = await wharf(
      ['copy', '--no-tty', `${reg.host}/tty:v1`, `${reg.host}/tty-copy2:v1`],
      { cwd: dir.path, tty: true },
    );
    expect(plainCopy.code, plainCopy.stderr).toBe(0);
    expect(plainCopy.stdout).toMatch(/^(Copied|Mounted|Exists) +[0-9a-f]{12} big\.bin$/m);
    expect(plainCopy.stdout).not.toContain('✓');
  });

  it('-k refuses to replace an existing file', async () => {
    const again = await wharf(['pull', '-k', '-o', 'out', `${reg.host}/tty:v1`], { cwd: dir.path });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(existsSync(join(dir.path, 'out', 'big.bin'))).toBe(true);
  });

  it('--platform picks the manifest of an index (manifest index create reads it from the config)', async () => {
    const cfg = (arch: string): string => {
      writeFileSync(
        join(dir.path, `${arch}.json`),
        JSON.stringify({ os: 'linux', architecture: arch }),
      );
      writeFileSync(join(dir.path, `${arch}.txt`), `${arch}\n`);
      return `${arch}.json:application/vnd.oci.image.config.v1+json`;
    };
    const w = (args: string[]) => wharf(args, { cwd: dir.path });
    for (const arch of ['amd64', 'arm64']) {
      const r = await w([
        'push',
        '--image-spec',
        'v1.0',
        '--config',
        cfg(arch),
        `${reg.host}/plat:${arch}`,
        `${arch}.txt`,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const idx = await w(['manifest', 'index', 'create', `${reg.host}/plat:all`, 'amd64', 'arm64']);
    expect(idx.code, idx.stderr).toBe(0);
    const arm = (await w(['resolve', `${reg.host}/plat:arm64`])).stdout;
    expect((await w(['resolve', '--platform', 'linux/arm64', `${reg.host}/plat:all`])).stdout).toBe(
      arm,
    );
    const pulled = await w([
      'pull',
      '--platform',
      'linux/arm64',
      '-o',
      'plat',
      `${reg.host}/plat:all`,
    ]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(existsSync(join(dir.path, 'plat', 'arm64.txt'))).toBe(true);
    expect(existsSync(join(dir.path, 'plat', 'amd64.txt'))).toBe(false);
    // manifest fetch-config --platform reads the config of the picked child.
    const armCfg = await w([
      'manifest',
      'fetch-config',
      '--platform',
      'linux/arm64',
      `${reg.host}/plat:all`,
    ]);
    expect(armCfg.code, armCfg.stderr).toBe(0);
    expect(JSON.parse(armCfg.stdout)).toEqual({ os: 'linux', architecture: 'arm64' });
    // index create -o - --pretty: the index alone on stdout (indented), status lines on stderr.
    const out = await w([
      'manifest',
      'index',
      'create',
      '-o',
      '-',
      '--pretty',
      `${reg.host}/plat`,
      'amd64',
      'arm64',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.startsWith('{\n  "schemaVersion": 2,')).toBe(true);
    expect((JSON.parse(out.stdout) as { manifests: unknown[] }).manifests).toHaveLength(2);
    expect(out.stderr).toMatch(/^Fetching {2}amd64$/m);
    expect(out.stderr).toMatch(
      /^Packed {4}[0-9a-f]{12} application\/vnd\.oci\.image\.index\.v1\+json$/m,
    );
    const missing = await w(['resolve', '--platform', 'linux/s390x', `${reg.host}/plat:all`]);
    expect(missing.code).toBe(1);
    expect((await w(['resolve', '--platform', 'linux', `${reg.host}/plat:all`])).code).toBe(2);
  });

  it('blob push|fetch|delete and manifest fetch|delete round-trip', async () => {
    const w = (args: string[]) => wharf(args, { cwd: dir.path });
    writeFileSync(join(dir.path, 'b.bin'), Buffer.from([0, 1, 2, 255, 254]));
    const pushed = await w(['blob', 'push', '--descriptor', `${reg.host}/blobs`, 'b.bin']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const desc = JSON.parse(pushed.stdout) as { digest: string; size: number };
    expect(desc.size).toBe(5);
    const fetched = await w(['blob', 'fetch', '-o', 'b2.bin', `${reg.host}/blobs@${desc.digest}`]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'b2.bin'))).toEqual(readFileSync(join(dir.path, 'b.bin')));
    expect((await w(['blob', 'fetch', `${reg.host}/blobs@${desc.digest}`])).code).toBe(2);
    // -o - is binary-safe: random bytes (invalid UTF-8 included) come back byte for byte.
    const random = randomBytes(300_000);
    writeFileSync(join(dir.path, 'r.bin'), random);
    const rDesc = JSON.parse(
      (await w(['blob', 'push', '--descriptor', `${reg.host}/blobs`, 'r.bin'])).stdout,
    ) as { digest: string };
    const toStdout = await w(['blob', 'fetch', '-o', '-', `${reg.host}/blobs@${rDesc.digest}`]);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    expect(toStdout.stdoutBytes?.equals(random)).toBe(true);
    // …and through the real process.stdout of the built binary, piped.
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const piped = await promisify(execFile)(
      process.execPath,
      [bin, 'blob', 'fetch', '-o', '-', `${reg.host}/blobs@${rDesc.digest}`],
      { cwd: dir.path, encoding: 'buffer', maxBuffer: 4 * 1024 * 1024, env: { HOME: dir.path } },
    );
    expect(Buffer.compare(piped.stdout, random)).toBe(0);
    const del = await w(['blob', 'delete', '-f', `${reg.host}/blobs@${desc.digest}`]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe(`Deleted [registry] ${reg.host}/blobs@${desc.digest}\n`);
    expect(
      (await w(['blob', 'fetch', '-o', 'b3.bin', `${reg.host}/blobs@${desc.digest}`])).code,
    ).toBe(1);
    const json = await w(['manifest', 'fetch', '--format', 'json', `${reg.host}/tty:v1`]);
    const doc = JSON.parse(json.stdout) as { reference: string; content: { layers: unknown[] } };
    expect(doc.content.layers).toHaveLength(1);
    const described = await w(['manifest', 'fetch', '--descriptor', `${reg.host}/tty:v1`]);
    expect(described.code, described.stderr).toBe(0);
    const mdesc = JSON.parse(described.stdout) as {
      mediaType: string;
      digest: string;
      size: number;
    };
    expect(mdesc.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(`${mdesc.digest}\n`).toBe((await w(['resolve', `${reg.host}/tty:v1`])).stdout);
    const cancelled = await wharf(['manifest', 'delete', `${reg.host}/tty:v1`], {
      cwd: dir.path,
      stdin: 'n\n',
    });
    expect(cancelled.stdout).toBe('Operation cancelled.\n');
    const gone = await w(['manifest', 'delete', '-f', `${reg.host}/tty:v1`]);
    expect(gone.code, gone.stderr).toBe(0);
    expect((await w(['resolve', `${reg.host}/tty:v1`])).code).toBe(1);
  });

  it('--resolve connects elsewhere for a host:port; bad rules are usage errors', async () => {
    const w = (args: string[]) => wharf(args, { cwd: dir.path });
    const port = reg.host.split(':')[1] ?? '';
    const rule = `registry.invalid:5000:127.0.0.1:${port}`;
    const pushed = await w([
      'push',
      '--plain-http',
      '--resolve',
      rule,
      '--format',
      'json',
      'registry.invalid:5000/resolved:v1',
      'big.bin',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const { digest } = JSON.parse(pushed.stdout) as { digest: string };
    expect((await w(['resolve', `${reg.host}/resolved:v1`])).stdout).toBe(`${digest}\n`);
    // copy: the base --resolve applies to both sides.
    const copied = await w([
      'copy',
      '--resolve',
      rule,
      '--from-plain-http',
      '--to-plain-http',
      'registry.invalid:5000/resolved:v1',
      'registry.invalid:5000/resolved-copy:v1',
    ]);
    expect(copied.code, copied.stderr).toBe(0);
    expect((await w(['resolve', `${reg.host}/resolved-copy:v1`])).stdout).toBe(`${digest}\n`);
    for (const bad of ['nohostport', 'h:0:127.0.0.1', 'h:5000:', 'h:5000:1.2.3.4:99999']) {
      const r = await w(['resolve', '--resolve', bad, 'h:5000/a:b']);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toContain('invalid --resolve');
    }
  });

  it('attach --config sets the config of the referrer', async () => {
    const w = (args: string[]) => wharf(args, { cwd: dir.path });
    writeFileSync(join(dir.path, 'att-config.json'), '{"k":1}');
    expect((await w(['push', `${reg.host}/att:v1`, 'big.bin'])).code).toBe(0);
    const att = await w([
      'attach',
      '--artifact-type',
      'doc/example',
      '--config',
      'att-config.json:application/vnd.example.config+json',
      '--format',
      'json',
      `${reg.host}/att:v1`,
      'big.bin',
    ]);
    expect(att.code, att.stderr + att.stdout).toBe(0);
    const { digest } = JSON.parse(att.stdout) as { digest: string };
    const desc = await w(['manifest', 'fetch-config', '--descriptor', `${reg.host}/att@${digest}`]);
    expect(JSON.parse(desc.stdout)).toMatchObject({
      mediaType: 'application/vnd.example.config+json',
      size: 7,
    });
  });

  it('-H adds request headers', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.statusCode = req.url === '/v2/' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const r = await wharf(['resolve', '-H', 'X-Wharf-Test: yes', `127.0.0.1:${port}/a:b`], {
        cwd: dir.path,
      });
      expect(r.code).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h['x-wharf-test'] === 'yes')).toBe(true);
    } finally {
      server.close();
    }
  });
});
