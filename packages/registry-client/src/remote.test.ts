import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileContent } from '@wharf/content';
import { digestBytes, isWharfError, referrersTagFor, type Descriptor } from '@wharf/core';
import { faultyFetch, requirePeer, startRegistry, type RunningRegistry } from '../test/harness.js';
import { Registry, type RegistryOptions } from './registry.js';

const registryBin = requirePeer('registry');
const enc = new TextEncoder();

function blob(bytes: Uint8Array, mediaType = 'application/octet-stream'): Descriptor {
  return { mediaType, digest: digestBytes(bytes), size: bytes.byteLength };
}
function manifestBytes(config: Descriptor, layers: Descriptor[], extra: object = {}): Uint8Array {
  return enc.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers,
      ...extra,
    }),
  );
}
const MT = 'application/vnd.oci.image.manifest.v1+json';
async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    await Promise.resolve();
    yield p;
  }
}
async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isWharfError(err)) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

describe.skipIf(!registryBin)('RemoteRepository against distribution', () => {
  let reg: RunningRegistry;
  const client = (opts: RegistryOptions = {}) =>
    new Registry(reg.host, { retry: { baseBackoffMs: 10 }, ...opts });
  const config = enc.encode('{}');
  const configDesc = blob(config, 'application/vnd.oci.empty.v1+json');

  async function pushImage(
    repoName: string,
    tag: string,
    layer: Uint8Array,
    opts: RegistryOptions = {},
  ) {
    const repo = client(opts).repository(repoName);
    const layerDesc = blob(layer);
    await repo.push(configDesc, config);
    await repo.push(layerDesc, layer);
    const bytes = manifestBytes(configDesc, [layerDesc], { artifactType: 'application/vnd.test' });
    const desc = blob(bytes, MT);
    await repo.pushReference(desc, bytes, tag);
    return { repo, desc, bytes, layerDesc };
  }

  beforeAll(async () => {
    reg = await startRegistry(registryBin as string);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes and pulls blobs and manifests, verified', async () => {
    const layer = enc.encode('hello wharf layer');
    const { repo, desc, bytes, layerDesc } = await pushImage('test/basic', 'v1', layer);
    expect(await repo.exists(layerDesc)).toBe(true);
    expect(await repo.exists(blob(enc.encode('absent')))).toBe(false);
    expect((await collect(await repo.fetch(layerDesc))).toString()).toBe('hello wharf layer');
    const resolved = await repo.resolve('v1');
    expect(resolved).toEqual({ mediaType: MT, digest: desc.digest, size: desc.size });
    const fetched = await repo.fetchReference('v1');
    expect(Buffer.from(fetched.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(await repo.exists(desc)).toBe(true);
    await repo.tag(desc, 'v2');
    expect(await repo.tags()).toEqual(['v1', 'v2']);
    expect(await codeOf(repo.resolve('nope'))).toBe('NOT_FOUND');
    await repo.delete(desc);
    expect(await codeOf(repo.resolve('v1'))).toBe('NOT_FOUND');
    await repo.delete(layerDesc);
    expect(await repo.exists(layerDesc)).toBe(false);
  });

  it('uploads a FileContent through refilled buffers (default stack) and through an injected fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-rc-file-'));
    try {
      // 3 full 1 MiB chunks and a short one: each chunk's buffer is refilled two chunks later.
      const bytes = randomBytes(3 * 1024 * 1024 + 4321);
      const file = join(dir, 'blob.bin');
      writeFileSync(file, bytes);
      const desc = blob(bytes);
      const repo = client().repository('test/file-content');
      await repo.push(desc, new FileContent(file, bytes.byteLength), {
        descriptorFromContent: true,
      });
      expect((await collect(await repo.fetch(desc))).equals(bytes)).toBe(true);
      // Verified on the way too (the default), and with a fetch that gets fresh chunks.
      const viaFetch = client({ fetch: faultyFetch().fetch }).repository('test/file-content-2');
      await viaFetch.push(desc, new FileContent(file, bytes.byteLength));
      expect((await collect(await viaFetch.fetch(desc))).equals(bytes)).toBe(true);
      const again = client().repository('test/file-content-3');
      await again.push(desc, new FileContent(file, bytes.byteLength));
      expect((await collect(await again.fetch(desc))).equals(bytes)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams uploads, chunked uploads and cross-repo mounts', async () => {
    const big = Buffer.alloc(300 * 1024 + 17, 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const desc = blob(big);
    const chunked = client({ chunkedUploadThreshold: 1, chunkSize: 64 * 1024 }).repository(
      'test/chunked',
    );
    const stream = () => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < big.length; i += 10_000) parts.push(big.subarray(i, i + 10_000));
      return chunks(...parts);
    };
    await chunked.push(desc, stream());
    expect((await collect(await chunked.fetch(desc))).equals(big)).toBe(true);
    const other = client().repository('test/mounted');
    await other.mount(desc, 'test/chunked');
    expect(await other.exists(desc)).toBe(true);
    const fresh = blob(enc.encode('not anywhere yet'));
    await other.mount(fresh, 'test/chunked', () =>
      Promise.resolve(chunks(enc.encode('not anywhere yet'))),
    );
    expect(await other.exists(fresh)).toBe(true);
    // A stream that does not match its descriptor is refused before the commit.
    const lie = { ...blob(enc.encode('AAAA')) };
    expect(await codeOf(other.push(lie, chunks(enc.encode('BBBB'))))).toBe('DIGEST_MISMATCH');
    expect(await other.exists(lie)).toBe(false);
    // With descriptorFromContent the client does not hash again; the registry still refuses.
    const trusted = other.push(lie, chunks(enc.encode('BBBB')), { descriptorFromContent: true });
    expect(await codeOf(trusted)).toBe('DIGEST_INVALID');
    expect(await other.exists(lie)).toBe(false);
    await other.push(blob(enc.encode('CCCC')), chunks(enc.encode('CCCC')), {
      descriptorFromContent: true,
    });
    expect(await other.exists(blob(enc.encode('CCCC')))).toBe(true);
  });

  it('paginates tags with n/last/Link and lists the catalog', async () => {
    const { repo, desc } = await pushImage('test/tags', 't0', enc.encode('tags layer'));
    for (const t of ['t1', 't2', 't3', 't4']) await repo.tag(desc, t);
    const pages: string[][] = [];
    for await (const page of client().repository('test/tags', { tagListPageSize: 2 }).tagPages())
      pages.push(page);
    expect(pages).toEqual([['t0', 't1'], ['t2', 't3'], ['t4']]);
    expect(await repo.tags({ last: 't2' })).toEqual(['t3', 't4']);
    expect(await client().catalog()).toContain('test/tags');
  });

  it('resumes an interrupted blob download with Range', async () => {
    const data = Buffer.alloc(256 * 1024, 3);
    const { repo: _r, layerDesc } = await pushImage('test/resume', 'v1', data);
    let cut = false;
    const f = faultyFetch((url, init, res) => {
      if (
        !cut &&
        url.pathname.includes('/blobs/') &&
        (init?.method ?? 'GET') === 'GET' &&
        res.body
      ) {
        cut = true;
        const reader = res.body.getReader();
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(ctrl) {
            if (sent > 50_000) return ctrl.error(new TypeError('terminated'));
            const r = (await reader.read()) as { done: boolean; value?: Uint8Array };
            if (r.done || !r.value) return ctrl.close();
            sent += r.value.byteLength;
            ctrl.enqueue(r.value);
          },
        });
        return new Response(body, { status: res.status, headers: res.headers });
      }
      return res;
    });
    const repo = client({ fetch: f.fetch }).repository('test/resume');
    expect((await collect(await repo.fetch(layerDesc))).equals(data)).toBe(true);
    expect(f.calls.some((c) => c.status === 206)).toBe(true);
  });

  it('refuses wrong digests, truncated bodies, oversized manifests, redirect loops and foreign Locations', async () => {
    const layer = enc.encode('fault layer content');
    const { desc, layerDesc } = await pushImage('test/faults', 'v1', layer);
    const withFetch = (f: ReturnType<typeof faultyFetch>, opts: RegistryOptions = {}) =>
      client({ fetch: f.fetch, ...opts }).repository('test/faults');
    const tamper = faultyFetch(async (url, _i, res) => {
      if (!url.pathname.includes('/blobs/')) return res;
      const b = Buffer.from(await res.arrayBuffer());
      b[0] = b[0]! ^ 1;
      return new Response(b, { status: res.status, headers: res.headers });
    });
    expect(await codeOf(collect(await withFetch(tamper).fetch(layerDesc)))).toBe('DIGEST_MISMATCH');
    const truncate = faultyFetch(async (url, _i, res) => {
      if (!url.pathname.includes('/blobs/')) return res;
      const b = Buffer.from(await res.arrayBuffer()).subarray(0, 5);
      const h = new Headers(res.headers);
      h.delete('content-length');
      return new Response(b, { status: res.status, headers: h });
    });
    expect(await codeOf(collect(await withFetch(truncate).fetch(layerDesc)))).toBe('SIZE_MISMATCH');
    const wrongHeader = faultyFetch((url, _i, res) => {
      if (!url.pathname.includes('/manifests/')) return res;
      const h = new Headers(res.headers);
      h.set('docker-content-digest', digestBytes(enc.encode('other')));
      return new Response(res.body, { status: res.status, headers: h });
    });
    expect(await codeOf(withFetch(wrongHeader).fetchReference('v1'))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(withFetch(wrongHeader).resolve(desc.digest))).toBe('DIGEST_MISMATCH');
    const huge = faultyFetch((url, _i, res) => {
      if (!url.pathname.includes('/manifests/')) return res;
      return new Response(new Uint8Array(5 * 1024 * 1024), {
        status: 200,
        headers: { 'content-type': MT },
      });
    });
    expect(await codeOf(withFetch(huge).fetchReference('v1'))).toBe('SIZE_LIMIT_EXCEEDED');
    let hop = 0;
    const loop = faultyFetch(
      (_u, _i, res) => res,
      (url) =>
        url.pathname.includes('/manifests/')
          ? new Response(null, {
              status: 307,
              headers: { location: `${url.pathname}?hop=${hop++ % 2}` },
            })
          : undefined,
    );
    expect(await codeOf(withFetch(loop).fetchReference('v1'))).toBe('REDIRECT_LOOP');
    const evil = faultyFetch((url, init, res) => {
      if (init?.method !== 'POST' || !url.pathname.endsWith('/blobs/uploads/')) return res;
      const h = new Headers(res.headers);
      h.set('location', 'http://evil.example:5000/v2/steal');
      return new Response(null, { status: 202, headers: h });
    });
    expect(await codeOf(withFetch(evil).push(blob(enc.encode('x')), enc.encode('x')))).toBe(
      'LOCATION_REFUSED',
    );
    expect(evil.calls.some((c) => c.url.includes('evil.example'))).toBe(false);
  });

  it('retries 503 and honours Retry-After on 429', async () => {
    const { layerDesc } = await pushImage('test/retry', 'v1', enc.encode('retry layer'));
    let failures = 0;
    const flaky = faultyFetch(
      (_u, _i, res) => res,
      (url) => {
        if (!url.pathname.includes('/blobs/') || failures >= 3) return undefined;
        failures++;
        return failures === 3
          ? new Response('slow down', { status: 429, headers: { 'retry-after': '1' } })
          : new Response('busy', { status: 503 });
      },
    );
    const started = Date.now();
    const repo = client({ fetch: flaky.fetch }).repository('test/retry');
    expect((await collect(await repo.fetch(layerDesc))).toString()).toBe('retry layer');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const broken = faultyFetch(
      (_u, _i, res) => res,
      (url) => (url.pathname.includes('/blobs/') ? new Response('', { status: 500 }) : undefined),
    );
    const r2 = client({
      fetch: broken.fetch,
      retry: { baseBackoffMs: 1, maxRetries: 2 },
    }).repository('test/retry');
    expect(await codeOf(r2.fetch(layerDesc))).toBe('HTTP_500');
    expect(broken.calls.filter((c) => c.url.includes('/blobs/'))).toHaveLength(3);
  });

  it('maintains the referrers tag schema (no referrers API) and guards against bogus tag indexes', async () => {
    const { repo, desc: subject } = await pushImage(
      'test/referrers',
      'v1',
      enc.encode('subject layer'),
    );
    const attach = async (r: typeof repo, type: string, note: string) => {
      const bytes = manifestBytes(configDesc, [configDesc], {
        artifactType: type,
        subject,
        annotations: { note },
      });
      const d = blob(bytes, MT);
      await r.push(d, bytes);
      return d;
    };
    const sig = await attach(repo, 'application/vnd.example.sig', 'a');
    const sbom = await attach(repo, 'application/spdx+json', 'b');
    expect(repo.referrersSupport).toBe('unsupported');
    const index = await repo.fetchReference(referrersTagFor(subject.digest));
    expect(index.descriptor.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const listed = await client().repository('test/referrers').referrers(subject);
    expect(listed.map((d) => d.digest).sort()).toEqual([sig.digest, sbom.digest].sort());
    expect(listed.find((d) => d.digest === sig.digest)).toMatchObject({
      artifactType: 'application/vnd.example.sig',
      annotations: { note: 'a' },
    });
    expect(
      (await repo.referrers(subject, { artifactType: 'application/spdx+json' })).map(
        (d) => d.digest,
      ),
    ).toEqual([sbom.digest]);
    await repo.delete(sig);
    expect((await repo.referrers(subject)).map((d) => d.digest)).toEqual([sbom.digest]);
    // GitLab pitfall: the registry answers the sha256-<hex> tag with the subject itself.
    const gitlab = faultyFetch(async (url, init, res) => {
      if (!url.pathname.endsWith(`/manifests/${referrersTagFor(subject.digest)}`)) return res;
      const real = await fetch(url.href.replace(referrersTagFor(subject.digest), subject.digest), {
        method: init?.method ?? 'GET',
        headers: { accept: MT },
      });
      return new Response(real.body, { status: 200, headers: real.headers });
    });
    expect(
      await client({ fetch: gitlab.fetch }).repository('test/referrers').referrers(subject),
    ).toEqual([]);
    // Forced API mode on a registry without it fails clearly.
    expect(
      await codeOf(
        client().repository('test/referrers', { referrersMode: 'api' }).referrers(subject),
      ),
    ).toMatch(/^(NAME_UNKNOWN|HTTP_404|UNSUPPORTED)$/);
  });

  it('maintains the tag index in forced tag mode even when the registry answers OCI-Subject', async () => {
    const { desc: subject } = await pushImage(
      'test/forced-tag',
      'v1',
      enc.encode('forced subject'),
    );
    const bytes = manifestBytes(configDesc, [configDesc], {
      artifactType: 'application/vnd.forced',
      subject,
    });
    const desc = blob(bytes, MT);
    // Pretend the registry has the referrers API: it answers the manifest PUT with OCI-Subject.
    const withSubject = faultyFetch((url, init, res) => {
      if ((init?.method ?? 'GET') !== 'PUT' || !url.pathname.includes('/manifests/')) return res;
      const headers = new Headers(res.headers);
      headers.set('OCI-Subject', subject.digest);
      return new Response(res.body, { status: res.status, headers });
    });
    await client({ fetch: withSubject.fetch })
      .repository('test/forced-tag', { referrersMode: 'tag' })
      .push(desc, bytes);
    const index = await client()
      .repository('test/forced-tag', { referrersMode: 'tag' })
      .referrers(subject);
    expect(index.map((d) => d.digest)).toEqual([desc.digest]);
  });

  it('keeps both referrers when two clients attach at once', async () => {
    const { desc: subject } = await pushImage('test/race', 'v1', enc.encode('race subject'));
    for (let round = 0; round < 3; round++) {
      const make = (n: number) => {
        const bytes = manifestBytes(configDesc, [configDesc], {
          artifactType: 'application/vnd.race',
          subject,
          annotations: { n: `${round}-${n}` },
        });
        return { desc: blob(bytes, MT), bytes };
      };
      const a = make(1);
      const b = make(2);
      // Two independent clients (separate connection pools, caches and locks).
      const ra = client({ referrersVerifyDelayMs: 100 }).repository('test/race');
      const rb = client({ referrersVerifyDelayMs: 100 }).repository('test/race');
      await Promise.all([ra.push(a.desc, a.bytes), rb.push(b.desc, b.bytes)]);
      const digests = (await client().repository('test/race').referrers(subject)).map(
        (d) => d.digest,
      );
      expect(digests).toContain(a.desc.digest);
      expect(digests).toContain(b.desc.digest);
    }
  });

  it('keeps every referrer when one client attaches several to a subject at once (batched writes)', async () => {
    const { desc: subject } = await pushImage('test/batch', 'v1', enc.encode('batch subject'));
    const refs = [1, 2, 3, 4].map((n) => {
      const bytes = manifestBytes(configDesc, [configDesc], {
        artifactType: 'application/vnd.batch',
        subject,
        annotations: { n: String(n) },
      });
      return { desc: blob(bytes, MT), bytes };
    });
    const counted = faultyFetch();
    const repo = client({ fetch: counted.fetch, referrersVerifyDelayMs: 100 }).repository(
      'test/batch',
    );
    await Promise.all(refs.map((r) => repo.push(r.desc, r.bytes)));
    const tag = referrersTagFor(subject.digest);
    const indexPuts = counted.calls.filter(
      (c) => c.method === 'PUT' && c.url.endsWith(`/manifests/${tag}`),
    );
    expect(indexPuts.length).toBeGreaterThanOrEqual(1);
    expect(indexPuts.length).toBeLessThanOrEqual(4);
    const digests = (await client().repository('test/batch').referrers(subject)).map(
      (d) => d.digest,
    );
    expect(digests.sort()).toEqual(refs.map((r) => r.desc.digest).sort());
    // Deferred verification: push returns once the index PUT landed, before the check; a stale
    // writer overwrites the index right after that PUT, and settleReferrers() puts the entry back.
    const late = manifestBytes(configDesc, [configDesc], {
      artifactType: 'application/vnd.batch',
      subject,
      annotations: { n: 'late' },
    });
    const lateDesc = blob(late, MT);
    const staleIndex = enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ ...refs[0]!.desc, artifactType: 'application/vnd.batch' }],
      }),
    );
    let overwritten = false;
    const racing = faultyFetch(async (url, init, res) => {
      if (!overwritten && init?.method === 'PUT' && url.pathname.endsWith(`/manifests/${tag}`)) {
        overwritten = true;
        const stale = await fetch(url.href.split('?')[0] as string, {
          method: 'PUT',
          headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
          body: staleIndex,
        });
        expect(stale.status).toBe(201);
      }
      return res;
    });
    const deferred = client({
      fetch: racing.fetch,
      referrersDeferVerification: true,
      referrersVerifyDelayMs: 200,
    }).repository('test/batch');
    const tagReads = () =>
      racing.calls.filter((c) => c.method === 'GET' && c.url.endsWith(`/manifests/${tag}`)).length;
    await deferred.push(lateDesc, late);
    expect(overwritten).toBe(true);
    expect(tagReads()).toBe(1); // the read before the PUT; the check waits ≥ 100 ms
    await deferred.settleReferrers();
    expect(tagReads()).toBeGreaterThanOrEqual(3); // check, re-read and re-apply, check again
    const healed = (await client().repository('test/batch').referrers(subject)).map(
      (d) => d.digest,
    );
    expect(healed.sort()).toEqual([refs[0]!.desc.digest, lateDesc.digest].sort());
    // Put the others back for the deletion below.
    await Promise.all(refs.slice(1).map((r) => repo.push(r.desc, r.bytes)));
    // Deleting one updates the same index through the same path.
    await repo.delete(refs[1]!.desc);
    const after = (await client().repository('test/batch').referrers(subject)).map((d) => d.digest);
    expect(after.sort()).toEqual(
      [refs[0]!.desc.digest, refs[2]!.desc.digest, refs[3]!.desc.digest, lateDesc.digest].sort(),
    );
  });
});
