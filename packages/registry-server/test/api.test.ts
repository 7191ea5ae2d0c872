import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  makeRegistry,
  pushImage,
  sha256,
  sha512,
  type TestRegistry,
} from './helpers.js';

let t: TestRegistry;
beforeEach(async () => {
  t = await makeRegistry({ limits: { referrersPageSize: 3 } });
});
afterEach(async () => {
  await t.close();
});

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors: { code: string; detail?: unknown }[] };
  for (const e of body.errors) if (e.detail !== undefined) expect(typeof e.detail).toBe('string');
  return body.errors[0]?.code;
}

describe('base', () => {
  it('GET /v2/ answers 200 with the API version header', async () => {
    const res = await t.req('GET', '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
  it('unknown endpoints are 404 and wrong methods 405', async () => {
    expect((await t.req('GET', '/v2/foo/bar')).status).toBe(404);
    const res = await t.req('POST', '/v2/foo/tags/list');
    expect(res.status).toBe(405);
    expect(await errorCode(res)).toBe('UNSUPPORTED');
  });
});

describe('names', () => {
  it.each(['Foo/bar', 'foo//bar', 'foo/-bar', 'a'.repeat(256), 'foo_/x', 'foo/..bar'])(
    'rejects %s with 400 NAME_INVALID',
    async (name) => {
      const res = await t.req('GET', `/v2/${name}/tags/list`);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('NAME_INVALID');
    },
  );
});

describe('blobs', () => {
  it('monolithic POST+PUT, HEAD, GET and per-repo links', async () => {
    const data = 'some blob content';
    const digest = sha256(data);
    const post = await t.req('POST', '/v2/a/b/blobs/uploads/');
    expect(post.status).toBe(202);
    const loc = post.headers.get('location') as string;
    expect(loc).toMatch(/^\/v2\/a\/b\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect(post.headers.get('range')).toBe('0-0');
    expect(post.headers.get('docker-upload-uuid')).toBe(loc.split('/').pop());
    const put = await t.req('PUT', `${loc}?digest=${digest}`, {
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`/v2/a/b/blobs/${digest}`);
    expect(put.headers.get('docker-content-digest')).toBe(digest);

    const head = await t.req('HEAD', `/v2/a/b/blobs/${digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(data.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    const get = await t.req('GET', `/v2/a/b/blobs/${digest}`);
    expect(await get.text()).toBe(data);
    // Not readable from another repository.
    expect((await t.req('GET', `/v2/other/blobs/${digest}`)).status).toBe(404);
  });

  it('serves ranges with 206 and rejects unsatisfiable ones with 416', async () => {
    const data = Buffer.alloc(2048, 0).map((_, i) => i % 251);
    const digest = await t.pushBlob('r', data);
    const cases: [string, number, number | undefined][] = [
      ['bytes=500-1499', 206, 1000],
      ['bytes=500-', 206, 1548],
      ['bytes=-500', 206, 500],
      ['bytes=2000-5000', 206, 48],
      ['bytes=500-0', 416, undefined],
      ['bytes=5000-10000', 416, undefined],
    ];
    for (const [range, status, len] of cases) {
      const res = await t.req('GET', `/v2/r/blobs/${digest}`, { headers: { Range: range } });
      expect(res.status, range).toBe(status);
      if (len !== undefined) {
        const body = new Uint8Array(await res.arrayBuffer());
        expect(body.length).toBe(len);
      } else await res.body?.cancel();
    }
    const r = await t.req('GET', `/v2/r/blobs/${digest}`, { headers: { Range: 'bytes=500-1499' } });
    expect(r.headers.get('content-range')).toBe('bytes 500-1499/2048');
    expect(Buffer.from(await r.arrayBuffer()).equals(data.subarray(500, 1500))).toBe(true);
  });

  it('streamed PATCH without Content-Range appends, then PUT finishes', async () => {
    const loc = (await t.req('POST', '/v2/s/blobs/uploads/')).headers.get('location') as string;
    const p1 = await t.req('PATCH', loc, { body: 'hello ' });
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe('0-5');
    const p2 = await t.req('PATCH', p1.headers.get('location') as string, { body: 'world' });
    expect(p2.headers.get('range')).toBe('0-10');
    const put = await t.req('PUT', `${loc}?digest=${sha256('hello world')}`);
    expect(put.status).toBe(201);
    expect(await (await t.req('GET', `/v2/s/blobs/${sha256('hello world')}`)).text()).toBe(
      'hello world',
    );
  });

  it('chunked PATCH with Content-Range: order, 416, status, final chunk on PUT', async () => {
    const data = 'a'.repeat(22) + 'b'.repeat(20) + 'c'.repeat(5);
    const loc = (await t.req('POST', '/v2/c/blobs/uploads/')).headers.get('location') as string;
    const ooo = await t.req('PATCH', loc, {
      body: data.slice(22, 42),
      headers: { 'Content-Range': '22-41' },
    });
    expect(ooo.status).toBe(416);
    const first = await t.req('PATCH', loc, {
      body: data.slice(0, 22),
      headers: { 'Content-Range': '0-21', 'Content-Length': '22' },
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-21');
    const again = await t.req('PATCH', loc, {
      body: data.slice(0, 22),
      headers: { 'Content-Range': '0-21' },
    });
    expect(again.status).toBe(416);
    const status = await t.req('GET', loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-21');
    expect(status.headers.get('location')).toBe(loc);
    expect(
      (
        await t.req('PATCH', loc, {
          body: data.slice(22, 42),
          headers: { 'Content-Range': '22-41' },
        })
      ).status,
    ).toBe(202);
    const put = await t.req('PUT', `${loc}?digest=${sha256(data)}`, {
      body: data.slice(42),
      headers: { 'Content-Range': '42-46' },
    });
    expect(put.status).toBe(201);
    expect(await (await t.req('GET', `/v2/c/blobs/${sha256(data)}`)).text()).toBe(data);
  });

  it('digest mismatch and wrong Content-Length are 400 DIGEST_INVALID; nothing is published', async () => {
    const loc = (await t.req('POST', '/v2/d/blobs/uploads/')).headers.get('location') as string;
    const bad = await t.req('PUT', `${loc}?digest=${sha256('other')}`, { body: 'content' });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('DIGEST_INVALID');
    expect((await t.req('HEAD', `/v2/d/blobs/${sha256('content')}`)).status).toBe(404);
    expect((await t.req('HEAD', `/v2/d/blobs/${sha256('other')}`)).status).toBe(404);
    const loc2 = (await t.req('POST', '/v2/d/blobs/uploads/')).headers.get('location') as string;
    const len = await t.req('PATCH', loc2, { body: 'abc', headers: { 'Content-Range': '0-9' } });
    expect(len.status).toBe(400);
    expect(await errorCode(len)).toBe('DIGEST_INVALID');
    expect((await t.req('GET', loc2)).headers.get('range')).toBe('0-0');
    const inv = await t.req('PUT', `${loc2}?digest=sha256:nothex`, { body: 'x' });
    expect(inv.status).toBe(400);
    expect(await errorCode(inv)).toBe('DIGEST_INVALID');
  });

  it('unknown upload sessions are 404 BLOB_UPLOAD_UNKNOWN; cancel answers 204', async () => {
    const unknown = await t.req('GET', '/v2/u/blobs/uploads/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('BLOB_UPLOAD_UNKNOWN');
    const loc = (await t.req('POST', '/v2/u/blobs/uploads/')).headers.get('location') as string;
    // Sessions are bound to their repository.
    expect((await t.req('GET', loc.replace('/v2/u/', '/v2/v/'))).status).toBe(404);
    expect((await t.req('DELETE', loc)).status).toBe(204);
    expect((await t.req('GET', loc)).status).toBe(404);
    expect((await t.req('PATCH', loc, { body: 'x' })).status).toBe(404);
  });

  it('expires idle sessions', async () => {
    const short = await makeRegistry({ uploads: { ttl: '50ms' } });
    try {
      const loc = (await short.req('POST', '/v2/e/blobs/uploads/')).headers.get(
        'location',
      ) as string;
      await new Promise((r) => setTimeout(r, 80));
      const res = await short.req('PATCH', loc, { body: 'x' });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('BLOB_UPLOAD_UNKNOWN');
    } finally {
      await short.close();
    }
  });

  it('re-uploading a stored blob verifies it without rewriting (dedupe) and links it', async () => {
    const data = 'dedupe me '.repeat(100);
    const d = await t.pushBlob('one', data);
    const loc = (await t.req('POST', '/v2/two/blobs/uploads/')).headers.get('location') as string;
    const bad = await t.req('PUT', `${loc}?digest=${d}`, { body: 'x'.repeat(data.length) });
    expect(bad.status).toBe(400);
    expect((await t.req('HEAD', `/v2/two/blobs/${d}`)).status).toBe(404);
    const loc2 = (await t.req('POST', '/v2/two/blobs/uploads/')).headers.get('location') as string;
    expect((await t.req('PUT', `${loc2}?digest=${d}`, { body: data })).status).toBe(201);
    expect(await (await t.req('GET', `/v2/two/blobs/${d}`)).text()).toBe(data);
  });

  it('supports sha512', async () => {
    const data = 'sha512 content';
    const d = sha512(data);
    const res = await t.req('POST', `/v2/x/blobs/uploads/?digest=${d}`, { body: data });
    expect(res.status).toBe(201);
    expect(await (await t.req('GET', `/v2/x/blobs/${d}`)).text()).toBe(data);
    const loc = (await t.req('POST', '/v2/x/blobs/uploads/?digest-algorithm=sha512')).headers.get(
      'location',
    ) as string;
    await t.req('PATCH', loc, { body: 'abc' });
    expect((await t.req('PUT', `${loc}?digest=${sha512('abc')}`)).status).toBe(201);
  });

  it('mounts with from (201) and falls back to an upload session (202)', async () => {
    const d = await t.pushBlob('src/repo', 'mount me');
    const res = await t.req('POST', `/v2/dst/repo/blobs/uploads/?mount=${d}&from=src/repo`);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/dst/repo/blobs/${d}`);
    expect((await t.req('GET', `/v2/dst/repo/blobs/${d}`)).status).toBe(200);
    const missing = await t.req(
      'POST',
      `/v2/dst/repo/blobs/uploads/?mount=${sha256('nope')}&from=src/repo`,
    );
    expect(missing.status).toBe(202);
    expect(missing.headers.get('location')).toMatch(/^\/v2\/dst\/repo\/blobs\/uploads\//);
  });

  it('mounts automatically without from when enabled, and not when disabled', async () => {
    const d = await t.pushBlob('one', 'auto');
    expect((await t.req('POST', `/v2/two/blobs/uploads/?mount=${d}`)).status).toBe(201);
    expect((await t.req('POST', `/v2/two/blobs/uploads/?mount=${sha256('x')}`)).status).toBe(202);
    const off = await makeRegistry({ mount: { automatic: false } });
    try {
      const d2 = await off.pushBlob('one', 'auto');
      expect((await off.req('POST', `/v2/two/blobs/uploads/?mount=${d2}`)).status).toBe(202);
    } finally {
      await off.close();
    }
  });

  it('DELETE blob removes the link (202) and 404 after', async () => {
    const d = await t.pushBlob('del', 'bye');
    expect((await t.req('DELETE', `/v2/del/blobs/${d}`)).status).toBe(202);
    expect((await t.req('GET', `/v2/del/blobs/${d}`)).status).toBe(404);
    expect((await t.req('DELETE', `/v2/del/blobs/${d}`)).status).toBe(404);
    expect((await t.req('DELETE', '/v2/del/blobs/sha256:zz')).status).toBe(400);
  });
});

describe('manifests', () => {
  it('PUT by tag, GET/HEAD by tag and digest return the exact bytes and headers', async () => {
    const { digest, bytes, res } = await pushImage(t, 'img', { tag: 'v1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/img/manifests/${digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    for (const ref of ['v1', digest]) {
      const get = await t.req('GET', `/v2/img/manifests/${ref}`);
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(get.headers.get('docker-content-digest')).toBe(digest);
      expect(get.headers.get('content-length')).toBe(String(Buffer.byteLength(bytes)));
      expect(await get.text()).toBe(bytes);
      const head = await t.req('HEAD', `/v2/img/manifests/${ref}`);
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(bytes)));
      expect(head.headers.get('docker-content-digest')).toBe(digest);
    }
  });

  it('keeps exact bytes (whitespace) and supports Docker schema 2 + manifest lists', async () => {
    const cfg = await t.pushBlob('dk', '{"architecture":"amd64"}');
    const docker = `{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "${cfg}", "size": 24},\n   "layers": []\n}`;
    const r1 = await t.pushManifest(
      'dk',
      'latest',
      docker,
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    expect(r1.status).toBe(201);
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: sha256(docker),
          size: Buffer.byteLength(docker),
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    });
    const r2 = await t.pushManifest(
      'dk',
      'multi',
      list,
      'application/vnd.docker.distribution.manifest.list.v2+json',
    );
    expect(r2.status).toBe(201);
    const get = await t.req('GET', '/v2/dk/manifests/latest');
    expect(await get.text()).toBe(docker);
    expect(get.headers.get('content-type')).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('rejects missing referenced blobs and index children with MANIFEST_BLOB_UNKNOWN', async () => {
    const m = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256('nope'),
        size: 4,
      },
      layers: [],
    };
    const res = await t.pushManifest('mb', 'x', m);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    const idx = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('m'), size: 1 }],
    };
    const r2 = await t.pushManifest('mb', 'y', idx, OCI_INDEX);
    expect(r2.status).toBe(400);
    expect(await errorCode(r2)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await t.req('GET', '/v2/mb/manifests/x')).status).toBe(404);
  });

  it('accepts non-distributable layers that were never pushed', async () => {
    const cfg = await t.pushBlob('nd', '{}');
    const m = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg, size: 2 },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
          digest: sha256('foreign'),
          size: 7,
          urls: ['https://example.com/layer'],
        },
      ],
    };
    expect((await t.pushManifest('nd', 'v', m)).status).toBe(201);
  });

  it('rejects malformed, deep, mismatched and oversized manifests', async () => {
    const bad = await t.pushManifest('bad', 'x', '{not json');
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('MANIFEST_INVALID');
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const r2 = await t.pushManifest('bad', 'x', deep);
    expect(r2.status).toBe(400);
    expect(await errorCode(r2)).toBe('MANIFEST_INVALID');
    const schema = await t.pushManifest('bad', 'x', { schemaVersion: 1 });
    expect(await errorCode(schema)).toBe('MANIFEST_INVALID');
    const { bytes } = await pushImage(t, 'bad', { tag: 't' });
    const wrongType = await t.pushManifest('bad', 'x', bytes, OCI_INDEX);
    expect(await errorCode(wrongType)).toBe('MANIFEST_INVALID');
    const byDigest = await t.pushManifest('bad', sha256('other'), bytes);
    expect(byDigest.status).toBe(400);
    expect(await errorCode(byDigest)).toBe('DIGEST_INVALID');
    const huge = JSON.stringify({
      schemaVersion: 2,
      annotations: { a: 'x'.repeat(4 * 1024 * 1024) },
    });
    const big = await t.pushManifest('bad', 'huge', huge);
    expect(big.status).toBe(413);
  });

  it('invalid references: bad digest 400, bad tag 404 on GET and 400 on PUT, unknown 404', async () => {
    await pushImage(t, 'refs', { tag: 'v1' });
    const r1 = await t.req('GET', '/v2/refs/manifests/sha256:totallywrong');
    expect(r1.status).toBe(400);
    expect(await errorCode(r1)).toBe('DIGEST_INVALID');
    expect((await t.req('GET', '/v2/refs/manifests/.INVALID_MANIFEST_NAME')).status).toBe(404);
    expect((await t.req('PUT', '/v2/refs/manifests/-bad', { body: '{}' })).status).toBe(400);
    const r3 = await t.req('GET', '/v2/refs/manifests/nope');
    expect(r3.status).toBe(404);
    expect(await errorCode(r3)).toBe('MANIFEST_UNKNOWN');
    const r4 = await t.req('GET', '/v2/never/manifests/nope');
    expect(await errorCode(r4)).toBe('NAME_UNKNOWN');
  });

  it('?tag= parameters tag the manifest and answer OCI-Tag', async () => {
    const { digest, bytes } = await pushImage(t, 'tp', { tag: 'base' });
    const res = await t.req('PUT', `/v2/tp/manifests/${digest}?tag=a&tag=b`, {
      body: bytes,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('oci-tag')).toBe('a, b');
    expect((await t.req('HEAD', '/v2/tp/manifests/b')).headers.get('docker-content-digest')).toBe(
      digest,
    );
  });

  it('DELETE by tag keeps the manifest; DELETE by digest removes it and its tags', async () => {
    const { digest } = await pushImage(t, 'dm', { tag: 'one' });
    await t.req('PUT', `/v2/dm/manifests/${digest}?tag=two`, {
      body: await (await t.req('GET', `/v2/dm/manifests/${digest}`)).text(),
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    expect((await t.req('DELETE', '/v2/dm/manifests/one')).status).toBe(202);
    expect((await t.req('GET', '/v2/dm/manifests/one')).status).toBe(404);
    expect((await t.req('GET', `/v2/dm/manifests/${digest}`)).status).toBe(200);
    expect((await t.req('DELETE', `/v2/dm/manifests/${digest}`)).status).toBe(202);
    expect((await t.req('GET', '/v2/dm/manifests/two')).status).toBe(404);
    expect((await t.req('GET', `/v2/dm/manifests/${digest}`)).status).toBe(404);
    expect((await t.req('DELETE', `/v2/dm/manifests/${digest}`)).status).toBe(404);
  });
});

describe('tags and catalog', () => {
  it('lists tags in order with n, last and Link', async () => {
    const { digest, bytes } = await pushImage(t, 'tl', { tag: 'd' });
    for (const tag of ['b', 'a', 'c']) {
      await t.req('PUT', `/v2/tl/manifests/${tag}`, {
        body: bytes,
        headers: { 'Content-Type': OCI_MANIFEST },
      });
    }
    const all = (await (await t.req('GET', '/v2/tl/tags/list')).json()) as {
      name: string;
      tags: string[];
    };
    expect(all).toEqual({ name: 'tl', tags: ['a', 'b', 'c', 'd'] });
    const p1 = await t.req('GET', '/v2/tl/tags/list?n=2');
    expect(((await p1.json()) as { tags: string[] }).tags).toEqual(['a', 'b']);
    expect(p1.headers.get('link')).toBe('</v2/tl/tags/list?n=2&last=b>; rel="next"');
    const p2 = await t.req('GET', '/v2/tl/tags/list?n=2&last=b');
    expect(((await p2.json()) as { tags: string[] }).tags).toEqual(['c', 'd']);
    expect(p2.headers.get('link')).toBeNull();
    const z = await t.req('GET', '/v2/tl/tags/list?n=0');
    expect(((await z.json()) as { tags: string[] }).tags).toEqual([]);
    expect(z.headers.get('link')).toBeNull();
    expect((await t.req('GET', '/v2/tl/tags/list?n=-1')).status).toBe(400);
    expect((await t.req('GET', '/v2/none/tags/list')).status).toBe(404);
    expect(digest).toMatch(/^sha256:/);
  });

  it('paginates the catalog', async () => {
    for (const r of ['c1', 'a1', 'b1']) await t.pushBlob(r, r);
    const res = await t.req('GET', '/v2/_catalog?n=2');
    expect(((await res.json()) as { repositories: string[] }).repositories).toEqual(['a1', 'b1']);
    expect(res.headers.get('link')).toBe('</v2/_catalog?n=2&last=b1>; rel="next"');
  });
});

describe('referrers', () => {
  it('indexes subjects, filters by artifactType, paginates, answers OCI-Subject', async () => {
    const subject = await pushImage(t, 'ref', { tag: 'app' });
    const desc = { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size };
    const pushed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await pushImage(t, 'ref', {
        subject: desc,
        artifactType: i < 2 ? 'application/vnd.example.sig' : 'application/vnd.example.sbom',
        annotations: { i: String(i) },
      });
      expect(r.res.status).toBe(201);
      expect(r.res.headers.get('oci-subject')).toBe(subject.digest);
      pushed.push(r.digest);
    }
    const res = await t.req('GET', `/v2/ref/referrers/${subject.digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(OCI_INDEX);
    const page1 = (await res.json()) as {
      schemaVersion: number;
      mediaType: string;
      manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[];
    };
    expect(page1.schemaVersion).toBe(2);
    expect(page1.mediaType).toBe(OCI_INDEX);
    expect(page1.manifests).toHaveLength(3);
    const link = res.headers.get('link') as string;
    expect(link).toMatch(/rel="next"/);
    const next = /<([^>]+)>/.exec(link)?.[1] as string;
    const page2 = (await (await t.req('GET', next)).json()) as { manifests: { digest: string }[] };
    expect(page2.manifests).toHaveLength(2);
    expect([...page1.manifests, ...page2.manifests].map((m) => m.digest).sort()).toEqual(
      [...pushed].sort(),
    );

    const filtered = await t.req(
      'GET',
      `/v2/ref/referrers/${subject.digest}?artifactType=application/vnd.example.sig`,
    );
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    const fb = (await filtered.json()) as { manifests: { artifactType: string }[] };
    expect(fb.manifests).toHaveLength(2);
    expect(fb.manifests.every((m) => m.artifactType === 'application/vnd.example.sig')).toBe(true);

    const empty = await t.req('GET', `/v2/never/referrers/${sha256('x')}`);
    expect(empty.status).toBe(200);
    expect(((await empty.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    expect((await t.req('GET', '/v2/ref/referrers/sha256:bad')).status).toBe(400);
  });

  it('accepts a subject that does not exist yet; deleting a subject deletes its referrers', async () => {
    const ghost = { mediaType: OCI_MANIFEST, digest: sha256('ghost'), size: 5 };
    const r = await pushImage(t, 'gh', { subject: ghost, artifactType: 'application/x' });
    expect(r.res.status).toBe(201);
    const subject = await pushImage(t, 'gh', { tag: 's' });
    const sig = await pushImage(t, 'gh', {
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size },
    });
    expect((await t.req('DELETE', `/v2/gh/manifests/${subject.digest}`)).status).toBe(202);
    expect((await t.req('GET', `/v2/gh/manifests/${sig.digest}`)).status).toBe(404);
    expect((await t.req('GET', `/v2/gh/manifests/${r.digest}`)).status).toBe(200);
  });

  it('indexes an index with a subject (artifactType from the index)', async () => {
    const subject = await pushImage(t, 'ix', { tag: 's' });
    const child = await pushImage(t, 'ix', {});
    const idx = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: 'application/vnd.example.index',
      manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size }],
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size },
    });
    const res = await t.pushManifest('ix', sha256(idx), idx, OCI_INDEX);
    expect(res.status).toBe(201);
    expect(res.headers.get('oci-subject')).toBe(subject.digest);
    const body = (await (await t.req('GET', `/v2/ix/referrers/${subject.digest}`)).json()) as {
      manifests: { artifactType?: string; mediaType: string }[];
    };
    expect(body.manifests).toEqual([
      expect.objectContaining({
        mediaType: OCI_INDEX,
        artifactType: 'application/vnd.example.index',
      }),
    ]);
  });
});
