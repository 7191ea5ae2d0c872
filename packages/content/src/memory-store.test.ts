import { describe, expect, it } from 'vitest';
import { ContentError, isWharfError, MEDIA_TYPE_OCI_MANIFEST } from '@wharf/core';
import { describeBytes, fetchAll, pushBytes } from './fetch.js';
import { MemoryStore } from './memory-store.js';
import { EMPTY_DESCRIPTOR, packManifest } from './pack.js';
import { enc, pushImage, sampleImage } from '../test/helpers.js';

describe('MemoryStore', () => {
  it('pushes, fetches (verified), tags and resolves', async () => {
    const store = new MemoryStore();
    const img = sampleImage('a');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    expect(await store.resolve('v1')).toEqual(img.manifest.desc);
    expect(await store.resolve(img.manifest.desc.digest)).toEqual(img.manifest.desc);
    expect(await fetchAll(store, img.layers[1]!.desc, { maxBytes: 1 << 20 })).toEqual(
      img.layers[1]!.bytes,
    );
    expect(await store.tags()).toEqual(['v1']);
    expect(await store.exists(img.config.desc)).toBe(true);
  });

  it('rejects wrong content on push and reports ALREADY_EXISTS', async () => {
    const store = new MemoryStore();
    const desc = describeBytes('text/plain', enc('hello'));
    await expect(store.push(desc, enc('hellO'))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(store.push(desc, enc('hello!'))).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    await store.push(desc, enc('hello'));
    await expect(store.push(desc, enc('hello'))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    // pushBytes treats ALREADY_EXISTS as success
    expect(await pushBytes(store, 'text/plain', enc('hello'))).toEqual(desc);
  });

  it('streams pushes from async iterables', async () => {
    const store = new MemoryStore();
    const data = enc('abcdefghij');
    const desc = describeBytes('text/plain', data);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield data.subarray(0, 3);
      yield data.subarray(3);
    }
    await store.push(desc, chunks());
    expect(await fetchAll(store, desc)).toEqual(data);
  });

  it('errors with NOT_FOUND', async () => {
    const store = new MemoryStore();
    const desc = describeBytes('text/plain', enc('x'));
    const err: unknown = await store.fetch(desc).catch((e: unknown) => e);
    expect(isWharfError(err, 'NOT_FOUND')).toBe(true);
    expect(err).toBeInstanceOf(ContentError);
    await expect(store.resolve('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.tag(desc, 'v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses invalid tags', async () => {
    const store = new MemoryStore();
    const img = sampleImage('a');
    await pushImage(store, img);
    for (const bad of ['', '../x', 'a b', '/abs', img.manifest.desc.digest]) {
      await expect(store.tag(img.manifest.desc, bad)).rejects.toMatchObject({
        code: 'INVALID_REFERENCE',
      });
    }
  });

  it('indexes predecessors and referrers as manifests are pushed', async () => {
    const store = new MemoryStore();
    const img = sampleImage('a');
    await pushImage(store, img);
    await store.push(EMPTY_DESCRIPTOR, enc('{}'));
    const sig = packManifest('application/vnd.example.sig', {
      subject: img.manifest.desc,
      annotations: { k: 'v' },
      created: new Date(0),
    });
    await store.push(sig.descriptor, sig.bytes);
    const other = packManifest('application/vnd.example.sbom', {
      subject: img.manifest.desc,
      created: false,
    });
    await store.push(other.descriptor, other.bytes);

    const refs = await store.referrers(img.manifest.desc);
    expect(refs.map((r) => r.digest).sort()).toEqual(
      [sig.descriptor.digest, other.descriptor.digest].sort(),
    );
    const filtered = await store.referrers(img.manifest.desc, {
      artifactType: 'application/vnd.example.sig',
    });
    expect(filtered).toEqual([
      {
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        digest: sig.descriptor.digest,
        size: sig.descriptor.size,
        artifactType: 'application/vnd.example.sig',
        annotations: { k: 'v', 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' },
      },
    ]);
    const preds = await store.predecessors(img.layers[0]!.desc);
    expect(preds.map((p) => p.digest)).toEqual([img.manifest.desc.digest]);
    expect((await store.predecessors(img.manifest.desc)).length).toBe(2);

    await store.delete(sig.descriptor);
    expect((await store.referrers(img.manifest.desc)).length).toBe(1);
  });
});

describe('packManifest', () => {
  it('packs 1.1 artifacts with empty config and layer', () => {
    const p = packManifest('application/vnd.example', {
      created: new Date('2024-01-02T03:04:05.678Z'),
    });
    expect(p.manifest).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      artifactType: 'application/vnd.example',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: EMPTY_DESCRIPTOR.digest,
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: EMPTY_DESCRIPTOR.digest,
          size: 2,
        },
      ],
      annotations: { 'org.opencontainers.image.created': '2024-01-02T03:04:05Z' },
    });
    expect(p.blobs).toHaveLength(1);
    expect(p.descriptor.size).toBe(p.bytes.byteLength);
  });

  it('requires an artifact type in 1.1 with an empty config', () => {
    expect(() => packManifest(undefined)).toThrow(
      expect.objectContaining({ code: 'INVALID_MEDIA_TYPE' }),
    );
    expect(() => packManifest('not a type')).toThrow(
      expect.objectContaining({ code: 'INVALID_MEDIA_TYPE' }),
    );
  });

  it('packs 1.0 manifests with the artifact type as config media type', () => {
    const p = packManifest('application/vnd.example.config', { version: '1.0', created: false });
    expect(p.manifest).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.example.config',
        digest: EMPTY_DESCRIPTOR.digest,
        size: 2,
      },
      layers: [],
    });
    const d = packManifest(undefined, { version: '1.0', created: false });
    expect(d.manifest.config.mediaType).toBe('application/vnd.unknown.config.v1+json');
  });
});

describe('successors', () => {
  it('lists manifest edges and nothing for blobs', async () => {
    const { successors } = await import('./successors.js');
    const store = new MemoryStore();
    const img = sampleImage('succ');
    await pushImage(store, img);
    expect((await successors(store, img.manifest.desc)).map((d) => d.digest)).toEqual([
      img.config.desc.digest,
      ...img.layers.map((l) => l.desc.digest),
    ]);
    expect(await successors(store, img.config.desc)).toEqual([]);
  });
});
