// `wharf` against a misbehaving registry: a small node:http server on 127.0.0.1 that serves
// one artifact and then lies (wrong digests, truncated bodies, oversized manifests, redirect
// loops, malicious upload Locations, a path-traversing layer title, refused credentials).
// Each case checks the exit code, the message, that nothing was written, and how many
// requests the client made (no retry storms).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { digestBytes } from '@wharf/core';
import { tempDir, wharf } from './helpers.js';

const MT = 'application/vnd.oci.image.manifest.v1+json';
const empty = Buffer.from('{}');
const layer = Buffer.from('hello from a hostile registry\n');

function manifestFor(title: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT,
      artifactType: 'application/vnd.example',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: digestBytes(empty),
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/octet-stream',
          digest: digestBytes(layer),
          size: layer.length,
          annotations: { 'org.opencontainers.image.title': title },
        },
      ],
    }),
  );
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

interface Peer {
  server: Server;
  host: string;
  /** Requests seen, as `METHOD path`. */
  log: string[];
  /** Tried first; return true when it answered. */
  fault: Handler | undefined;
}

async function startPeer(title = () => 'hi.txt'): Promise<Peer> {
  const peer: Peer = { server: createServer(), host: '', log: [], fault: undefined };
  peer.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    peer.log.push(`${req.method} ${url.pathname}`);
    if (peer.fault?.(req, res, url)) return;
    const manifest = manifestFor(title());
    const send = (status: number, body: Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-length': String(body.length), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/v2/') return send(200, Buffer.from('{}'));
    const m = /^\/v2\/evil\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (m?.[1] === 'manifests' && (m[2] === 'v1' || m[2] === digestBytes(manifest))) {
      return send(200, manifest, {
        'content-type': MT,
        'docker-content-digest': digestBytes(manifest),
      });
    }
    if (m?.[1] === 'blobs' && m[2] === digestBytes(layer)) return send(200, layer);
    if (m?.[1] === 'blobs' && m[2] === digestBytes(empty)) return send(200, empty);
    return send(404, Buffer.from('{"errors":[{"code":"NOT_FOUND","message":"not here"}]}'), {
      'content-type': 'application/json',
    });
  });
  await new Promise<void>((r) => peer.server.listen(0, '127.0.0.1', r));
  peer.host = `127.0.0.1:${(peer.server.address() as AddressInfo).port}`;
  return peer;
}

async function stopPeer(peer: Peer | undefined): Promise<void> {
  if (!peer) return;
  peer.server.closeAllConnections();
  await new Promise((r) => peer.server.close(r));
}

