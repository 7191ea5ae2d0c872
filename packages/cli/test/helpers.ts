// Test support for the oras-compatible commands: run wharf in-process, run oras, start registries.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@wharf/cli';
import { loadConfig, startServer } from '@wharf/registry-server';
import { peerPath, requirePeer as testkitPeer } from '@wharf/testkit';

/**
 * A peer: `$WHARF_PEER_<NAME>`, else `<repo>/.peers/bin` (testkit); undefined to skip, or
 * testkit's error when WHARF_REQUIRE_PEERS=1 and it is missing.
 */
export function peer(name: 'oras' | 'registry'): string | undefined {
  const fromEnv = process.env[`WHARF_PEER_${name.toUpperCase()}`];
  if (fromEnv) return fromEnv;
  return peerPath(name) ?? testkitPeer(name);
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout exactly as written (strings UTF-8 encoded, byte chunks as they came). */
  readonly stdoutBytes?: Buffer;
}

/** Runs `wharf` in-process with captured output (non-TTY) and a private docker config. */
export async function wharf(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string; tty?: boolean },
): Promise<RunResult> {
  const out: Buffer[] = [];
  let stderr = '';
  let stdin: PassThrough | undefined;
  if (options.stdin !== undefined) {
    stdin = new PassThrough();
    stdin.end(options.stdin);
  }
  const code = await main(args, {
    stdout: {
      write: (s: string | Uint8Array) =>
        out.push(typeof s === 'string' ? Buffer.from(s) : Buffer.from(s)),
      isTTY: options.tty === true,
    },
    stderr: { write: (s: string | Uint8Array) => (stderr += s.toString()) },
    ...(stdin ? { stdin } : {}),
    env: { HOME: options.cwd, DOCKER_CONFIG: join(options.cwd, '.docker'), ...options.env },
    cwd: options.cwd,
    signal: new AbortController().signal,
  });
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes };
}

/** Runs a peer binary. */
export function run(
  bin: string,
  args: readonly string[],
  options: { cwd: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [...args],
      {
        cwd: options.cwd,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: options.cwd,
          DOCKER_CONFIG: join(options.cwd, '.docker'),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// The distribution registry and free ports come from @wharf/testkit, shared with other packages.
export { freePort, startDistribution } from '@wharf/testkit';

/** A registry a test started (Wharf's or distribution). */
export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts Wharf's own registry in-process on a free port. */
export async function startWharfRegistry(auth?: { htpasswd: string }): Promise<TestRegistry> {
  const dir = tempDir('wharf-cli-srv-');
  const flags: Record<string, unknown> = {
    'listen.host': '127.0.0.1',
    'listen.port': 0,
    dataDir: dir.path,
    'log.level': 'error',
    ...(auth ? { 'auth.type': 'basic', 'auth.htpasswd': auth.htpasswd } : {}),
  };
  const running = await startServer(loadConfig({ flags, env: {} }), { handleSignals: false });
  return {
    host: `127.0.0.1:${running.port}`,
    async stop() {
      await running.close();
      dir.remove();
    },
  };
}

/**
 * A discover tree with each `[annotations]` block sorted: oras prints annotations in Go map
 * order (random), Wharf sorts them by key.
 */
export function normaliseTree(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    out.push(line);
    if (!line.endsWith('[annotations]')) continue;
    const depth = line.indexOf('[annotations]');
    const group: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1] ?? '').search(/[├└]── /) === depth) {
      const l = lines[++i] ?? '';
      group.push(`${l.slice(0, depth)}*── ${l.slice(depth + 4)}`);
    }
    out.push(...group.sort());
  }
  return out.join('\n');
}
