// Interop with real peers: skopeo, umoci, oras. With WHARF_REQUIRE_PEERS=1 a missing tool fails the
// suite; otherwise the affected tests are skipped.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANNOTATION_TITLE,
  ARTIFACT_TYPE_NOTARY_SIGNATURE,
  MEDIA_TYPE_OCI_INDEX,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from '@wharf/core';
import { copy, extendedCopyGraph } from './copy/copy.js';
import { copyGraph } from './copy/engine.js';
import { fetchAll, pushBytes } from './fetch.js';
import { packManifest } from './pack.js';
import { MemoryStore } from './memory-store.js';
import { OciLayoutStore } from './oci-layout/store.js';
import { writeLayoutTar } from './oci-layout/tar-writer.js';
import type { ReadOnlyTarget } from './types.js';
import {
  execFileAsync,
  findPeer,
  findSharedVector,
  PEERS_REQUIRED,
  pushImage,
  realImage,
  requirePeer,
  sameBytes,
  tempDir,
} from '../test/helpers.js';

const skopeo = findPeer('skopeo');
const umoci = findPeer('umoci');
const oras = findPeer('oras');

/**
 * Runs a peer suite when its tools exist; skips it when they do not, unless WHARF_REQUIRE_PEERS=1,
 * in which case the suite fails (via requirePeer) instead of skipping.
 */
function describePeers(names: readonly string[], title: string, fn: () => void): void {
  const missing = names.filter((n) => findPeer(n) === undefined);
  if (missing.length > 0 && PEERS_REQUIRED) {
    describe(title, () => {
      it(`requires ${missing.join(', ')}`, () => {
        for (const n of missing) requirePeer(n);
      });
    });
    return;
  }
  describe.skipIf(missing.length > 0)(title, fn);
}

const NOTARY_LAYOUT = findSharedVector('vectors/notary/04-e2e-oci-layout-valid-signature');

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('wharf-interop-');
});
afterEach(async () => {
  await dir.cleanup();
});

async function run(tool: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(tool, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Walks a graph from a root, verifying every blob (by copying it into memory), and returns the copy. */
async function walkVerified(src: ReadOnlyTarget, root: Descriptor): Promise<MemoryStore> {
  const mem = new MemoryStore();
  await copyGraph(src, mem, root);
  return mem;
}

describePeers(['skopeo', 'umoci'], 'skopeo and umoci interop', () => {
  it('skopeo reads a layout written by Wharf, and Wharf reads skopeo’s copy byte-identically', async () => {
    const a = join(dir.path, 'A');
    const b = join(dir.path, 'B');
    const store = await OciLayoutStore.open(a);
    const img = await realImage('wharf');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');

    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${a}:v1`,
      `oci:${b}:v1`,
    ]);
    const inspected = JSON.parse(
      await run(skopeo as string, ['inspect', '--raw', `oci:${a}:v1`]),
    ) as ImageManifest;
    expect(inspected.layers).toHaveLength(2);

    const back = await OciLayoutStore.open(b, { readOnly: true });
    const desc = await back.resolve('v1');
    expect(desc.digest).toBe(img.manifest.desc.digest);
    expect(sameBytes(await fetchAll(back, desc), img.manifest.bytes)).toBe(true);
    const mem = await walkVerified(back, desc);
    expect(mem.size).toBe(4);

    // skopeo adds a tag to the layout Wharf wrote; Wharf's open store sees both tags.
    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${b}:v1`,
      `oci:${a}:other`,
    ]);
    expect(await store.tags()).toEqual(['other', 'v1']);
    expect((await store.resolve('other')).digest).toBe(img.manifest.desc.digest);
    await store.tag(img.manifest.desc, 'third');
    const tags = JSON.parse(await run(skopeo as string, ['inspect', `oci:${a}:third`])) as {
      Digest: string;
    };
    expect(tags.Digest).toBe(img.manifest.desc.digest);
  });

  it('Wharf reads a layout built by umoci and written by skopeo, and skopeo reads Wharf’s copy', async () => {
    const c = join(dir.path, 'C');
    const d = join(dir.path, 'D');
    const e = join(dir.path, 'E');
    const f = join(dir.path, 'F');
    const rootfs = join(dir.path, 'rootfs');
    await run(umoci as string, ['init', '--layout', c]);
    await run(umoci as string, ['new', '--image', `${c}:base`]);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc', 'motd'), 'built by umoci\n');
    await run(umoci as string, [
      'insert',
      '--rootless',
      '--image',
      `${c}:base`,
      join(rootfs, 'etc'),
      '/etc',
    ]);
    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${c}:base`,
      `oci:${d}:base`,
    ]);

    const src = await OciLayoutStore.open(d, { readOnly: true });
    const root = await src.resolve('base');
    const dst = await OciLayoutStore.open(e);
    await copy(src, 'base', dst, 'base');
    expect((await dst.resolve('base')).digest).toBe(root.digest);
    expect(sameBytes(await fetchAll(dst, root), await fetchAll(src, root))).toBe(true);

    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${e}:base`,
      `oci:${f}:base`,
    ]);
    const raw = await run(skopeo as string, ['inspect', '--raw', `oci:${e}:base`]);
    expect(sameBytes(new TextEncoder().encode(raw), await fetchAll(dst, root))).toBe(true);
    const fIndex = JSON.parse(await readFile(join(f, 'index.json'), 'utf8')) as ImageIndex;
    expect(fIndex.manifests.map((m) => m.digest)).toEqual([root.digest]);
    // umoci can read Wharf's layout too.
    const stat = await run(umoci as string, ['stat', '--image', `${e}:base`, '--json']);
    expect(stat).toContain('history');
  });

  it('tar: Wharf writes an archive, reads it back, and skopeo reads it as oci-archive; Wharf reads skopeo’s archives', async () => {
    const a = join(dir.path, 'A');
    const store = await OciLayoutStore.open(a);
    const img = await realImage('tar');
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    const tarPath = join(dir.path, 'x.tar');
    await writeLayoutTar(store, tarPath);
    // Deterministic output.
    await writeLayoutTar(a, join(dir.path, 'x2.tar'));
    expect(sameBytes(await readFile(tarPath), await readFile(join(dir.path, 'x2.tar')))).toBe(true);

    const tarStore = await OciLayoutStore.openTar(tarPath);
    const root = await tarStore.resolve('v1');
    expect(root.digest).toBe(img.manifest.desc.digest);
    expect((await walkVerified(tarStore, root)).size).toBe(4);

    const g = join(dir.path, 'G');
    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci-archive:${tarPath}:v1`,
      `oci:${g}:v1`,
    ]);
    const gStore = await OciLayoutStore.open(g, { readOnly: true });
    expect((await gStore.resolve('v1')).digest).toBe(img.manifest.desc.digest);

    const y = join(dir.path, 'y.tar');
    await run(skopeo as string, [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${a}:v1`,
      `oci-archive:${y}:v1`,
    ]);
    const yStore = await OciLayoutStore.openTar(y);
    const yRoot = await yStore.resolve('v1');
    expect(yRoot.digest).toBe(img.manifest.desc.digest);
    expect((await walkVerified(yStore, yRoot)).size).toBe(4);
  });
});

