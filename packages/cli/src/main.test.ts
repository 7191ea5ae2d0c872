import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { CliDeps } from './deps.js';
import { resolvePaths } from './paths.js';

function fakeDeps(
  env: Record<string, string> = {},
): CliDeps & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { HOME: '/home/u', ...env },
    cwd: '/',
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

describe('wharf CLI skeleton', () => {
  it('prints the version as text', async () => {
    const d = fakeDeps({ WHARF_GIT_COMMIT: 'abc123' });
    expect(await main(['version'], d)).toBe(0);
    expect(d.out()).toMatch(/^Version:\s+0\.\d+\.\d+$/m);
    expect(d.out()).toMatch(/^Git commit:\s+abc123$/m);
    expect(d.out()).toMatch(/^OS\/Arch:\s+linux\/(amd64|arm64)$/m);
  });

  it('prints the version as stable JSON', async () => {
    const d = fakeDeps();
    expect(await main(['version', '--output', 'json'], d)).toBe(0);
    const v = JSON.parse(d.out()) as Record<string, unknown>;
    expect(Object.keys(v).sort()).toEqual(['gitCommit', 'nodeVersion', 'platform', 'version']);
    expect(v['nodeVersion']).toBe(process.version);
  });

  it('exits 2 on an unknown command, with a message', async () => {
    const d = fakeDeps();
    expect(await main(['no-such-command'], d)).toBe(2);
    expect(d.err()).toContain("unknown command 'no-such-command'");
  });

  it('exits 2 on a bad option value and on an unknown flag', async () => {
    const d = fakeDeps();
    expect(await main(['version', '--output', 'yaml'], d)).toBe(2);
    expect(d.err()).toContain('unsupported output format "yaml"');
    const d2 = fakeDeps();
    expect(await main(['version', '--bogus'], d2)).toBe(2);
    expect(d2.err()).toContain("unknown option '--bogus'");
  });

  it('shows help with examples and exit codes, exiting 0', async () => {
    const d = fakeDeps();
    expect(await main(['--help'], d)).toBe(0);
    expect(d.out()).toContain('Examples:');
    expect(d.out()).toContain('3    verification failed');
    const d2 = fakeDeps();
    expect(await main(['version', '--help'], d2)).toBe(0);
    expect(d2.out()).toContain('wharf version --output json');
  });

  it('runs as a real binary', async () => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'version', '-o', 'json']);
    expect((JSON.parse(stdout) as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
    await expect(promisify(execFile)(process.execPath, [bin, 'frobnicate'])).rejects.toMatchObject({
      code: 2,
    });
  });
});

describe('file locations', () => {
  it('follows XDG and honours the notation and docker locations', () => {
    expect(resolvePaths({ HOME: '/h' })).toEqual({
      configDir: '/h/.config/wharf',
      cacheDir: '/h/.cache/wharf',
      notationConfigDir: '/h/.config/notation',
      dockerConfigFile: '/h/.docker/config.json',
    });
    expect(
      resolvePaths({
        HOME: '/h',
        XDG_CONFIG_HOME: '/x/c',
        XDG_CACHE_HOME: '/x/k',
        DOCKER_CONFIG: '/d',
      }),
    ).toEqual({
      configDir: '/x/c/wharf',
      cacheDir: '/x/k/wharf',
      notationConfigDir: '/x/c/notation',
      dockerConfigFile: '/d/config.json',
    });
  });

  it('ignores relative XDG values, as the XDG spec requires', () => {
    expect(resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: 'rel' }).configDir).toBe('/h/.config/wharf');
  });
});
