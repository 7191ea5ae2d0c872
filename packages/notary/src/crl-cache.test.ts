/** The CRL file cache (notation's `{cache}/crl/<sha256(url)>` layout) over a local HTTP server. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vec } from '../test/vectors.js';
import { parseCertificates } from './cert.js';
import { createCachingCrlFetcher, crlCachePath, readCachedCrl } from './crl-cache.js';
import { createRevocationChecker } from './revocation.js';

let server: Server;
let base = '';
const hits = new Map<string, number>();
let serveRevoked = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    const file =
      req.url === '/leaf.crl'
        ? serveRevoked
          ? '07-crl-chain/leaf_revoked.crl'
          : '07-crl-chain/leaf.crl'
        : req.url === '/intermediate.crl'
          ? '07-crl-chain/intermediate.crl'
          : undefined;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(vec(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function httpGet(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

describe('CRL cache', () => {
  it('stores a fetched CRL in notation layout and serves it without fetching again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wharf-crl-')), 'crl');
    const fetchCrl = createCachingCrlFetcher({ dir, fetchCrl: httpGet });
    const url = `${base}/leaf.crl`;
    const before = hits.get('/leaf.crl') ?? 0;
    const first = await fetchCrl(url);
    expect(Buffer.from(first)).toEqual(vec('07-crl-chain/leaf.crl'));
    const path = join(dir, createHash('sha256').update(url).digest('hex'));
    expect(crlCachePath(dir, url)).toBe(path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      baseCRL: vec('07-crl-chain/leaf.crl').toString('base64'),
    });
    // The server now serves another CRL: the fresh cache entry still wins.
    serveRevoked = true;
    try {
      expect(Buffer.from(await fetchCrl(url))).toEqual(vec('07-crl-chain/leaf.crl'));
      expect(hits.get('/leaf.crl')).toBe(before + 1);
    } finally {
      serveRevoked = false;
    }
  });

  it('treats entries past nextUpdate as misses and does not store stale CRLs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wharf-crl-')), 'crl');
    const url = `${base}/intermediate.crl`;
    await createCachingCrlFetcher({ dir, fetchCrl: httpGet })(url);
    const later = new Date('2125-01-01T00:00:00Z'); // the vector CRLs expire in 2124
    expect(await readCachedCrl(dir, url, later)).toBeUndefined();
    const before = hits.get('/intermediate.crl') ?? 0;
    const stale = createCachingCrlFetcher({ dir, fetchCrl: httpGet, now: () => later });
    await stale(url);
    await stale(url);
    expect(hits.get('/intermediate.crl')).toBe(before + 2);
  });

  it('discards malformed entries with a reported error and refetches', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wharf-crl-')), 'crl');
    mkdirSync(dir, { recursive: true });
    const url = `${base}/leaf.crl`;
    const errors: string[] = [];
    const fetchCrl = createCachingCrlFetcher({
      dir,
      fetchCrl: httpGet,
      onCacheError: (e) => errors.push(e.code),
    });
    for (const junk of [
      '{not json',
      '{"baseCRL": 5}',
      `{"baseCRL":"${Buffer.from('not a crl').toString('base64')}"}`,
    ]) {
      writeFileSync(crlCachePath(dir, url), junk);
      expect(Buffer.from(await fetchCrl(url))).toEqual(vec('07-crl-chain/leaf.crl'));
    }
    expect(errors).toEqual(['REVOCATION_INVALID', 'REVOCATION_INVALID', 'REVOCATION_INVALID']);
    // The last fetch repaired the entry.
    expect(await readCachedCrl(dir, url)).toBeDefined();
  });

  it('feeds the revocation checker: the vector chain is good, from the cache on the second run', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wharf-crl-')), 'crl');
    const chain = parseCertificates(vec('07-crl-chain/certchain_with_crl.pem').toString());
    // The vector's CDPs name http://localhost:10086; point them at this server.
    const fetchCrl = createCachingCrlFetcher({
      dir,
      fetchCrl: (url) => httpGet(url.replace('http://localhost:10086', base)),
    });
    const checker = createRevocationChecker({ fetchCrl });
    const before = (hits.get('/leaf.crl') ?? 0) + (hits.get('/intermediate.crl') ?? 0);
    for (let i = 0; i < 2; i++) {
      const results = await checker.checkChain(chain, { now: new Date() });
      expect(results.map((r) => r.status)).toEqual(['good', 'good', 'nonRevocable']);
    }
    expect((hits.get('/leaf.crl') ?? 0) + (hits.get('/intermediate.crl') ?? 0)).toBe(before + 2);
  });
});
