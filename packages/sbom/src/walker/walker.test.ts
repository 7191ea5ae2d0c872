import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { MemoryStore, pushBytes, type Fetcher } from '@wharf/content';
import {
  isWharfError,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_LAYER_ZSTD,
  MEDIA_TYPE_OCI_MANIFEST,
  type Descriptor,
} from '@wharf/core';
import { describe, expect, it } from 'vitest';
import {
  makeBigLayer,
  plainTar,
  ustarHeader,
  zstdFixtureParts,
} from '../../test/generated-layers.js';
import {
  dpkgStanza,
  gzLayer,
  makeImage,
  makeTar,
  OS_RELEASE,
  tarLayer,
  type TestLayer,
} from '../../test/images.js';
import { catalogSource } from '../catalog.js';
import { DirectoryLayerCache, MemoryLayerCache } from './cache.js';
import { decompressLayer } from './decompress.js';
import { SquashedTree } from './squash.js';
import type { LayerAnalysis } from './analyse.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '../../test-fixtures');
const REPO_ROOT = join(HERE, '../../../..');
const MiB = 1024 * 1024;

/** `bytes` as a stream of `size`-byte chunks. */
function inChunks(bytes: Uint8Array, size: number): Readable {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

/**
 * A one-layer image whose layer blob is streamed from `blob()` each time it is fetched (never held
 * whole), with its digest and size from a first pass over the stream.
 */
async function streamedImage(
  blob: () => AsyncIterable<Uint8Array>,
  mediaType: string,
): Promise<{ fetcher: Fetcher; manifest: Descriptor; layer: Descriptor }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of blob()) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  const layer: Descriptor = { mediaType, digest: `sha256:${hash.digest('hex')}`, size };
  const store = new MemoryStore();
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const config = await pushBytes(
    store,
    MEDIA_TYPE_OCI_CONFIG,
    json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const manifest = await pushBytes(
    store,
    MEDIA_TYPE_OCI_MANIFEST,
    json({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config, layers: [layer] }),
  );
  const fetcher: Fetcher = {
    fetch: async (desc, options) =>
      desc.digest === layer.digest ? blob() : store.fetch(desc, options),
  };
  return { fetcher, manifest, layer };
}

async function scan(layers: TestLayer[], options: Parameters<typeof catalogSource>[1] = {}) {
  const { store, manifest } = await makeImage(layers);
  return catalogSource(
    { kind: 'image', fetcher: store, descriptor: manifest, name: 'test' },
    { platform: 'linux/amd64', ...options },
  );
}

const base = () =>
  gzLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    {
      name: 'var/lib/dpkg/status',
      content: [
        dpkgStanza('libc6', '2.36-9+deb12u4', 'Source: glibc\n'),
        dpkgStanza('bash', '5.2.15-2+b2'),
      ].join('\n'),
    },
    { name: 'var/lib/dpkg/info/bash.list', content: '/.\n/bin\n/bin/bash\n' },
    {
      name: 'usr/share/nodejs/lodash/package.json',
      content: '{"name":"lodash","version":"4.17.21","license":"MIT"}',
    },
    {
      name: 'usr/share/nodejs/lodash-es/package.json',
      content: '{"name":"lodash-es","version":"4.17.21"}',
    },
    {
      name: 'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO',
      content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n',
    },
  ]);

