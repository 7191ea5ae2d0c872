import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OCI_MANIFEST, makeRegistry, pushImage, sha256, type TestRegistry } from './helpers.js';

let t: TestRegistry;
beforeEach(async () => {
  t = await makeRegistry();
});
afterEach(async () => {
  await t.close();
});

describe('garbage collection', () => {
  it('keeps tagged content and referrers of live subjects; removes the rest', async () => {
    const a = await pushImage(t, 'gc', { tag: 'keep', layer: 'layer-a' });
    const sigA = await pushImage(t, 'gc', {
      subject: { mediaType: OCI_MANIFEST, digest: a.digest, size: a.size },
      artifactType: 'application/vnd.cncf.notary.signature',
      layer: 'sig-a',
    });
    // A referrer of a referrer stays live too.
    const sigSig = await pushImage(t, 'gc', {
      subject: { mediaType: OCI_MANIFEST, digest: sigA.digest, size: sigA.size },
      layer: 'sig-sig',
    });
    const b = await pushImage(t, 'gc', { layer: 'layer-b' });
    const sigB = await pushImage(t, 'gc', {
      subject: { mediaType: OCI_MANIFEST, digest: b.digest, size: b.size },
      layer: 'sig-b',
    });
    const orphan = await t.pushBlob('gc', 'orphan blob');

    // Within the grace period nothing goes.
    const none = await t.registry.runGc();
    expect(none.manifestsDeleted).toBe(0);
    expect(none.blobsDeleted).toBe(0);

    const result = await t.registry.runGc({ gracePeriodMs: 0 });
    expect(result.manifestsDeleted).toBe(2);
    for (const d of [a.digest, sigA.digest, sigSig.digest]) {
      expect((await t.req('GET', `/v2/gc/manifests/${d}`)).status).toBe(200);
    }
    for (const d of [b.digest, sigB.digest]) {
      expect((await t.req('GET', `/v2/gc/manifests/${d}`)).status).toBe(404);
    }
    expect((await t.req('GET', `/v2/gc/blobs/${sha256('layer-a')}`)).status).toBe(200);
    expect((await t.req('GET', `/v2/gc/blobs/${sha256('sig-sig')}`)).status).toBe(200);
    expect((await t.req('GET', `/v2/gc/blobs/${sha256('layer-b')}`)).status).toBe(404);
    expect((await t.req('GET', `/v2/gc/blobs/${orphan}`)).status).toBe(404);
    const referrers = (await (await t.req('GET', `/v2/gc/referrers/${a.digest}`)).json()) as {
      manifests: { digest: string }[];
    };
    expect(referrers.manifests.map((m) => m.digest)).toEqual([sigA.digest]);
  });

  it('keeps index children, and deleting the tag frees them', async () => {
    const child = await pushImage(t, 'idx', { layer: 'child-layer' });
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size }],
    });
    expect(
      (await t.pushManifest('idx', 'multi', index, 'application/vnd.oci.image.index.v1+json'))
        .status,
    ).toBe(201);
    await t.registry.runGc({ gracePeriodMs: 0 });
    expect((await t.req('GET', `/v2/idx/manifests/${child.digest}`)).status).toBe(200);
    expect((await t.req('DELETE', '/v2/idx/manifests/multi')).status).toBe(202);
    const r = await t.registry.runGc({ gracePeriodMs: 0 });
    expect(r.manifestsDeleted).toBe(2);
    expect((await t.req('GET', `/v2/idx/blobs/${sha256('child-layer')}`)).status).toBe(404);
  });

  it('is safe against a concurrent push: a blob re-pushed during GC survives', async () => {
    const d = await t.pushBlob('race', 'racy');
    const [res] = await Promise.all([
      t.registry.runGc({ gracePeriodMs: 0 }),
      (async () => {
        for (let i = 0; i < 20; i++) await t.pushBlob('race', 'racy');
      })(),
    ]);
    expect(res).toBeDefined();
    // Whatever the interleaving, metadata and file agree: GET either works fully or 404s.
    const get = await t.req('GET', `/v2/race/blobs/${d}`);
    if (get.status === 200) expect(await get.text()).toBe('racy');
    await t.pushBlob('race', 'racy');
    expect(await (await t.req('GET', `/v2/race/blobs/${d}`)).text()).toBe('racy');
  });
});
