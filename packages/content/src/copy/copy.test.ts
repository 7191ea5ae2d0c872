import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  type Descriptor,
} from '@wharf/core';
import { describeBytes, fetchAll, pushBytes } from '../fetch.js';
import { MemoryStore } from '../memory-store.js';
import { OciLayoutStore } from '../oci-layout/store.js';
import { packManifest } from '../pack.js';
import { copy, extendedCopy, extendedCopyGraph } from './copy.js';
import { copyGraph, type CopyProgressEvent } from './engine.js';
import { CopyError } from './errors.js';
import { FaultyTarget } from '../../test/faulty.js';
import { enc, pushImage, sampleImage, tempDir } from '../../test/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

const MiB = 1024 * 1024;

/** Every blob verifies, no ingest leftovers, and index.json lists only complete graphs. */
async function assertLayoutClean(store: OciLayoutStore): Promise<void> {
  expect(await store.ingestFiles()).toEqual([]);
  for (const b of await store.blobs()) {
    await fetchAll(store, { mediaType: 'application/octet-stream', ...b }, { maxBytes: 64 * MiB });
  }
}

async function indexOf(store: MemoryStore, manifests: Descriptor[]): Promise<Descriptor> {
  const bytes = enc(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests }),
  );
  return pushBytes(store, MEDIA_TYPE_OCI_INDEX, bytes);
}

