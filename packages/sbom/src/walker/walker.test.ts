import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
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
import { SquashedTree } from './squash.js';
import type { LayerAnalysis } from './analyse.js';

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

  it('reads zstd layers', async () => {
    const tar = await makeTar([
      { name: 'app/node_modules/x/package.json', content: '{"name":"x","version":"2.0.0"}' },
    ]);
    let zst: Buffer;
    try {
      zst = execFileSync('zstd', ['-q', '-c'], { input: tar });
    } catch {
      return; // zstd CLI not installed
    }
    const c = await scan([
      { bytes: zst, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
    ]);
    expect(c.packages.map((p) => p.purl)).toEqual(['pkg:npm/x@2.0.0']);
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
    digests: [],
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
    digests: [],
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

describe('cancellation', () => {
  it('stops with ABORTED when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(scan([await base()], { signal: ac.signal })).rejects.toSatisfy((e) =>
      isWharfError(e, 'ABORTED'),
    );
  });
});
