import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dpkgStanza, gzLayer, makeImage, OS_RELEASE, tarLayer } from '../../test/images.js';
import { catalogSource } from '../catalog.js';
import { writeCycloneDx } from '../writers/cyclonedx.js';
import { writeSpdx } from '../writers/spdx.js';
import { MemoryLayerCache } from './cache.js';

const hex = (alg: string, s: string): string => createHash(alg).update(s).digest('hex');

const BASH_V1 = '#!bash v1\n';
const BASH_V2 = '#!bash v2, replaced by the upper layer\n';
const CAT = 'cat binary\n';

async function image() {
  const lower = await gzLayer([
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    {
      name: 'var/lib/dpkg/status',
      content: [dpkgStanza('bash', '5.2.15-2+b2'), dpkgStanza('coreutils', '9.1-1')].join('\n'),
    },
    // the list names directories, a symlink, a hard link, a file deleted above and a missing path
    {
      name: 'var/lib/dpkg/info/bash.list',
      content: '/.\n/bin\n/bin/bash\n/bin/rbash\n/bin/sh\n/usr/share/doc/bash/gone\n/nowhere\n',
    },
    { name: 'var/lib/dpkg/info/coreutils.list', content: '/bin\n/bin/cat\n' },
    // usrmerge: the lists name /bin/..., the files live in /usr/bin
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/bash', content: BASH_V1 },
    { name: 'usr/bin/rbash', type: 'link', linkname: 'usr/bin/bash' },
    { name: 'usr/bin/sh', type: 'symlink', linkname: 'bash' },
    { name: 'usr/bin/cat', content: CAT },
    { name: 'usr/share/doc/bash/gone', content: 'deleted above\n' },
  ]);
  const upper = await tarLayer([
    { name: 'usr/bin/bash', content: BASH_V2 },
    { name: 'usr/share/doc/bash/.wh.gone', content: '' },
  ]);
  return makeImage([lower, upper]);
}