describePeers(['oras'], 'oras interop', () => {
  it('reads a layout written by oras push --oci-layout and fetches the file by title', async () => {
    const layout = join(dir.path, 'oras-layout');
    const file = 'hello.txt';
    await writeFile(join(dir.path, file), 'hello from oras\n');
    const { stdout } = await execFileAsync(
      oras as string,
      ['push', '--oci-layout', `${layout}:v1`, file],
      {
        cwd: dir.path,
      },
    );
    expect(stdout).toContain('Pushed');
    const store = await OciLayoutStore.open(layout, { readOnly: true });
    const root = await store.resolve('v1');
    const mem = await walkVerified(store, root);
    expect(mem.size).toBeGreaterThanOrEqual(3);
    const manifest = JSON.parse(
      Buffer.from(await fetchAll(store, root)).toString('utf8'),
    ) as ImageManifest;
    const layer = manifest.layers.find((l) => l.annotations?.[ANNOTATION_TITLE] === file);
    expect(layer).toBeDefined();
    expect(Buffer.from(await fetchAll(store, layer as Descriptor)).toString('utf8')).toBe(
      'hello from oras\n',
    );

    // And oras reads what Wharf writes.
    const out = join(dir.path, 'wharf-layout');
    const dst = await OciLayoutStore.open(out);
    await copy(store, 'v1', dst, 'copied');
    const fetched = await execFileAsync(oras as string, [
      'manifest',
      'fetch',
      '--oci-layout',
      `${out}:copied`,
    ]);
    expect(
      sameBytes(new TextEncoder().encode(fetched.stdout.trim()), await fetchAll(store, root)),
    ).toBe(true);
  });

  it('oras discovers referrers in a Wharf layout, pulls from a Wharf tar, and attaches into it', async () => {
    const layout = join(dir.path, 'L');
    const store = await OciLayoutStore.open(layout);
    const file = await pushBytes(store, 'text/plain', new TextEncoder().encode('hi from wharf\n'), {
      annotations: { [ANNOTATION_TITLE]: 'a.txt' },
    });
    const art = packManifest('application/vnd.wharf.test', { layers: [file], created: false });
    for (const b of art.blobs) await pushBytes(store, b.descriptor.mediaType, b.bytes);
    await store.pushReference(art.descriptor, art.bytes, 'v1');
    const sig = packManifest('application/vnd.wharf.sig', {
      subject: art.descriptor,
      created: false,
    });
    await store.push(sig.descriptor, sig.bytes);

    const discovered = JSON.parse(
      await run(oras as string, ['discover', '--oci-layout', `${layout}:v1`, '--format', 'json']),
    ) as { digest: string; referrers: Descriptor[] };
    expect(discovered.digest).toBe(art.descriptor.digest);
    expect(discovered.referrers.map((r) => [r.digest, r.artifactType])).toEqual([
      [sig.descriptor.digest, 'application/vnd.wharf.sig'],
    ]);

    const tarPath = join(dir.path, 'L.tar');
    await writeLayoutTar(store, tarPath);
    await execFileAsync(oras as string, [
      'pull',
      '--oci-layout',
      `${tarPath}:v1`,
      '-o',
      join(dir.path, 'out'),
    ]);
    expect(await readFile(join(dir.path, 'out', 'a.txt'), 'utf8')).toBe('hi from wharf\n');

    await writeFile(join(dir.path, 'sbom.json'), '{}');
    await execFileAsync(
      oras as string,
      [
        'attach',
        '--oci-layout',
        `${layout}:v1`,
        '--artifact-type',
        'application/spdx+json',
        'sbom.json',
      ],
      { cwd: dir.path },
    );
    const refs = await store.referrers(art.descriptor);
    expect(refs.map((r) => r.artifactType).sort()).toEqual([
      'application/spdx+json',
      'application/vnd.wharf.sig',
    ]);
    expect(await store.tags()).toEqual(['v1']);
  });
});

