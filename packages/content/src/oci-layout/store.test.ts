import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANNOTATION_REF_NAME, type Descriptor } from '@wharf/core';
import { describeBytes, fetchAll } from '../fetch.js';
import { readAll } from '../internal/bytes.js';
import { OciLayoutStore } from './store.js';
import { packManifest } from '../pack.js';
import { pushBytes } from '../fetch.js';
import { enc, pushImage, sameBytes, sampleImage, tempDir } from '../../test/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

async function readIndex(
  root: string,
): Promise<{ manifests: Descriptor[] } & Record<string, unknown>> {
  return JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
}

describe('OciLayoutStore', () => {
  it('creates a layout and round-trips an image', async () => {
    const root = join(dir.path, 'layout');
    const store = await OciLayoutStore.open(root);
    expect(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    const img = sampleImage('x');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    const digestHex = img.layers[0]!.desc.digest.slice(7);
    expect((await stat(join(root, 'blobs', 'sha256', digestHex))).size).toBe(
      img.layers[0]!.desc.size,
    );
    expect(await store.resolve('v1')).toEqual(img.manifest.desc);

    const again = await OciLayoutStore.open(root, { create: false });
    expect(await again.resolve('v1')).toEqual(img.manifest.desc);
    expect(await fetchAll(again, img.manifest.desc)).toEqual(img.manifest.bytes);
    expect(await readAll(await again.fetch(img.layers[1]!.desc))).toEqual(img.layers[1]!.bytes);
    expect(await again.tags()).toEqual(['v1']);
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
  });

  it('keeps oras-go index.json semantics: untagged manifests once, one entry per tag', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const a = sampleImage('a');
    const b = sampleImage('b');
    await pushImage(store, a);
    await pushImage(store, b);
    let idx = await readIndex(dir.path);
    expect(idx.manifests.map((d) => [d.digest, d.annotations?.[ANNOTATION_REF_NAME]])).toEqual([
      [a.manifest.desc.digest, undefined],
      [b.manifest.desc.digest, undefined],
    ]);
    await store.tag(a.manifest.desc, 'v1');
    await store.tag(a.manifest.desc, 'latest');
    idx = await readIndex(dir.path);
    expect(idx.manifests.map((d) => [d.digest, d.annotations?.[ANNOTATION_REF_NAME]])).toEqual([
      [a.manifest.desc.digest, 'v1'],
      [b.manifest.desc.digest, undefined],
      [a.manifest.desc.digest, 'latest'],
    ]);
    // Moving a tag away leaves the old target listed untagged only when it has no other tag.
    await store.tag(b.manifest.desc, 'v1');
    await store.tag(b.manifest.desc, 'latest');
    idx = await readIndex(dir.path);
    expect(idx.manifests.map((d) => [d.digest, d.annotations?.[ANNOTATION_REF_NAME]])).toEqual([
      [b.manifest.desc.digest, 'v1'],
      [b.manifest.desc.digest, 'latest'],
      [a.manifest.desc.digest, undefined],
    ]);
    await store.untag('v1');
    await store.untag('latest');
    idx = await readIndex(dir.path);
    expect(idx.manifests.map((d) => [d.digest, d.annotations?.[ANNOTATION_REF_NAME]])).toEqual([
      [b.manifest.desc.digest, undefined],
      [a.manifest.desc.digest, undefined],
    ]);
    await expect(store.untag('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.delete(a.manifest.desc);
    expect((await readIndex(dir.path)).manifests.map((d) => d.digest)).toEqual([
      b.manifest.desc.digest,
    ]);
    await expect(store.fetch(a.manifest.desc)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('preserves unknown index.json fields and tolerates unknown files', async () => {
    await writeFile(join(dir.path, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(dir.path, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [], annotations: { a: 'b' }, 'x-extra': 1 }),
    );
    await writeFile(join(dir.path, 'manifest.json'), '[]');
    await mkdir(join(dir.path, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir.path, 'blobs', 'sha256', 'README'), 'not a blob');
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('z');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    const idx = await readIndex(dir.path);
    expect(idx['annotations']).toEqual({ a: 'b' });
    expect(idx['x-extra']).toBe(1);
    expect((await store.blobs()).length).toBe(4);
  });

  it('detects a corrupt blob on read (DIGEST_MISMATCH) and a truncated one (SIZE_MISMATCH)', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('c');
    await pushImage(store, img);
    const layer = img.layers[0]!.desc;
    const path = join(dir.path, 'blobs', 'sha256', layer.digest.slice(7));
    const bad = new Uint8Array(img.layers[0]!.bytes);
    bad[10] = (bad[10]! + 1) & 0xff;
    await writeFile(path, bad);
    await expect(readAll(await store.fetch(layer))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    await expect(fetchAll(store, layer)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });

    await truncate(path, 100);
    await expect(store.fetch(layer)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(await store.exists(layer)).toBe(false);
    // A push repairs it.
    await store.push(layer, img.layers[0]!.bytes);
    expect(await fetchAll(store, layer)).toEqual(img.layers[0]!.bytes);
  });

  it('refuses a missing oci-layout and a malformed index.json (INVALID_LAYOUT)', async () => {
    await expect(
      OciLayoutStore.open(join(dir.path, 'nope'), { create: false }),
    ).rejects.toMatchObject({
      code: 'INVALID_LAYOUT',
    });
    await writeFile(join(dir.path, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await expect(OciLayoutStore.open(dir.path)).rejects.toMatchObject({ code: 'INVALID_LAYOUT' });
    await writeFile(join(dir.path, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    for (const bad of [
      '{not json',
      '[]',
      '{"schemaVersion":1,"manifests":[]}',
      '{"schemaVersion":2,"manifests":{}}',
      '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:../../etc/passwd","size":1}]}',
      '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:abc","size":-1}]}',
    ]) {
      await writeFile(join(dir.path, 'index.json'), bad);
      await expect(OciLayoutStore.open(dir.path)).rejects.toMatchObject({ code: 'INVALID_LAYOUT' });
    }
    await writeFile(join(dir.path, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await writeFile(join(dir.path, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await expect(OciLayoutStore.open(dir.path)).rejects.toMatchObject({ code: 'INVALID_LAYOUT' });
  });

  it('never lets digests or tags escape the layout', async () => {
    const store = await OciLayoutStore.open(join(dir.path, 'root'));
    const traversal: Descriptor[] = [
      { mediaType: 'x', digest: 'sha256:../../../../etc/passwd', size: 1 },
      { mediaType: 'x', digest: '../../etc:passwd', size: 1 },
      { mediaType: 'x', digest: 'sha256:/etc/passwd', size: 1 },
      { mediaType: 'x', digest: `sha256:${'a'.repeat(63)}/`, size: 1 },
      { mediaType: 'x', digest: 'md5:0123456789abcdef0123456789abcdef', size: 1 },
    ];
    for (const d of traversal) {
      const codes = ['INVALID_DIGEST', 'UNSUPPORTED_DIGEST_ALGORITHM'];
      const e1 = (await store.fetch(d).catch((e: unknown) => e)) as { code?: string };
      expect(codes).toContain(e1.code);
      const e2 = (await store.push(d, enc('x')).catch((e: unknown) => e)) as { code?: string };
      expect(codes).toContain(e2.code);
      const e3 = (await store.exists(d).catch((e: unknown) => e)) as { code?: string };
      expect(codes).toContain(e3.code);
    }
    const img = sampleImage('t');
    await pushImage(store, img);
    for (const tag of ['../x', '/etc/passwd', 'a/../../b', 'a\nb', '', 'x'.repeat(5000)]) {
      await expect(store.tag(img.manifest.desc, tag)).rejects.toMatchObject({
        code: 'INVALID_REFERENCE',
      });
    }
    expect(await readdir(dir.path)).toEqual(['root']);
  });

  it('leaves nothing behind when a push fails', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const data = new Uint8Array(3 * 1024 * 1024).fill(7);
    const desc = describeBytes('application/octet-stream', data);
    const wrong = new Uint8Array(data);
    wrong[wrong.length - 1] = 8;
    async function* chunks(d: Uint8Array): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      for (let i = 0; i < d.length; i += 300_000) yield d.subarray(i, i + 300_000);
    }
    await expect(store.push(desc, chunks(wrong))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    await expect(store.push(desc, chunks(data.subarray(1)))).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
    });
    const ac = new AbortController();
    async function* aborting(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield data.subarray(0, 1000);
      ac.abort();
      yield data.subarray(1000);
    }
    await expect(store.push(desc, aborting(), { signal: ac.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(await store.exists(desc)).toBe(false);
    expect(await store.ingestFiles()).toEqual([]);
    await store.push(desc, chunks(data));
    expect(sameBytes(await fetchAll(store, desc, { maxBytes: data.length }), data)).toBe(true);
    await expect(store.push(desc, data)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('opens read-only without writing', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('r');
    await pushImage(store, img);
    const before = await readdir(dir.path);
    const ro = await OciLayoutStore.open(dir.path, { readOnly: true });
    await expect(ro.push(img.config.desc, img.config.bytes)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    await expect(ro.tag(img.manifest.desc, 'x')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(await readdir(dir.path)).toEqual(before);
    await expect(
      OciLayoutStore.open(join(dir.path, 'missing'), { readOnly: true }),
    ).rejects.toMatchObject({
      code: 'INVALID_LAYOUT',
    });
  });

  it('resolves a digest not listed in index.json by sniffing the blob', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('s');
    await pushImage(store, img);
    await store.delete(img.manifest.desc);
    await store.push(img.config.desc, img.config.bytes).catch(() => undefined);
    // Write the manifest as a plain blob (no index entry).
    await store.push(
      { ...img.manifest.desc, mediaType: 'application/octet-stream' },
      img.manifest.bytes,
    );
    expect((await readIndex(dir.path)).manifests).toEqual([]);
    expect(await store.resolve(img.manifest.desc.digest)).toEqual(img.manifest.desc);
  });

  it('batches concurrent index updates and never loses tags across store instances', async () => {
    const a = await OciLayoutStore.open(dir.path);
    const b = await OciLayoutStore.open(dir.path);
    const img = sampleImage('p');
    await pushImage(a, img);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).tag(img.manifest.desc, `t${i}`)),
    );
    const c = await OciLayoutStore.open(dir.path);
    expect((await c.tags()).length).toBe(40);
    expect(await a.tags()).toEqual(await c.tags());
  });

  it('never loses tags with concurrent writer processes', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('q');
    await pushImage(store, img);
    const distIndex = new URL('../../dist/index.js', import.meta.url).href;
    const script = `
      const { OciLayoutStore } = await import(${JSON.stringify(distIndex)});
      const [root, prefix, digest, size] = process.argv.slice(1);
      const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: Number(size) };
      const { createHash } = await import('node:crypto');
      for (let i = 0; i < 15; i++) {
        const s = await OciLayoutStore.open(root, { fsync: false });
        await s.tag(desc, prefix + i);
        // Also an untagged manifest of our own per iteration.
        const bytes = new TextEncoder().encode(JSON.stringify({
          schemaVersion: 2, mediaType: desc.mediaType,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
          layers: [], artifactType: 'application/x-test', annotations: { n: prefix + i },
        }));
        const d = { mediaType: desc.mediaType, size: bytes.length, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex') };
        await s.push(d, bytes);
      }
    `;
    const run = (prefix: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            script,
            dir.path,
            prefix,
            img.manifest.desc.digest,
            String(img.manifest.desc.size),
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all(['a', 'b', 'c', 'd'].map(run));
    expect(codes).toEqual([0, 0, 0, 0]);
    const tags = await store.tags();
    expect(tags.length).toBe(60);
    const idx = await readIndex(dir.path);
    expect(idx.manifests.length).toBe(120);
    expect(
      idx.manifests.filter((m) => m.annotations?.[ANNOTATION_REF_NAME] === undefined).length,
    ).toBe(60);
    expect(
      (await readdir(dir.path)).filter((n) => n.includes('lock') || n.endsWith('.tmp')),
    ).toEqual([]);
  });

  it('breaks a stale lock left by a dead process', async () => {
    const store = await OciLayoutStore.open(dir.path, { staleLockMs: 60_000 });
    const img = sampleImage('l');
    await pushImage(store, img);
    // pid 2^22+1 is far beyond pid_max defaults: considered dead.
    await writeFile(
      join(dir.path, 'index.json.lock'),
      JSON.stringify({ pid: 4194305, host: (await import('node:os')).hostname(), nonce: 'x' }),
    );
    await store.tag(img.manifest.desc, 'after-stale');
    expect(await store.tags()).toEqual(['after-stale']);
  });

  it('builds the referrer graph lazily from index.json after reopening', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('g');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    const sig = packManifest('application/vnd.example.sig', {
      subject: img.manifest.desc,
      created: false,
    });
    for (const b of sig.blobs) await pushBytes(store, b.descriptor.mediaType, b.bytes);
    await store.push(sig.descriptor, sig.bytes);
    expect((await store.referrers(img.manifest.desc)).map((r) => r.digest)).toEqual([
      sig.descriptor.digest,
    ]);

    const reopened = await OciLayoutStore.open(dir.path, { readOnly: true });
    expect(
      await reopened.referrers(img.manifest.desc, { artifactType: 'application/vnd.example.sig' }),
    ).toEqual([
      {
        mediaType: sig.descriptor.mediaType,
        digest: sig.descriptor.digest,
        size: sig.descriptor.size,
        artifactType: 'application/vnd.example.sig',
      },
    ]);
    expect(await reopened.referrers(img.manifest.desc, { artifactType: 'other' })).toEqual([]);
    expect((await reopened.predecessors(img.config.desc)).map((d) => d.digest)).toEqual([
      img.manifest.desc.digest,
    ]);

    // A manifest added by another writer later is picked up.
    const other = packManifest('application/vnd.example.other', {
      subject: img.manifest.desc,
      created: false,
    });
    await store.push(other.descriptor, other.bytes);
    expect((await reopened.referrers(img.manifest.desc)).length).toBe(2);
  });

  it('pushReference pushes and tags with a single index write', async () => {
    const store = await OciLayoutStore.open(dir.path);
    const img = sampleImage('pr');
    for (const b of img.blobs.slice(0, -1)) await store.push(b.desc, b.bytes);
    const before = (await stat(join(dir.path, 'index.json'))).ino;
    await store.pushReference(img.manifest.desc, img.manifest.bytes, 'v1');
    const after = (await stat(join(dir.path, 'index.json'))).ino;
    expect(after).not.toBe(before);
    expect((await readIndex(dir.path)).manifests).toEqual([
      { ...img.manifest.desc, annotations: { [ANNOTATION_REF_NAME]: 'v1' } },
    ]);
    // Again: content exists, tag is a no-op, index.json is not rewritten.
    await store.pushReference(img.manifest.desc, img.manifest.bytes, 'v1');
    expect((await stat(join(dir.path, 'index.json'))).ino).toBe(after);
  });

  it('times out on a live lock held by someone else', async () => {
    const store = await OciLayoutStore.open(dir.path, { lockTimeoutMs: 200 });
    const img = sampleImage('lt');
    await pushImage(store, img);
    await writeFile(
      join(dir.path, 'index.json.lock'),
      JSON.stringify({ pid: process.pid, host: 'another-host', nonce: 'held' }),
    );
    await expect(store.tag(img.manifest.desc, 'x')).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(await store.tags()).toEqual([]);
  });
});