describe('layer walker', () => {
  it('resolves the os-release symlink, scopes purls to the distro and records ownership', async () => {
    const c = await scan([await base()]);
    expect(c.distro?.id).toBe('debian');
    expect(c.packages.map((p) => p.purl)).toEqual([
      'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12',
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc',
      'pkg:npm/lodash-es@4.17.21',
      'pkg:npm/lodash@4.17.21',
      'pkg:pypi/requests@2.28.1',
    ]);
    expect(c.packages.find((p) => p.name === 'bash')?.files).toEqual(['/bin', '/bin/bash']);
    expect(c.packages.find((p) => p.name === 'requests')?.licenseExpression).toBe('Apache-2.0');
    expect(c.warnings).toEqual([]);
  });

  it('applies whiteouts, opaque directories and replaced status files from upper layers', async () => {
    const upper = await tarLayer([
      { name: 'usr/share/nodejs/.wh.lodash-es', content: '' },
      { name: 'usr/lib/python3/dist-packages/.wh..wh..opq', content: '' },
      {
        name: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
        content: 'Name: six\nVersion: 1.16.0\n',
      },
      {
        name: 'var/lib/dpkg/status',
        content: dpkgStanza('libc6', '2.36-9+deb12u4', 'Source: glibc\n'),
      },
      { name: 'var/lib/dpkg/info/.wh.bash.list', content: '' },
    ]);
    const c = await scan([await base(), upper]);
    expect(c.packages.map((p) => p.name).sort()).toEqual(['libc6', 'lodash', 'six']);
    const six = c.packages.find((p) => p.name === 'six');
    expect(six?.locations[0]?.layer).toBe(c.source.layers[1]?.digest);
  });

  it('treats `.wh.` alone as a regular file, and a file replacing a directory hides its children', async () => {
    const upper = await gzLayer([
      { name: 'usr/share/nodejs/.wh.', content: 'not a whiteout' },
      { name: 'usr/share/nodejs/lodash', content: 'now a file' },
    ]);
    const c = await scan([await base(), upper]);
    expect(c.packages.some((p) => p.name === 'lodash')).toBe(false);
    expect(c.packages.some((p) => p.name === 'lodash-es')).toBe(true);
  });

  it('catalogs files reached through hard links', async () => {
    const layer = await gzLayer([
      { name: 'opt/a/package.json', content: '{"name":"linked","version":"1.0.0"}' },
      { name: 'opt/b/package.json', type: 'link', linkname: 'opt/a/package.json' },
    ]);
    const c = await scan([layer]);
    expect(c.packages.map((p) => p.locations[0]?.path ?? '').sort()).toEqual([
      '/opt/a/package.json',
      '/opt/b/package.json',
    ]);
  });

  it('reads zstd layers (a zstd CLI fixture: two frames and a skippable one)', async () => {
    // made by the zstd CLI once (test-fixtures/zstd/README.md), so no zstd is needed here
    const zst = readFileSync(join(FIXTURES, 'zstd/layer.tar.zst'));
    expect([...zst.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    const tar: Buffer[] = [];
    for await (const chunk of await decompressLayer(inChunks(zst, 1000), MEDIA_TYPE_OCI_LAYER_ZSTD))
      tar.push(chunk as Buffer);
    expect(Buffer.concat(tar).equals(Buffer.concat(zstdFixtureParts()))).toBe(true);
    const c = await scan([{ bytes: zst, mediaType: MEDIA_TYPE_OCI_LAYER_ZSTD }]);
    expect(c.packages.map((p) => p.purl)).toEqual(['pkg:npm/x@2.0.0', 'pkg:npm/y@3.0.0']);
    expect(c.warnings).toEqual([]);
  });

  it('caches per-layer analysis by digest so shared layers are read once', async () => {
    const cache = new MemoryLayerCache();
    const shared = await base();
    const first = await scan([shared], { cache });
    expect(first.source.layers.map((l) => l.cached)).toEqual([false]);
    const second = await scan(
      [
        shared,
        await gzLayer([{ name: 'x/package.json', content: '{"name":"x","version":"1.0.0"}' }]),
      ],
      { cache },
    );
    expect(second.source.layers.map((l) => l.cached)).toEqual([true, false]);
    expect(second.packages.length).toBe(first.packages.length + 1);

    const dir = mkdtempSync(join(tmpdir(), 'sbom-cache-'));
    try {
      const disk = new DirectoryLayerCache(dir);
      await scan([shared], { cache: disk });
      const again = await scan([shared], { cache: disk });
      expect(again.source.layers[0]?.cached).toBe(true);
      expect(again.packages).toEqual(first.packages);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input', () => {
  it('corrupt gzip gives LAYER_CORRUPT', async () => {
    const good = gzipSync(
      await makeTar([{ name: 'a', content: randomBytes(10_000).toString('hex') }]),
    );
    const bad = Buffer.from(good);
    bad.fill(0x55, 20, 200);
    await expect(scan([{ bytes: bad }])).rejects.toSatisfy((e) => isWharfError(e, 'LAYER_CORRUPT'));
  });

  it('corrupt zstd (right magic, garbage frame) gives LAYER_CORRUPT', async () => {
    const bytes = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(4000)]);
    await expect(
      scan([{ bytes, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }]),
    ).rejects.toSatisfy((e) => isWharfError(e, 'LAYER_CORRUPT'));
  });

  it('a truncated layer gives LAYER_CORRUPT, not a hang', async () => {
    const status = randomBytes(8_000).toString('base64');
    const tar = await makeTar([{ name: 'var/lib/dpkg/status', content: status }]);
    const plain = 'application/vnd.oci.image.layer.v1.tar';
    await expect(scan([{ bytes: gzipSync(tar).subarray(0, 3000) }])).rejects.toSatisfy((e) =>
      isWharfError(e, 'LAYER_CORRUPT'),
    );
    // cut inside a buffered file, and inside a file that is skipped
    const skipped = await makeTar([{ name: 'skipped', content: randomBytes(900) }]);
    for (const bytes of [tar.subarray(0, 700), Buffer.concat([skipped, tar]).subarray(0, 700)]) {
      await expect(scan([{ bytes, mediaType: plain }])).rejects.toSatisfy((e) =>
        isWharfError(e, 'LAYER_CORRUPT'),
      );
    }
  });

  it('`../` entries are ignored with PATH_UNSAFE and never land anywhere', async () => {
    const c = await scan([
      await gzLayer([
        { name: '../../etc/package.json', content: '{"name":"evil","version":"1.0.0"}' },
        { name: 'ok/../../x/package.json', content: '{"name":"evil2","version":"1.0.0"}' },
        { name: 'ok/package.json', content: '{"name":"ok","version":"1.0.0"}' },
      ]),
    ]);
    expect(c.packages.map((p) => p.name)).toEqual(['ok']);
    expect(c.warnings.filter((w) => w.code === 'PATH_UNSAFE')).toHaveLength(2);
  });

  it('symlinks pointing outside the root resolve inside it, with a warning', async () => {
    const c = await scan([
      await gzLayer([
        { name: 'usr/lib/os-release', content: OS_RELEASE },
        { name: 'etc/os-release', type: 'symlink', linkname: '../../../../../usr/lib/os-release' },
      ]),
    ]);
    expect(c.distro?.id).toBe('debian');
    expect(c.warnings.map((w) => w.code)).toEqual(['LINK_ESCAPES_ROOT']);
    const outside = await scan([
      await gzLayer([{ name: 'etc/os-release', type: 'symlink', linkname: '/../../etc/hostname' }]),
    ]);
    expect(outside.distro).toBeUndefined();
    expect(outside.warnings.map((w) => w.code)).toContain('LINK_TARGET_MISSING');
  });

  it('a symlink loop gives LINK_LOOP', async () => {
    const c = await scan([
      await gzLayer([
        { name: 'etc/os-release', type: 'symlink', linkname: 'a' },
        { name: 'etc/a', type: 'symlink', linkname: 'b' },
        { name: 'etc/b', type: 'symlink', linkname: '/etc/os-release' },
      ]),
    ]);
    expect(c.distro).toBeUndefined();
    expect(c.warnings.map((w) => w.code)).toEqual(['LINK_LOOP']);
  });

  it('a file over the size cap is skipped with FILE_TOO_LARGE', async () => {
    const big = '{"name":"big","version":"1.0.0","pad":"' + 'x'.repeat(300_000) + '"}';
    const c = await scan(
      [await gzLayer([{ name: 'node_modules/big/package.json', content: big }])],
      { maxFileBytes: 100_000 },
    );
    expect(c.packages).toEqual([]);
    expect(c.warnings.map((w) => w.code)).toEqual(['FILE_TOO_LARGE']);
  });

  it('a cataloged file of hundreds of MiB is skipped with a FILE_TOO_LARGE warning under the default cap', async () => {
    // a 400 MiB fat jar, streamed (its content is never in memory here as a whole; the
    // large-layer test below checks in a child process that the walker does not buffer it)
    const size = 400 * MiB;
    const block = Buffer.alloc(MiB);
    const first = Buffer.from(block);
    first.write('PK\x03\x04', 'latin1');
    const late = plainTar([
      {
        name: 'opt/app/node_modules/late/package.json',
        body: Buffer.from('{"name":"late","version":"9.9.9"}'),
      },
    ]);
    function* layerTar(): Generator<Uint8Array> {
      yield ustarHeader('opt/app/app-all.jar', size);
      yield first;
      for (let i = 1; i < size / MiB; i++) yield block;
      yield late;
    }
    const { fetcher, manifest, layer } = await streamedImage(
      () => Readable.from(layerTar()),
      MEDIA_TYPE_OCI_LAYER,
    );
    expect(layer.size).toBeGreaterThan(size);
    const c = await catalogSource(
      { kind: 'image', fetcher, descriptor: manifest, name: 'huge-jar' },
      { platform: 'linux/amd64' },
    );
    expect(c.packages.map((p) => p.purl)).toEqual(['pkg:npm/late@9.9.9']);
    expect(c.warnings).toEqual([
      {
        code: 'FILE_TOO_LARGE',
        path: '/opt/app/app-all.jar',
        layer: layer.digest,
        message:
          '/opt/app/app-all.jar is 419430400 bytes (400.0 MiB), over the 67108864-byte (64.0 MiB) ' +
          'per-file cap; not cataloged by java-archive-cataloger',
      },
    ]);
  }, 60_000);

  it('a malformed dpkg status gives PARSE_FAILED and the scan goes on', async () => {
    const c = await scan([
      await gzLayer([
        {
          name: 'var/lib/dpkg/status',
          content: '\u0000\u0001garbage without fields\n\nmore garbage\n',
        },
        { name: 'node_modules/a/package.json', content: '{"name":"a","version":"1.0.0"}' },
        { name: 'node_modules/b/package.json', content: '{broken json' },
      ]),
    ]);
    expect(c.packages.map((p) => p.name)).toEqual(['a']);
    expect(c.warnings.map((w) => w.code)).toEqual(['PARSE_FAILED', 'PARSE_FAILED']);
  });

  it('unknown layer media types give UNSUPPORTED_MEDIA_TYPE', async () => {
    await expect(
      scan([{ bytes: Buffer.from('x'), mediaType: 'application/octet-stream' }]),
    ).rejects.toSatisfy((e) => isWharfError(e, 'UNSUPPORTED_MEDIA_TYPE'));
  });
});

describe('SquashedTree.resolve', () => {
  const layer = (entries: LayerAnalysis['entries']): LayerAnalysis => ({
    version: 1,
    entries,
    whiteouts: [],
    opaqueDirs: [],
    evidence: [],
    warnings: [],
    licenses: [],
    digests: '',
  });
  it('follows directory symlinks, absolute targets and `..` inside the root', () => {
    const t = SquashedTree.build([
      layer([
        ['/usr', 'd'],
        ['/usr/lib', 'd'],
        ['/usr/lib/x', 'f'],
        ['/lib', 'l', 'usr/lib'],
        ['/abs', 'l', '/lib/x'],
        ['/up', 'l', '../../../../lib/x'],
      ]),
    ]);
    expect(t.resolve('/lib/x')).toBe('/usr/lib/x');
    expect(t.resolve('/abs')).toBe('/usr/lib/x');
    const w: Parameters<SquashedTree['resolve']>[1] = [];
    expect(t.resolve('/up', w)).toBe('/usr/lib/x');
    expect(w?.map((x) => x.code)).toEqual(['LINK_ESCAPES_ROOT']);
  });
});

describe('SquashedTree.build', () => {
  const layer = (entries: LayerAnalysis['entries']): LayerAnalysis => ({
    version: 1,
    entries,
    whiteouts: [],
    opaqueDirs: [],
    evidence: [],
    warnings: [],
    licenses: [],
    digests: '',
  });
  it('re-walks from the root after an entry replaces the directory the previous ones were in', () => {
    const t = SquashedTree.build([
      layer([
        ['/a', 'd'],
        ['/a/x', 'f'],
        ['/a', 'f'],
        ['/a/y', 'f'],
        ['/b/c', 'f'],
        ['/b', 'l', 'a'],
        ['/b/d', 'f'],
        ['/e//f', 'f'],
        ['/e/g', 'f'],
      ]),
    ]);
    expect(t.exists('/a/x')).toBe(false);
    expect(t.exists('/a/y')).toBe(true);
    expect(t.exists('/b/c')).toBe(false);
    expect(t.exists('/b/d')).toBe(true);
    expect(t.exists('/e/f')).toBe(true);
    expect(t.exists('/e/g')).toBe(true);
  });
});

describe('large layers', () => {
  // Peak RSS allowed for the child that catalogs the 1 GiB layer: measured 186-208 MiB on Node
  // 20.20 and 22.23, 252-279 MiB on Node 24.21 (a larger young generation: heapTotal 93 MiB for
  // 28 MiB used), from baselines of 58-99 MiB, 2 cores, idle and loaded. A walker that buffered the
  // 400 MiB jar, or the layer, could not stay under it.
  const PEAK_RSS_BOUND = 320 * MiB;

  it('catalogs a 1 GiB gzip layer streamed from a generator with peak RSS under 320 MiB', async () => {
    // ~1 GiB of tar: two 240 MiB files nobody catalogs, a 400 MiB jar over the 64 MiB cap, a
    // 40 MiB ELF read whole by the Go and Rust catalogers, and ~33,000 small files (a dpkg status
    // of 1,200 packages with their .list files, 4,000 npm packages, 300 Python dist-infos). It
    // takes about 6 s on 2 cores, most of it the child's gunzip, tar parsing and file hashing.
    const big = makeBigLayer({
      bigFileMiB: 240,
      hugeJarMiB: 400,
      elfMiB: 40,
      debPackages: 1200,
      npmPackages: 4000,
      pythonPackages: 300,
      smallFiles: 20_000,
    });
    expect(big.tarBytes).toBeGreaterThan(1024 * MiB);
    const jar = big.contents.tooLarge[0];
    if (jar === undefined) throw new Error('the plan has no file over the cap');
    const layer = { mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, digest: big.digest, size: big.size };
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages/sbom/test/big-layer-child.mjs'), REPO_ROOT, JSON.stringify(layer)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((res) => child.on('close', res));
    child.stdin.on('error', () => {}); // the child died early: its exit code and stderr tell why
    for (const chunk of big.chunks) {
      if (child.exitCode !== null) break;
      if (!child.stdin.write(chunk)) {
        await Promise.race([new Promise((res) => child.stdin.once('drain', res)), exited]);
      }
    }
    child.stdin.end();
    // a failed import here usually means the packages are not built: npx tsc -b packages/sbom
    expect(await exited, err).toBe(0);
    const r = JSON.parse(out) as {
      baselineKiB: number;
      maxRSSKiB: number;
      ms: number;
      bytesIn: number;
      distro?: string;
      purls: string[];
      warnings: { code: string; path?: string; message: string }[];
    };
    expect(r.bytesIn).toBe(big.size);
    expect(r.distro).toBe('debian');
    expect(r.purls).toEqual(big.contents.purls);
    expect(r.warnings.map((w) => [w.code, w.path])).toEqual([['FILE_TOO_LARGE', jar.path]]);
    expect(r.warnings[0]?.message).toContain(`${jar.size} bytes`);
    // the bound means something: buffering the jar alone would break it
    expect(r.baselineKiB * 1024 + jar.size).toBeGreaterThan(PEAK_RSS_BOUND);
    const peak = r.maxRSSKiB * 1024;
    console.info(
      `large layer on Node ${process.versions.node}: ${(big.tarBytes / MiB).toFixed(0)} MiB of tar, ` +
        `${(big.size / MiB).toFixed(0)} MiB blob, ${r.purls.length} packages; child peak RSS ` +
        `${(peak / MiB).toFixed(0)} MiB (baseline ${(r.baselineKiB / 1024).toFixed(0)} MiB), scan ${r.ms} ms`,
    );
    expect(
      peak,
      `peak RSS ${(peak / MiB).toFixed(0)} MiB (baseline ${(r.baselineKiB / 1024).toFixed(0)} MiB)`,
    ).toBeLessThan(PEAK_RSS_BOUND);
  }, 120_000);
});

describe('cancellation', () => {
  it('stops with ABORTED when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(scan([await base()], { signal: ac.signal })).rejects.toSatisfy((e) =>
      isWharfError(e, 'ABORTED'),
    );
  });
});