describe('copyGraph / copy', () => {
  it('copies an image into a layout with progress events, children before parents', async () => {
    const src = new MemoryStore();
    const img = sampleImage('copy', [2 * MiB + 5, 700]);
    await pushImage(src, img);
    await src.tag(img.manifest.desc, 'v1');
    const dst = await OciLayoutStore.open(dir.path);
    const events: CopyProgressEvent[] = [];
    const root = await copy(src, 'v1', dst, 'v2', { onProgress: (e) => events.push(e) });
    expect(root).toEqual(img.manifest.desc);
    expect(await dst.resolve('v2')).toEqual(img.manifest.desc);
    await assertLayoutClean(dst);
    const done = events.filter((e) => e.kind === 'done').map((e) => e.descriptor.digest);
    expect(done).toHaveLength(4);
    expect(done[done.length - 1]).toBe(img.manifest.desc.digest);
    const lastBytes = events.filter(
      (e) => e.kind === 'bytes' && e.descriptor.digest === img.layers[0]!.desc.digest,
    );
    expect(lastBytes.at(-1)?.bytes).toBe(2 * MiB + 5);
    // Pushed and tagged in one index write: the root appears once, tagged.
    expect(
      (await dst.entries()).map((e) => e.annotations?.['org.opencontainers.image.ref.name']),
    ).toEqual(['v2']);

    // Second copy: the root exists, nothing is fetched.
    const faulty = new FaultyTarget(src);
    const again: CopyProgressEvent[] = [];
    await copy(faulty, 'v1', dst, 'v3', { onProgress: (e) => again.push(e) });
    expect(again.map((e) => e.kind)).toEqual(['exists']);
    expect(faulty.fetches.size).toBe(0);
    expect(await dst.tags()).toEqual(['v2', 'v3']);
  });

  it('deduplicates: a blob shared by two manifests is fetched once; manifests fetched once', async () => {
    const src = new MemoryStore();
    const a = sampleImage('shared', [4000, 5000]);
    await pushImage(src, a);
    // Second manifest reusing layer 0 and the config.
    const bBytes = enc(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        config: a.config.desc,
        layers: [a.layers[0]!.desc],
        annotations: { b: '1' },
      }),
    );
    const b = await pushBytes(src, MEDIA_TYPE_OCI_MANIFEST, bBytes);
    const idx = await indexOf(src, [a.manifest.desc, b]);
    const faulty = new FaultyTarget(src);
    const dst = new MemoryStore();
    await copyGraph(faulty, dst, idx, { concurrency: 2 });
    for (const [digest, n] of faulty.fetches) expect([digest, n]).toEqual([digest, 1]);
    expect(faulty.fetches.size).toBe(6);
    expect(dst.size).toBe(6);
  });

  it('bounds concurrency and does not deadlock on deep graphs with one slot', async () => {
    const src = new MemoryStore();
    const img = sampleImage(
      'wide',
      Array.from({ length: 12 }, (_, i) => 1000 + i),
    );
    await pushImage(src, img);
    const faulty = new FaultyTarget(src, { chunkDelayMs: 5 });
    await copyGraph(faulty, new MemoryStore(), img.manifest.desc);
    expect(faulty.maxInFlight).toBeGreaterThan(1);
    expect(faulty.maxInFlight).toBeLessThanOrEqual(3);

    // Nested indexes, 6 deep, each level also holding a plain image.
    let node = img.manifest.desc;
    for (let depth = 0; depth < 6; depth++) {
      const sib = sampleImage(`sib${depth}`, [100 + depth]);
      await pushImage(src, sib);
      node = await indexOf(src, [node, sib.manifest.desc]);
    }
    for (const concurrency of [1, 2]) {
      const counting = new FaultyTarget(src);
      const dst = new MemoryStore();
      await copyGraph(counting, dst, node, { concurrency });
      expect(counting.maxInFlight).toBeLessThanOrEqual(concurrency);
      expect(dst.size).toBe(src.size);
    }
  });

  it('skips non-distributable layers', async () => {
    const src = new MemoryStore();
    const img = sampleImage('nd', [100]);
    await pushImage(src, img);
    const foreign = describeBytes(MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP, enc('not here'));
    const m = enc(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        config: img.config.desc,
        layers: [foreign, img.layers[0]!.desc],
      }),
    );
    const root = await pushBytes(src, MEDIA_TYPE_OCI_MANIFEST, m);
    const events: CopyProgressEvent[] = [];
    const dst = new MemoryStore();
    await copyGraph(src, dst, root, { onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.kind === 'skipped').map((e) => e.descriptor.digest)).toEqual([
      foreign.digest,
    ]);
    expect(await dst.exists(root)).toBe(true);
    expect(await dst.exists(foreign)).toBe(false);
  });

  describe('faults leave nothing partial behind, and a retry succeeds', () => {
    async function setup(): Promise<{
      src: MemoryStore;
      img: ReturnType<typeof sampleImage>;
      dst: OciLayoutStore;
    }> {
      const src = new MemoryStore();
      const img = sampleImage('fault', [3 * MiB, 2 * MiB, 1000]);
      await pushImage(src, img);
      await src.tag(img.manifest.desc, 'v1');
      const dst = await OciLayoutStore.open(dir.path);
      return { src, img, dst };
    }

    async function retry(
      src: MemoryStore,
      dst: OciLayoutStore,
      img: ReturnType<typeof sampleImage>,
    ): Promise<void> {
      await copy(src, 'v1', dst);
      expect(await dst.resolve('v1')).toEqual(img.manifest.desc);
      for (const b of img.blobs) expect(await dst.exists(b.desc)).toBe(true);
      await assertLayoutClean(dst);
    }

    it('mid-copy source failure', async () => {
      const { src, img, dst } = await setup();
      const faulty = new FaultyTarget(src, {
        failAfter: { digest: img.layers[0]!.desc.digest, bytes: MiB },
      });
      const err = await copy(faulty, 'v1', dst).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CopyError);
      expect(err).toMatchObject({ code: 'IO_ERROR', origin: 'source', operation: 'fetch' });
      expect((err as CopyError).descriptor?.digest).toBe(img.layers[0]!.desc.digest);
      expect(await dst.exists(img.layers[0]!.desc)).toBe(false);
      expect(await dst.exists(img.manifest.desc)).toBe(false);
      expect(await dst.entries()).toEqual([]);
      await assertLayoutClean(dst);
      await retry(src, dst, img);
    });

    it('digest mismatch from the source', async () => {
      const { src, img, dst } = await setup();
      const faulty = new FaultyTarget(src, { corrupt: img.layers[1]!.desc.digest });
      const err = await copy(faulty, 'v1', dst).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DIGEST_MISMATCH', origin: 'source' });
      expect(await dst.exists(img.layers[1]!.desc)).toBe(false);
      expect(await dst.entries()).toEqual([]);
      await assertLayoutClean(dst);
      await retry(src, dst, img);
    });

    it('abort mid-copy', async () => {
      const { src, img, dst } = await setup();
      const ac = new AbortController();
      const faulty = new FaultyTarget(src, {
        chunkDelayMs: 2,
        onChunk: (_d, sent) => {
          if (sent >= 512 * 1024) ac.abort();
        },
      });
      const err = await copy(faulty, 'v1', dst, '', { signal: ac.signal }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ABORTED' });
      expect(faulty.inFlight).toBe(0);
      expect(await dst.exists(img.manifest.desc)).toBe(false);
      expect(await dst.entries()).toEqual([]);
      await assertLayoutClean(dst);
      await retry(src, dst, img);
    });

    it('destination push failure carries origin destination', async () => {
      const { src, img, dst } = await setup();
      const faultyDst = new FaultyTarget(dst, { failPush: img.config.desc.digest });
      const err = await copy(src, 'v1', faultyDst).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IO_ERROR', origin: 'destination', operation: 'push' });
      expect(await dst.entries()).toEqual([]);
      await assertLayoutClean(dst);
      await retry(src, dst, img);
    });

    it('a corrupt blob in a source layout is caught although the destination skips re-hashing', async () => {
      const { src, img } = await setup();
      const srcLayout = await OciLayoutStore.open(join(dir.path, 'src'));
      await copy(src, 'v1', srcLayout);
      const layer = img.layers[0]!.desc;
      const path = join(dir.path, 'src', 'blobs', 'sha256', layer.digest.slice(7));
      const bytes = await readFile(path);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) & 0xff;
      await writeFile(path, bytes);
      const dst = await OciLayoutStore.open(join(dir.path, 'dst'));
      const err = await copy(srcLayout, 'v1', dst).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DIGEST_MISMATCH', origin: 'source' });
      expect(await dst.exists(layer)).toBe(false);
      expect(await dst.entries()).toEqual([]);
      await assertLayoutClean(dst);
      const mem = new MemoryStore();
      await expect(copyGraph(srcLayout, mem, img.manifest.desc)).rejects.toMatchObject({
        code: 'DIGEST_MISMATCH',
      });
      expect(await mem.exists(layer)).toBe(false);
    });

    it('a missing source blob reports NOT_FOUND from the source', async () => {
      const src = new MemoryStore();
      const img = sampleImage('missing', [10]);
      for (const b of [img.config, img.manifest]) await src.push(b.desc, b.bytes);
      const err = await copyGraph(src, new MemoryStore(), img.manifest.desc).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'NOT_FOUND', origin: 'source' });
    });

    it('an already-aborted signal fails fast', async () => {
      const { src, img, dst } = await setup();
      const err = await copyGraph(src, dst, img.manifest.desc, {
        signal: AbortSignal.abort(),
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ABORTED' });
      expect(await dst.blobs()).toEqual([]);
    });
  });

  it('extendedCopy copies referrers found through predecessors', async () => {
    const src = new MemoryStore();
    const img = sampleImage('ext', [100]);
    await pushImage(src, img);
    await src.tag(img.manifest.desc, 'v1');
    const sig = packManifest('application/vnd.cncf.notary.signature', {
      subject: img.manifest.desc,
      created: false,
    });
    for (const b of sig.blobs) await pushBytes(src, b.descriptor.mediaType, b.bytes);
    await src.push(sig.descriptor, sig.bytes);
    const sbom = packManifest('application/spdx+json', {
      subject: img.manifest.desc,
      created: false,
    });
    await src.push(sbom.descriptor, sbom.bytes);

    const dst = await OciLayoutStore.open(dir.path);
    const root = await extendedCopy(src, 'v1', dst);
    expect(root).toEqual(img.manifest.desc);
    expect(await dst.resolve('v1')).toEqual(img.manifest.desc);
    const refs = await dst.referrers(img.manifest.desc);
    expect(refs.map((r) => r.artifactType).sort()).toEqual([
      'application/spdx+json',
      'application/vnd.cncf.notary.signature',
    ]);

    const dst2 = new MemoryStore();
    const roots = await extendedCopyGraph(src, dst2, img.manifest.desc, {
      artifactTypeFilter: /notary/,
    });
    expect(roots.map((r) => r.digest)).toEqual([sig.descriptor.digest]);
    expect(await dst2.exists(sig.descriptor)).toBe(true);
    expect(await dst2.exists(sbom.descriptor)).toBe(false);
    expect(await dst2.exists(img.manifest.desc)).toBe(true);

    const shallow = await extendedCopyGraph(src, new MemoryStore(), img.manifest.desc, {
      depth: 0,
    });
    expect(shallow).toEqual([img.manifest.desc]);
  });

  it('supports preCopy skip, postCopy, mapRoot and cross-repository mounts', async () => {
    const src = new MemoryStore();
    const img = sampleImage('hooks', [10, 20]);
    await pushImage(src, img);
    const idx = await indexOf(src, [img.manifest.desc]);
    await src.tag(idx, 'multi');

    // mapRoot picks the child manifest; preCopy skips one layer; postCopy sees the rest.
    const seen: string[] = [];
    const mounted: string[] = [];
    class MountingStore extends MemoryStore {
      async mount(desc: Descriptor, from: string): Promise<void> {
        if (from !== 'library/base') throw new Error('not there');
        mounted.push(desc.digest);
        await this.push(desc, img.blobs.find((b) => b.desc.digest === desc.digest)!.bytes);
      }
    }
    const dst = new MountingStore();
    const events: CopyProgressEvent[] = [];
    const root = await copy(src, 'multi', dst, 'picked', {
      mapRoot: async (_s, r, fetchManifest) => {
        const index = JSON.parse(Buffer.from(await fetchManifest(r)).toString('utf8')) as {
          manifests: Descriptor[];
        };
        return index.manifests[0]!;
      },
      preCopy: (d) => (d.digest === img.layers[1]!.desc.digest ? 'skip' : undefined),
      postCopy: (d) => {
        seen.push(d.digest);
      },
      mountFrom: (d) => (d.digest === img.config.desc.digest ? ['other/repo', 'library/base'] : []),
      onProgress: (e) => events.push(e),
    });
    expect(root).toEqual(img.manifest.desc);
    expect(await dst.resolve('picked')).toEqual(img.manifest.desc);
    expect(await dst.exists(img.layers[1]!.desc)).toBe(false);
    expect(mounted).toEqual([img.config.desc.digest]);
    expect(events.filter((e) => e.kind === 'mounted').map((e) => e.descriptor.digest)).toEqual([
      img.config.desc.digest,
    ]);
    expect(seen.sort()).toEqual([img.layers[0]!.desc.digest, img.manifest.desc.digest].sort());
    expect(await dst.exists(idx)).toBe(false);
  });

  it('reports a malformed manifest as a parse error from the source', async () => {
    const src = new MemoryStore();
    const bad = await pushBytes(
      src,
      MEDIA_TYPE_OCI_MANIFEST,
      enc('{"schemaVersion":2,"layers":"nope"}'),
    );
    const err = await copyGraph(src, new MemoryStore(), bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyError);
    expect(err).toMatchObject({ origin: 'source', operation: 'parse' });
  });
});