describe('a hostile registry', () => {
  let peer: Peer;
  let other: Peer;
  let title = 'hi.txt';
  let dir: ReturnType<typeof tempDir>;
  let n = 0;
  const w = (args: string[], stdin?: string) =>
    wharf(args, { cwd: dir.path, ...(stdin !== undefined ? { stdin } : {}) });
  const outDir = () => `out${++n}`;
  const nothingWritten = (out: string) =>
    !existsSync(join(dir.path, out)) || readdirSync(join(dir.path, out)).length === 0;

  beforeAll(async () => {
    dir = tempDir('wharf-cli-hostile-');
    writeFileSync(join(dir.path, 'up.bin'), 'upload me\n');
    peer = await startPeer(() => title);
    other = await startPeer();
  });
  afterAll(async () => {
    await stopPeer(peer);
    await stopPeer(other);
    dir?.remove();
  });
  beforeEach(() => {
    peer.fault = undefined;
    peer.log.length = 0;
    other.log.length = 0;
    title = 'hi.txt';
  });

  it('serves a good pull first (the peer itself is sound)', async () => {
    const out = outDir();
    const r = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir.path, out, 'hi.txt'))).toBe(true);
  });

  it('wrong blob digest: exit 1, DIGEST_MISMATCH, no file', async () => {
    peer.fault = (req, res, url) => {
      if (!url.pathname.endsWith(digestBytes(layer))) return false;
      const bad = Buffer.from(layer);
      bad[0] = (bad[0] ?? 0) ^ 1;
      res.writeHead(200, { 'content-length': String(bad.length) });
      res.end(req.method === 'HEAD' ? undefined : bad);
      return true;
    };
    const out = outDir();
    const r = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*digest/im);
    expect(nothingWritten(out)).toBe(true);
    expect(peer.log.filter((l) => l.endsWith(digestBytes(layer))).length).toBeLessThanOrEqual(2);
  });

  it('wrong manifest digest (body and header): exit 1', async () => {
    const good = manifestFor('hi.txt');
    peer.fault = (req, res, url) => {
      if (!url.pathname.includes('/manifests/')) return false;
      const lie = Buffer.from(good.toString().replace('hi.txt', 'ho.txt'));
      res.writeHead(200, {
        'content-type': MT,
        'content-length': String(lie.length),
        'docker-content-digest': digestBytes(good),
      });
      res.end(req.method === 'HEAD' ? undefined : lie);
      return true;
    };
    const r = await w([
      'manifest',
      'fetch',
      '--plain-http',
      `${peer.host}/evil@${digestBytes(good)}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*digest/im);
    const out = outDir();
    const p = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(p.code).toBe(1);
    expect(nothingWritten(out)).toBe(true);
  });

  it('truncated body: exit 1, no file, a bounded number of attempts', async () => {
    peer.fault = (req, res, url) => {
      if (!url.pathname.endsWith(digestBytes(layer)) || req.method !== 'GET') return false;
      res.writeHead(200, { 'content-length': String(layer.length) });
      res.write(layer.subarray(0, 5));
      setTimeout(() => res.destroy(), 10);
      return true;
    };
    const out = outDir();
    const r = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: /m);
    expect(nothingWritten(out)).toBe(true);
    const gets = peer.log.filter((l) => l === `GET /v2/evil/blobs/${digestBytes(layer)}`).length;
    expect(gets).toBeGreaterThanOrEqual(1);
    expect(gets).toBeLessThanOrEqual(6);
  });

  it('oversized manifest: exit 1 with a size message, body not buffered', async () => {
    peer.fault = (req, res, url) => {
      if (!url.pathname.includes('/manifests/')) return false;
      const size = 64 * 1024 * 1024;
      res.writeHead(200, { 'content-type': MT, 'content-length': String(size) });
      if (req.method === 'HEAD') res.end();
      else res.end(Buffer.alloc(size, 0x20));
      return true;
    };
    const r = await w(['manifest', 'fetch', '--plain-http', `${peer.host}/evil:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*(too large|limit|exceed)/im);
  });

  it('redirect loop: exit 1, stops after a few hops', async () => {
    let hop = 0;
    peer.fault = (_req, res, url) => {
      if (!url.pathname.endsWith(digestBytes(layer))) return false;
      res.writeHead(307, { location: `${url.pathname}?hop=${hop++ % 2}`, 'content-length': '0' });
      res.end();
      return true;
    };
    const out = outDir();
    const r = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*redirect/im);
    expect(nothingWritten(out)).toBe(true);
    expect(hop).toBeLessThanOrEqual(12);
  });

  for (const [name, location] of [
    ['another host', () => `http://${other.host}/v2/evil/blobs/uploads/steal`],
    ['a scheme change', () => 'ftp://127.0.0.1/v2/evil/blobs/uploads/x'],
    ['path traversal', () => '/v2/evil/blobs/uploads/../../../../admin/upload'],
  ] as const) {
    it(`malicious upload Location (${name}): exit 1, nothing sent there`, async () => {
      peer.fault = (req, res, url) => {
        if (req.method === 'POST' && url.pathname === '/v2/evil/blobs/uploads/') {
          res.writeHead(202, { location: location(), 'content-length': '0' });
          res.end();
          return true;
        }
        return false;
      };
      const r = await w(['blob', 'push', '--plain-http', `${peer.host}/evil`, 'up.bin']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: .*refusing upload Location/m);
      expect(other.log).toEqual([]);
      expect(peer.log.filter((l) => l.startsWith('PUT') || l.startsWith('PATCH'))).toEqual([]);
      expect(peer.log.filter((l) => l.includes('admin'))).toEqual([]);
    });
  }

  it('layer title ../../etc/passwd: pull refuses, writes nothing outside', async () => {
    title = '../../etc/passwd';
    const out = join('deep', 'er', outDir());
    const r = await w(['pull', '--plain-http', '-o', out, `${peer.host}/evil:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*outside the output directory/m);
    expect(existsSync(join(dir.path, 'deep', 'etc'))).toBe(false);
    expect(existsSync(join(dir.path, 'deep', 'etc', 'passwd'))).toBe(false);
  });

  it('refused basic credentials: exit 1, a clear message, no retry storm, no secret echoed', async () => {
    peer.fault = (_req, res) => {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="hostile"',
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return true;
    };
    const r = await w([
      'resolve',
      '--plain-http',
      '-u',
      'alice',
      '-p',
      'hunter2',
      `${peer.host}/evil:v1`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*(401|UNAUTHORIZED|unauthorized)/m);
    expect(r.stderr).not.toContain('hunter2');
    // One anonymous attempt, one with the credentials; nothing more.
    expect(peer.log.length).toBeLessThanOrEqual(3);
    const login = await w(
      ['login', '--plain-http', '-u', 'alice', '--password-stdin', peer.host],
      'hunter2\n',
    );
    expect(login.code).toBe(1);
    expect(login.stderr).not.toContain('hunter2');
    expect(peer.log.length).toBeLessThanOrEqual(6);
  });

  it('refused bearer token: exit 1, one token request per attempt', async () => {
    peer.fault = (_req, res, url) => {
      if (url.pathname === '/token') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
        return true;
      }
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${peer.host}/token",service="hostile",scope="repository:evil:pull"`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return true;
    };
    const r = await w([
      'resolve',
      '--plain-http',
      '-u',
      'alice',
      '-p',
      'hunter2',
      `${peer.host}/evil:v1`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*(401|UNAUTHORIZED|unauthorized|token)/im);
    expect(r.stderr).not.toContain('hunter2');
    expect(peer.log.filter((l) => l.endsWith('/token')).length).toBeLessThanOrEqual(2);
    expect(peer.log.length).toBeLessThanOrEqual(5);
  });
});
