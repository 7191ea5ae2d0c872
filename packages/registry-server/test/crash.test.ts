import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistryApp, defaultConfig } from '../src/index.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/main.js');
const MiB = 1024 * 1024;

interface Child {
  proc: ChildProcess;
  url: string;
}

function startChild(dataDir: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [MAIN, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--set=log.accessLog=false'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buf}`)), 20_000);
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] as string });
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${buf}`)));
  });
}

function kill9(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

/** Sends a request whose body is written slowly; calls `onProgress(bytes)` after each chunk. */
function slowUpload(
  url: string,
  method: string,
  total: number,
  chunk: Buffer,
  onProgress: (sent: number) => void,
  headers: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(total),
        ...headers,
      },
    });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    let sent = 0;
    const pump = (): void => {
      if (sent >= total || req.destroyed) return;
      const n = Math.min(chunk.length, total - sent);
      req.write(chunk.subarray(0, n), () => {
        sent += n;
        onProgress(sent);
        setTimeout(pump, 2);
      });
    };
    pump();
  });
}

function deterministic(size: number): Buffer {
  return randomBytes(size);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash safety (SIGKILL)', () => {
  it('keeps no partial blob or manifest, lets uploads be retried, and GC leaves nothing orphaned', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wharf-crash-'));
    dirs.push(dataDir);
    const SIZE = 200 * MiB;
    const blob = deterministic(SIZE);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

    // 1. Kill during a large monolithic PUT.
    let child = await startChild(dataDir);
    const post = await fetch(`${child.url}/v2/crash/repo/blobs/uploads/`, { method: 'POST' });
    expect(post.status).toBe(202);
    const monoLoc = post.headers.get('location') as string;
    await new Promise<void>((resolve) => {
      let killed = false;
      void slowUpload(
        `${child.url}${monoLoc}?digest=${digest}`,
        'PUT',
        SIZE,
        blob.subarray(0, MiB),
        (sent) => {
          if (!killed && sent >= 60 * MiB) {
            killed = true;
            void kill9(child).then(resolve);
          }
        },
      );
    });

    // 2. Streamed PATCH: one complete PATCH, then kill during the second.
    child = await startChild(dataDir);
    expect(
      (await fetch(`${child.url}/v2/crash/repo/blobs/${digest}`, { method: 'HEAD' })).status,
    ).toBe(404);
    const post2 = await fetch(`${child.url}/v2/crash/repo/blobs/uploads/`, { method: 'POST' });
    const patchLoc = post2.headers.get('location') as string;
    const first = await fetch(`${child.url}${patchLoc}`, {
      method: 'PATCH',
      body: blob.subarray(0, 50 * MiB),
      headers: { 'Content-Range': `0-${50 * MiB - 1}` },
    });
    expect(first.status).toBe(202);
    await new Promise<void>((resolve) => {
      let killed = false;
      void slowUpload(
        `${child.url}${patchLoc}`,
        'PATCH',
        SIZE - 50 * MiB,
        blob.subarray(50 * MiB, 51 * MiB),
        (sent) => {
          if (!killed && sent >= 30 * MiB) {
            killed = true;
            void kill9(child).then(resolve);
          }
        },
        { 'Content-Range': `${50 * MiB}-${SIZE - 1}` },
      );
    });

    // 3. Kill during a manifest PUT (half the body sent).
    child = await startChild(dataDir);
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    expect(
      (
        await fetch(`${child.url}/v2/crash/repo/blobs/uploads/?digest=${configDigest}`, {
          method: 'POST',
          body: config,
        })
      ).status,
    ).toBe(201);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: configDigest,
          size: config.length,
        },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: SIZE }],
      }),
    );
    const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await new Promise<void>((resolve) => {
      const req = http.request(`${child.url}/v2/crash/repo/manifests/latest`, {
        method: 'PUT',
        headers: {
          'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
          'Content-Length': String(manifest.length),
        },
      });
      req.on('error', () => resolve());
      req.write(manifest.subarray(0, manifest.length >> 1), () => {
        setTimeout(() => void kill9(child).then(resolve), 50);
      });
    });

    // 4. Restart: nothing partial is visible; the sessions are still there and retryable.
    child = await startChild(dataDir);
    const base = `${child.url}/v2/crash/repo`;
    expect((await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${base}/manifests/latest`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${base}/manifests/${manifestDigest}`, { method: 'HEAD' })).status).toBe(
      404,
    );
    // The streamed session resumes at the last completed PATCH.
    const status = await fetch(`${child.url}${patchLoc}`);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${50 * MiB - 1}`);
    const rest = await fetch(`${child.url}${patchLoc}`, {
      method: 'PATCH',
      body: blob.subarray(50 * MiB),
      headers: { 'Content-Range': `${50 * MiB}-${SIZE - 1}` },
    });
    expect(rest.status).toBe(202);
    expect(
      (await fetch(`${child.url}${patchLoc}?digest=${digest}`, { method: 'PUT' })).status,
    ).toBe(201);
    // The monolithic session is retried from scratch and also succeeds (same digest).
    const retry = await fetch(`${child.url}${monoLoc}?digest=${digest}`, {
      method: 'PUT',
      body: blob,
    });
    expect(retry.status).toBe(201);
    const head = await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(SIZE));
    const got = Buffer.from(await (await fetch(`${base}/blobs/${digest}`)).arrayBuffer());
    expect(got.equals(blob)).toBe(true);
    // The manifest PUT can be retried too.
    const mput = await fetch(`${base}/manifests/latest`, {
      method: 'PUT',
      body: manifest,
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(mput.status).toBe(201);
    // An abandoned session and an orphan are left for GC.
    await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    await kill9(child);

    // 5. GC (grace 0, upload TTL 0) on the same data dir leaves exactly the live blobs.
    const registry = await createRegistryApp(
      defaultConfig({ dataDir, log: { level: 'silent', accessLog: false } }),
    );
    try {
      const result = await registry.runGc({ gracePeriodMs: 0, uploadTtlMs: 0 });
      expect(result.uploadsExpired).toBeGreaterThanOrEqual(1);
      expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
      expect(readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);
      const files: string[] = [];
      for (const alg of readdirSync(path.join(dataDir, 'blobs'))) {
        for (const p of readdirSync(path.join(dataDir, 'blobs', alg))) {
          for (const h of readdirSync(path.join(dataDir, 'blobs', alg, p)))
            files.push(`${alg}:${h}`);
        }
      }
      expect(files.sort()).toEqual([digest, configDigest, manifestDigest].sort());
      expect(
        statSync(path.join(dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7))).size,
      ).toBe(SIZE);
      const res = await registry.fetch(new Request(`http://x/v2/crash/repo/manifests/latest`));
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(manifestDigest);
    } finally {
      await registry.close();
    }
  }, 180_000);

  it('SIGTERM finishes in-flight requests, then exits 0', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wharf-term-'));
    dirs.push(dataDir);
    const child = await startChild(dataDir);
    const blob = deterministic(20 * MiB);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const post = await fetch(`${child.url}/v2/term/repo/blobs/uploads/`, { method: 'POST' });
    const loc = post.headers.get('location') as string;
    const exited = new Promise<number | null>((resolve) =>
      child.proc.once('exit', (code) => resolve(code)),
    );
    let status = 0;
    await new Promise<void>((resolve) => {
      let signalled = false;
      const req = http.request(`${child.url}${loc}?digest=${digest}`, {
        method: 'PUT',
        headers: { 'Content-Length': String(blob.length) },
      });
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', () => resolve());
      let sent = 0;
      const pump = (): void => {
        if (sent >= blob.length) return;
        req.write(blob.subarray(sent, sent + MiB), () => {
          sent += MiB;
          if (!signalled && sent >= 5 * MiB) {
            signalled = true;
            child.proc.kill('SIGTERM');
          }
          if (sent >= blob.length) req.end();
          else setTimeout(pump, 10);
        });
      };
      pump();
    });
    expect(status).toBe(201);
    expect(await exited).toBe(0);
    // The blob is durable after the restart.
    const again = await startChild(dataDir);
    expect(
      (await fetch(`${again.url}/v2/term/repo/blobs/${digest}`, { method: 'HEAD' })).status,
    ).toBe(200);
    await kill9(again);
  }, 60_000);
});
