import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import {
  defaultConfig,
  startServer,
  type RegistryConfigInput,
  type RunningServer,
} from '../src/index.js';

export interface LiveServer {
  readonly server: RunningServer;
  readonly url: string;
  /** `127.0.0.1:port` */
  readonly host: string;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts the real HTTP server on 127.0.0.1 with a free port and a temp data dir. */
export async function startLive(overrides: RegistryConfigInput = {}): Promise<LiveServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wharf-live-'));
  const config = defaultConfig({
    ...overrides,
    dataDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent', accessLog: false },
  });
  const server = await startServer(config, {
    handleSignals: false,
    logger: pino({ level: 'silent' }),
  });
  return {
    server,
    url: server.url,
    host: server.url.replace(/^http:\/\//, ''),
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program, collecting output; rejects only on spawn failure or timeout. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Passes or throws with the program's output. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r;
}
