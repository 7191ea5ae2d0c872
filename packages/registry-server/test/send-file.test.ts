import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SEND_CHUNK,
  sendBufferPoolSize,
  sendFileRange,
  type SendResult,
} from '../src/http/send-file.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wharf-sendfile-'));
const bigPath = path.join(dir, 'big');
// Not a multiple of the chunk, so the last read is partial.
const big = randomBytes(5 * SEND_CHUNK + 12345);
writeFileSync(bigPath, big);
// 256 MiB of zeros (sparse): far more than loopback socket buffers hold, for the disconnect test.
const hugePath = path.join(dir, 'huge');
const HUGE = 256 * SEND_CHUNK;
closeSync(openSync(hugePath, 'w'));
truncateSync(hugePath, HUGE);

interface Served {
  url: string;
  server: Server;
  results: SendResult[];
  /** Set per test: the byte range the handler sends, and the Content-Length it claims. */
  plan: { start: number; end: number; length: number; file?: string };
}

let s: Served;

beforeAll(async () => {
  const results: SendResult[] = [];
  const state: { plan: Served['plan'] } = {
    plan: { start: 0, end: big.length - 1, length: big.length },
  };
  const server = http.createServer((_req, res) => {
    void (async () => {
      const file = await fs.open(state.plan.file ?? bigPath, 'r');
      res.writeHead(200, { 'Content-Length': String(state.plan.length) });
      results.push(await sendFileRange(file, res, state.plan.start, state.plan.end));
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  s = {
    url: `http://127.0.0.1:${port}/`,
    server,
    results,
    get plan() {
      return state.plan;
    },
    set plan(p) {
      state.plan = p;
    },
  };
});

afterAll(async () => {
  await new Promise<void>((r) => s.server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function waitForResult(n: number): Promise<SendResult> {
  for (let i = 0; i < 200 && s.results.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  const r = s.results[n - 1];
  if (!r) throw new Error('handler produced no result');
  return r;
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('sendFileRange', () => {
  it('sends the whole file byte-identically, then pools its buffers', async () => {
    s.plan = { start: 0, end: big.length - 1, length: big.length };
    const n = s.results.length;
    const res = await fetch(s.url);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe(big.length);
    expect(sha(body)).toBe(sha(big));
    expect(await waitForResult(n + 1)).toEqual({
      kind: 'complete',
      bytes: big.length,
    });
    expect(sendBufferPoolSize()).toBe(2);
    // A second transfer reuses the pooled buffers instead of allocating more.
    const again = new Uint8Array(await (await fetch(s.url)).arrayBuffer());
    expect(sha(again)).toBe(sha(big));
    // the client can have every byte before the server's last write callback has run
    expect(await waitForResult(n + 2)).toEqual({ kind: 'complete', bytes: big.length });
    expect(sendBufferPoolSize()).toBe(2);
  });

  it('sends an inclusive range across chunk boundaries', async () => {
    const start = SEND_CHUNK - 7;
    const end = 3 * SEND_CHUNK + 99;
    s.plan = { start, end, length: end - start + 1 };
    const n = s.results.length;
    const body = Buffer.from(await (await fetch(s.url)).arrayBuffer());
    expect(body.equals(big.subarray(start, end + 1))).toBe(true);
    expect(await waitForResult(n + 1)).toEqual({ kind: 'complete', bytes: end - start + 1 });
  });

  it('sends nothing for an empty range (a zero-byte blob)', async () => {
    s.plan = { start: 0, end: -1, length: 0 };
    const n = s.results.length;
    const res = await fetch(s.url);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(await waitForResult(n + 1)).toEqual({ kind: 'complete', bytes: 0 });
  });

  it('destroys the response when the file is shorter than promised', async () => {
    const claimed = big.length + SEND_CHUNK;
    s.plan = { start: 0, end: claimed - 1, length: claimed };
    const n = s.results.length;
    await expect(fetch(s.url).then((r) => r.arrayBuffer())).rejects.toThrow();
    const r = await waitForResult(n + 1);
    expect(r.kind).toBe('short');
  });

  it('stops without hanging when the client disconnects mid-transfer, and closes the file', async () => {
    s.plan = { start: 0, end: HUGE - 1, length: HUGE, file: hugePath };
    const n = s.results.length;
    const pooled = sendBufferPoolSize();
    const opened = (await fs.readdir('/proc/self/fd')).length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no data')), 5000);
      const req = http.get(s.url, (res) => {
        res.once('data', () => {
          // Stop reading, let the server fill the socket buffers and wait on its writes, then hang up.
          res.pause();
          setTimeout(() => {
            req.destroy();
            clearTimeout(timer);
            resolve();
          }, 200);
        });
      });
      req.on('error', () => undefined);
    });
    const r = await waitForResult(n + 1);
    expect(r.kind).toBe('aborted');
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(HUGE);
    // Aborted transfers do not return buffers that a dead socket may still reference.
    expect(sendBufferPoolSize()).toBe(Math.max(0, pooled - 2));
    // The handler's FileHandle is closed: no descriptor leaked (the client socket is gone too).
    for (let i = 0; i < 50 && (await fs.readdir('/proc/self/fd')).length > opened; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect((await fs.readdir('/proc/self/fd')).length).toBeLessThanOrEqual(opened);
  });
});
