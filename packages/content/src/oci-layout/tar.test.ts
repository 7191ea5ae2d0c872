import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchAll } from '../fetch.js';
import { readAll } from '../internal/bytes.js';
import { OciLayoutStore } from './store.js';
import { indexTar, normalizeMemberName } from './tar.js';
import { tarHeader, writeLayoutTar } from './tar-writer.js';
import { buildTar, enc, pushImage, sameBytes, sampleImage, tempDir } from '../../test/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

const LAYOUT = enc('{"imageLayoutVersion":"1.0.0"}');
const INDEX = enc('{"schemaVersion":2,"manifests":[]}');

async function tarFile(name: string, entries: Parameters<typeof buildTar>[0]): Promise<string> {
  const p = join(dir.path, name);
  await writeFile(p, await buildTar(entries));
  return p;
}

describe('OCI layout tar archives', () => {
  it('writes a deterministic archive and reads it back by member offsets', async () => {
    const store = await OciLayoutStore.open(join(dir.path, 'layout'));
    const img = sampleImage('tar', [2 * 1024 * 1024 + 3, 10]);
    await pushImage(store, img);
    await store.tag(img.manifest.desc, 'v1');
    const path = join(dir.path, 'out.tar');
    await writeLayoutTar(store, path);
    const members = await indexTar(path);
    expect([...members.keys()].slice(0, 2)).toEqual(['oci-layout', 'index.json']);
    expect(members.size).toBe(6);
    const tar = await OciLayoutStore.openTar(path);
    expect(await tar.resolve('v1')).toEqual(img.manifest.desc);
    for (const b of img.blobs) {
      expect(sameBytes(await fetchAll(tar, b.desc, { maxBytes: 8 << 20 }), b.bytes)).toBe(true);
    }
    expect(await tar.tags()).toEqual(['v1']);
    // All headers carry mtime 0 and uid/gid 0.
    const raw = await readFile(path);
    for (const m of members.values()) {
      const h = raw.subarray(m.offset - 512, m.offset);
      expect(h.subarray(136, 147).toString()).toBe('00000000000');
      expect(h.subarray(108, 115).toString()).toBe('0000000');
    }
  });

  it('reads archives with ./ prefixes, directories, pax headers and unknown files', async () => {
    const img = sampleImage('pax', [50]);
    const index = enc(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { ...img.manifest.desc, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
        ],
      }),
    );
    const entries: Parameters<typeof buildTar>[0] = [
      { header: { name: './', type: 'directory' } },
      { header: { name: './oci-layout' }, body: LAYOUT },
      { header: { name: './index.json' }, body: index },
      { header: { name: './manifest.json' }, body: enc('[]') },
      { header: { name: './blobs/', type: 'directory' } },
      { header: { name: './blobs/sha256/', type: 'directory' } },
      ...img.blobs.map((b) => ({
        header: { name: `./blobs/sha256/${b.desc.digest.slice(7)}`, uname: 'ü'.repeat(40) },
        body: b.bytes,
      })),
    ];
    const tar = await OciLayoutStore.openTar(await tarFile('ok.tar', entries));
    expect(await tar.resolve('v1')).toEqual(img.manifest.desc);
    expect(
      sameBytes(await readAll(await tar.fetch(img.layers[0]!.desc)), img.layers[0]!.bytes),
    ).toBe(true);
  });

  it('detects corrupt blobs inside an archive', async () => {
    const img = sampleImage('bad', [50]);
    const bad = new Uint8Array(img.layers[0]!.bytes);
    bad[0] = (bad[0]! + 1) & 0xff;
    const path = await tarFile('bad.tar', [
      { header: { name: 'oci-layout' }, body: LAYOUT },
      { header: { name: 'index.json' }, body: INDEX },
      { header: { name: `blobs/sha256/${img.layers[0]!.desc.digest.slice(7)}` }, body: bad },
    ]);
    const tar = await OciLayoutStore.openTar(path);
    await expect(fetchAll(tar, img.layers[0]!.desc)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
  });

  it.each([
    ['parent traversal', [{ header: { name: '../evil' }, body: enc('x') }]],
    ['nested traversal', [{ header: { name: 'blobs/../../evil' }, body: enc('x') }]],
    ['absolute path', [{ header: { name: '/etc/passwd' }, body: enc('x') }]],
    ['symlink', [{ header: { name: 'blobs', type: 'symlink' as const, linkname: '/etc' } }]],
    [
      'hard link',
      [{ header: { name: 'index2.json', type: 'link' as const, linkname: 'index.json' } }],
    ],
    ['device', [{ header: { name: 'dev', type: 'character-device' as const } }]],
    [
      'duplicate member',
      [
        { header: { name: 'index.json' }, body: INDEX },
        { header: { name: './index.json' }, body: INDEX },
      ],
    ],
  ])('rejects %s with INVALID_TAR', async (_name, extra) => {
    const path = await tarFile('evil.tar', [
      { header: { name: 'oci-layout' }, body: LAYOUT },
      { header: { name: 'index.json' }, body: INDEX },
      ...extra.filter((e) => e.header.name !== 'index.json'),
      ...(extra.some((e) => e.header.name === 'index.json') ? extra.slice(1) : []),
    ]);
    await expect(OciLayoutStore.openTar(path)).rejects.toMatchObject({ code: 'INVALID_TAR' });
  });

  it('rejects broken archives', async () => {
    const good = await buildTar([
      { header: { name: 'oci-layout' }, body: LAYOUT },
      { header: { name: 'index.json' }, body: INDEX },
    ]);
    const corruptHeader = new Uint8Array(good);
    corruptHeader[5] = 0x41; // breaks the checksum
    await writeFile(join(dir.path, 'c.tar'), corruptHeader);
    await expect(OciLayoutStore.openTar(join(dir.path, 'c.tar'))).rejects.toMatchObject({
      code: 'INVALID_TAR',
    });
    // Truncated inside the first member's data.
    await writeFile(join(dir.path, 't.tar'), good.subarray(0, 520));
    await expect(OciLayoutStore.openTar(join(dir.path, 't.tar'))).rejects.toMatchObject({
      code: 'INVALID_TAR',
    });
    // No oci-layout member.
    await writeFile(
      join(dir.path, 'n.tar'),
      await buildTar([{ header: { name: 'index.json' }, body: INDEX }]),
    );
    await expect(OciLayoutStore.openTar(join(dir.path, 'n.tar'))).rejects.toMatchObject({
      code: 'INVALID_LAYOUT',
    });
    await expect(OciLayoutStore.openTar(join(dir.path, 'missing.tar'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('normalises member names safely', () => {
    expect(normalizeMemberName('./a//b/./c')).toBe('a/b/c');
    expect(normalizeMemberName('./')).toBeUndefined();
    expect(() => normalizeMemberName('a\\..\\b')).toThrow(
      expect.objectContaining({ code: 'INVALID_TAR' }),
    );
    expect(() => tarHeader(`${'d'.repeat(200)}/${'f'.repeat(101)}`, 1, 'file')).toThrow(
      expect.objectContaining({ code: 'INVALID_TAR' }),
    );
  });
});
