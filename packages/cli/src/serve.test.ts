import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen } from './commands/serve.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('wharf serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-serve-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the registry, answers /v2/ and stops gracefully on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 20_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/v2/`);
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad --listen value with exit code 2', async () => {
    const r = await run(['serve', '--listen', 'nonsense', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen must be host:port');
  });

  it('rejects an invalid configuration with exit code 1 and names the problem', async () => {
    const r = await run(['serve', '--log-level', 'loud', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/log\.level/);
  });

  it('parses listen addresses', () => {
    expect(parseListen('0.0.0.0:5001')).toEqual({
      'listen.host': '0.0.0.0',
      'listen.port': '5001',
    });
    expect(parseListen(':5002')).toEqual({ 'listen.host': '127.0.0.1', 'listen.port': '5002' });
    expect(parseListen('[::1]:5003')).toEqual({ 'listen.host': '::1', 'listen.port': '5003' });
    expect(() => parseListen('host')).toThrow(/--listen/);
  });
});
