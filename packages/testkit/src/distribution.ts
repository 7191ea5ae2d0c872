/**
 * Starts the CNCF distribution registry (`.peers/bin/registry`, which has no Referrers API) on
 * 127.0.0.1 with filesystem storage in a temp dir, for interop tests of every package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (the kernel picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running distribution registry. */
export interface RunningDistribution {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** The temp dir holding its config and storage; removed by `stop()`. */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Optional authentication for the registry. */
export type DistributionAuth =
  | { readonly kind: 'htpasswd'; readonly file: string }
  | { readonly kind: 'token'; readonly realm: string; readonly certFile: string };

/** Starts `registry serve` and waits until `/v2/` answers (200, or 401 with auth). */
export async function startDistribution(
  binary: string,
  auth?: DistributionAuth,
): Promise<RunningDistribution> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-dist-'));
  const port = await freePort();
  let authYaml = '';
  if (auth?.kind === 'htpasswd') {
    authYaml = `auth:\n  htpasswd:\n    realm: wharf-test\n    path: ${auth.file}\n`;
  } else if (auth?.kind === 'token') {
    authYaml = `auth:\n  token:\n    realm: ${auth.realm}\n    service: wharf-test\n    issuer: wharf-test-issuer\n    rootcertbundle: ${auth.certFile}\n`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: wharf-test-secret
${authYaml}`,
  );
  const child: ChildProcess = spawn(binary, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`registry did not start: ${stderr.slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