describe.skipIf(NOTARY_LAYOUT === undefined && !PEERS_REQUIRED)(
  'Notary e2e layout (read-only vector)',
  () => {
    it('opens, walks, verifies and finds the signature by referrers tag and predecessor index', async () => {
      if (NOTARY_LAYOUT === undefined)
        throw new Error('shared vector notary/04-e2e-oci-layout-valid-signature not found');
      const before = await readFile(join(NOTARY_LAYOUT, 'index.json'));
      const store = await OciLayoutStore.open(NOTARY_LAYOUT, { readOnly: true });
      const tags = await store.tags();
      expect(tags).toContain('v1');
      const image = await store.resolve('v1');
      const referrersTag = image.digest.replace(':', '-');
      expect(tags).toContain(referrersTag);

      // Walk everything reachable from every index entry, verifying each blob.
      for (const entry of await store.entries()) await walkVerified(store, entry);

      // Referrers tag schema: sha256-<hex> → index listing the signature manifest.
      const tagIndexDesc = await store.resolve(referrersTag);
      expect(tagIndexDesc.mediaType).toBe(MEDIA_TYPE_OCI_INDEX);
      const tagIndex = JSON.parse(
        Buffer.from(await fetchAll(store, tagIndexDesc)).toString('utf8'),
      ) as ImageIndex;
      const viaTag = tagIndex.manifests.filter(
        (m) => m.artifactType === ARTIFACT_TYPE_NOTARY_SIGNATURE,
      );
      expect(viaTag).toHaveLength(1);
      const sigManifest = JSON.parse(
        Buffer.from(await fetchAll(store, viaTag[0] as Descriptor)).toString('utf8'),
      ) as ImageManifest;
      expect(sigManifest.subject?.digest).toBe(image.digest);

      // Predecessor index.
      const viaGraph = await store.referrers(image, {
        artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
      });
      expect(viaGraph.map((d) => d.digest)).toEqual([viaTag[0]?.digest]);
      expect(viaGraph[0]).toEqual(viaTag[0]);
      expect((await store.predecessors(image)).map((d) => d.digest)).toContain(viaTag[0]?.digest);

      // Extended copy of the image pulls the signature along.
      const mem = new MemoryStore();
      const roots = await extendedCopyGraph(store, mem, image, {
        artifactTypeFilter: (t) => t === ARTIFACT_TYPE_NOTARY_SIGNATURE,
      });
      expect(roots.map((r) => r.digest)).toEqual([viaTag[0]?.digest]);
      expect(await mem.exists(image)).toBe(true);

      // Nothing was written.
      expect(sameBytes(await readFile(join(NOTARY_LAYOUT, 'index.json')), before)).toBe(true);
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(NOTARY_LAYOUT)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    });
  },
);