describe('owned files', () => {
  it('carry the digests of the visible copy, in the layer it comes from, for regular files only', async () => {
    const { store, manifest } = await image();
    const cache = new MemoryLayerCache();
    const source = { kind: 'image' as const, fetcher: store, descriptor: manifest, name: 'files' };
    const c = await catalogSource(source, { platform: 'linux/amd64', cache });
    const [lowerDigest, upperDigest] = c.source.layers.map((l) => l.digest);
    const id = (name: string) => c.packages.find((p) => p.name === name)?.id ?? '?';
    expect(c.files).toEqual([
      {
        path: '/usr/bin/bash',
        sha1: hex('sha1', BASH_V2),
        sha256: hex('sha256', BASH_V2),
        layer: upperDigest,
        owners: [id('bash')],
      },
      {
        path: '/usr/bin/cat',
        sha1: hex('sha1', CAT),
        sha256: hex('sha256', CAT),
        layer: lowerDigest,
        owners: [id('coreutils')],
      },
      // the hard link still points at the lower copy of bash: same inode in that layer
      {
        path: '/usr/bin/rbash',
        sha1: hex('sha1', BASH_V1),
        sha256: hex('sha256', BASH_V1),
        layer: lowerDigest,
        owners: [id('bash')],
      },
    ]);
    // the package keeps the paths its database lists
    expect(c.packages.find((p) => p.name === 'bash')?.files).toContain('/bin/bash');
    // a warm run reads the digests from the cache and gives the same files
    const warm = await catalogSource(source, { platform: 'linux/amd64', cache });
    expect(warm.source.layers.every((l) => l.cached)).toBe(true);
    expect(warm.files).toEqual(c.files);
  });

  it('reach SPDX as file elements each contained by its package, and CycloneDX as sub-components', async () => {
    const { store, manifest } = await image();
    const c = await catalogSource(
      { kind: 'image', fetcher: store, descriptor: manifest, name: 'files' },
      { platform: 'linux/amd64' },
    );
    const spdx = writeSpdx(c, { created: new Date(0) });
    const names = new Map((spdx.files ?? []).map((f) => [f.SPDXID, f.fileName]));
    expect([...names.values()].sort()).toEqual(['usr/bin/bash', 'usr/bin/cat', 'usr/bin/rbash']);
    const bash = spdx.files?.find((f) => f.fileName === 'usr/bin/bash');
    expect(bash?.checksums).toEqual([
      { algorithm: 'SHA1', checksumValue: hex('sha1', BASH_V2) },
      { algorithm: 'SHA256', checksumValue: hex('sha256', BASH_V2) },
    ]);
    const pkgName = new Map(spdx.packages.map((p) => [p.SPDXID, p.name]));
    const owns = spdx.relationships
      .filter((r) => names.has(r.relatedSpdxElement))
      .map(
        (r) =>
          `${pkgName.get(r.spdxElementId) ?? '?'} ${r.relationshipType} ${names.get(r.relatedSpdxElement) ?? '?'}`,
      )
      .sort();
    expect(owns).toEqual([
      'bash CONTAINS usr/bin/bash',
      'bash CONTAINS usr/bin/rbash',
      'coreutils CONTAINS usr/bin/cat',
    ]);

    const cdx = writeCycloneDx(c, { created: new Date(0) });
    const sub = (name: string) =>
      (cdx.components.find((x) => x.name === name)?.components ?? []) as {
        name: string;
        type: string;
        hashes: unknown;
      }[];
    expect(sub('bash').map((f) => [f.type, f.name])).toEqual([
      ['file', '/usr/bin/bash'],
      ['file', '/usr/bin/rbash'],
    ]);
    expect(sub('coreutils')[0]?.hashes).toEqual([
      { alg: 'SHA-1', content: hex('sha1', CAT) },
      { alg: 'SHA-256', content: hex('sha256', CAT) },
    ]);
  });

  it('come from apk databases too, in an Alpine image', async () => {
    const MUSL = 'musl loader\n';
    const layer = await gzLayer([
      {
        name: 'etc/os-release',
        content: 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n',
      },
      {
        name: 'lib/apk/db/installed',
        content:
          'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\n' +
          'F:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n',
      },
      { name: 'lib/ld-musl-x86_64.so.1', content: MUSL },
      // a symlink owned by the package is not a file element
      { name: 'lib/libc.musl-x86_64.so.1', type: 'symlink', linkname: 'ld-musl-x86_64.so.1' },
    ]);
    const { store, manifest } = await makeImage([layer]);
    const c = await catalogSource(
      { kind: 'image', fetcher: store, descriptor: manifest, name: 'alpine' },
      { platform: 'linux/amd64' },
    );
    const musl = c.packages.find((p) => p.name === 'musl');
    expect(musl?.purl).toMatch(/^pkg:apk\/alpine\/musl@/);
    expect(c.files).toEqual([
      {
        path: '/lib/ld-musl-x86_64.so.1',
        sha1: hex('sha1', MUSL),
        sha256: hex('sha256', MUSL),
        layer: c.source.layers[0]?.digest,
        owners: [musl?.id],
      },
    ]);
  });

  it('get unique SPDX ids when paths sanitize alike', () => {
    const f = (path: string) => ({
      path,
      sha1: '1'.repeat(40),
      sha256: '2'.repeat(64),
      owners: [],
    });
    const doc = writeSpdx(
      {
        source: { kind: 'directory', name: 'x', layers: [] },
        packages: [],
        files: [f('/a/b'), f('/a-b'), f('/a-b-2'), f('/a b')],
        warnings: [],
      },
      { created: new Date(0) },
    );
    const ids = (doc.files ?? []).map((x) => x.SPDXID);
    expect(ids).toEqual([
      'SPDXRef-File-a-b',
      'SPDXRef-File-a-b-2',
      'SPDXRef-File-a-b-2-2',
      'SPDXRef-File-a-b-3',
    ]);
  });
});
