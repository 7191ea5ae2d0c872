import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '@wharf/core';
import { Registry } from './registry.js';

// A node:http peer that counts TCP connections: HEAD for blobs answers 404 (no body), the
// upload POST 202 with an empty body, like a registry.
const big = Buffer.alloc(4 * 1024 * 1024, 7);
const bigDigest = `sha256:${createHash('sha256').update(big).digest('hex')}`;

describe('connection reuse', () => {
  let server: Server;
  let connections = 0;
  let requests = 0;
  const log: string[] = [];
  let host = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      log.push(`${req.method} ${req.url} ${connections}`);
      if (req.method === 'POST' && req.url === '/v2/a/blobs/uploads/') {
        res.writeHead(202, { location: '/v2/a/blobs/uploads/1', 'content-length': '0' });
        res.end();
        return;
      }
      if (req.method === 'PUT' && req.url?.startsWith('/v2/a/blobs/uploads/1?digest=')) {
        req.on('data', () => undefined);
        req.on('end', () => {
          const digest = new URL(req.url ?? '', 'http://x').searchParams.get('digest') ?? '';
          res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' });
          res.end();
        });
        return;
      }
      if (req.method === 'POST' && req.url === '/v2/slow/blobs/uploads/') {
        res.writeHead(202, { location: '/v2/slow/blobs/uploads/1', 'content-length': '0' });
        res.end();
        return;
      }
      if (req.method === 'PUT' && req.url?.startsWith('/v2/slow/blobs/uploads/1?digest=')) {
        // A slow link: the body takes longer to arrive than the client's time-to-headers.
        let paused = false;
        req.on('data', () => {
          if (paused) return;
          paused = true;
          req.pause();
          setTimeout(() => req.resume(), 600);
        });
        req.on('end', () => {
          const digest = new URL(req.url ?? '', 'http://x').searchParams.get('digest') ?? '';
          res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' });
          res.end();
        });
        return;
      }
      if (req.method === 'GET' && req.url === `/v2/a/blobs/${bigDigest}`) {
        res.writeHead(200, { 'content-length': String(big.length) });
        res.end(big);
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('keeps the connection after HEAD and after small error bodies', async () => {
    const repo = new Registry(host, { plainHttp: true }).repository('a');
    for (let i = 0; i < 20; i++) {
      const bytes = new TextEncoder().encode(`blob ${i}`);
      const desc = { mediaType: 'application/octet-stream', digest: digestBytes(bytes), size: 8 };
      expect(await repo.exists(desc)).toBe(false);
    }
    await repo.tags().catch(() => undefined);
    expect(requests).toBeGreaterThanOrEqual(21);
    // undici's default closes the socket after every HEAD (21 connections here); with the
    // HEAD keep-alive, the first socket is replaced once and then reused (measured: 2).
    expect(connections, log.join('\n')).toBeLessThanOrEqual(2);
  });

  it('streams an upload with backpressure: live memory stays far below the blob size', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const chunk = 1024 * 1024;
    const count = 96;
    const hash = createHash('sha256');
    for (let i = 0; i < count; i++) hash.update(Buffer.alloc(chunk, i));
    const desc = {
      mediaType: 'application/octet-stream',
      digest: `sha256:${hash.digest('hex')}`,
      size: chunk * count,
    };
    // Each time the upload pulls the next chunk, after a full GC, this counts how many of the
    // chunks it was given are still reachable (WeakRefs). That is exactly what the client holds:
    // process-wide counters such as memoryUsage().arrayBuffers also see memory V8 has already
    // released but not yet swept (measured on Node 24: 37-42 MiB for the same run).
    const refs: WeakRef<Uint8Array>[] = [];
    let peakAlive = 0;
    let samples = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < count; i++) {
        // A macrotask turn first: WeakRefs deref'd in the current job keep their targets alive.
        await new Promise((r) => setImmediate(r));
        gc();
        peakAlive = Math.max(peakAlive, refs.filter((r) => r.deref() !== undefined).length);
        samples++;
        const buf = Buffer.alloc(chunk, i);
        refs.push(new WeakRef(buf));
        yield buf;
      }
    }
    const repo = new Registry(host, { plainHttp: true }).repository('a');
    await repo.push(desc, source());
    expect(samples).toBe(count);
    // fetch kept the whole body alive (all 96 chunks); undici's request streams it, holding at
    // most the chunk being written and the one before it (measured: 1-2).
    expect(peakAlive).toBeLessThanOrEqual(4);
  });

  it('a fetched blob body survives garbage collection of its Response before it is read', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const repo = new Registry(host, { plainHttp: true }).repository('a');
    const stream = await repo.fetch({
      mediaType: 'application/octet-stream',
      digest: bigDigest,
      size: big.length,
    });
    // undici cancels the unlocked body of a collected Response (FinalizationRegistry).
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    const parts: Uint8Array[] = [];
    for await (const part of stream) parts.push(part);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });

  it('a streamed upload slower than the time-to-headers limit still completes', async () => {
    const repo = new Registry(host, { plainHttp: true, timeoutMs: 200 }).repository('slow');
    const desc = { mediaType: 'application/octet-stream', digest: bigDigest, size: big.length };
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < big.length; off += 64 * 1024) {
        await Promise.resolve();
        yield big.subarray(off, off + 64 * 1024);
      }
    }
    const started = Date.now();
    await repo.push(desc, source());
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('a large in-memory body (an upload chunk) slower than the time-to-headers limit completes', async () => {
    const repo = new Registry(host, { plainHttp: true, timeoutMs: 200 }).repository('slow');
    const desc = { mediaType: 'application/octet-stream', digest: bigDigest, size: big.length };
    const started = Date.now();
    await repo.push(desc, big);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});
