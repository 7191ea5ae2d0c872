import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy, OciLayoutStore, pushBytes, writeLayoutTar } from '@wharf/content';
import { isWharfError, MEDIA_TYPE_OCI_INDEX } from '@wharf/core';
import { afterAll, describe, expect, it } from 'vitest';
import { dpkgStanza, gzLayer, makeImage, OS_RELEASE } from '../test/images.js';
import { catalogSource } from './catalog.js';
import { generateSbom } from './generate.js';
import { hostPlatform, parsePlatform } from './source.js';

const tmp = mkdtempSync(join(tmpdir(), 'sbom-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function twoPlatformIndex() {
  const amd = await makeImage([
    await gzLayer([{ name: 'a/package.json', content: '{"name":"amd","version":"1.0.0"}' }]),
  ]);
  const arm = await makeImage([
    await gzLayer([{ name: 'a/package.json', content: '{"name":"arm","version":"1.0.0"}' }]),
  ]);
  const store = amd.store;
  await copy(arm.store, arm.manifest.digest, store, 'arm');
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [
        { ...amd.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    }),
  );
  const desc = await pushBytes(store, MEDIA_TYPE_OCI_INDEX, index);
  await store.tag(desc, 'multi');
  return { store, desc };
}

describe('image sources', () => {
  it('picks the manifest of the requested platform from an index', async () => {
    const { store, desc } = await twoPlatformIndex();
    const scan = (platform: string) =>
      catalogSource({ kind: 'image', fetcher: store, descriptor: desc }, { platform });
    expect((await scan('linux/arm64')).packages.map((p) => p.name)).toEqual(['arm']);
    expect((await scan('linux/arm64/v8')).packages.map((p) => p.name)).toEqual(['arm']);
    const amd = await scan('linux/amd64');
    expect(amd.packages.map((p) => p.name)).toEqual(['amd']);
    expect(amd.source.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    await expect(scan('linux/s390x')).rejects.toSatisfy((e) =>
      isWharfError(e, 'PLATFORM_NOT_FOUND'),
    );
  });

  it('parses platforms and knows the host', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d']) {
      expect(() => parsePlatform(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }) as Error,
      );
    }
    expect(hostPlatform()).toMatch(/^[a-z0-9]+\/[a-z0-9]+$/);
  });

  it('reads OCI layout directories and archives', async () => {
    const { store, manifest } = await makeImage([
      await gzLayer([
        { name: 'etc/os-release', content: OS_RELEASE },
        { name: 'var/lib/dpkg/status', content: dpkgStanza('libc6', '2.36-9') },
      ]),
    ]);
    const dir = join(tmp, 'layout');
    const layout = await OciLayoutStore.open(dir);
    await copy(store, manifest.digest, layout, 'v1');
    const archive = join(tmp, 'layout.tar');
    await writeLayoutTar(layout, archive);
    for (const path of [dir, archive]) {
      const r = await generateSbom(
        { kind: 'oci-layout', path },
        { format: 'cyclonedx-json', platform: 'linux/amd64' },
      );
      expect(r.catalog.packages.map((p) => p.purl)).toEqual([
        'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12',
      ]);
      expect(r.catalog.source.manifestDigest).toBe(manifest.digest);
    }
    await copy(store, manifest.digest, layout, 'v2');
    const second = await makeImage([await gzLayer([{ name: 'x', content: 'y' }])]);
    await copy(second.store, second.manifest.digest, layout, 'other');
    await expect(catalogSource({ kind: 'oci-layout', path: dir })).rejects.toSatisfy((e) =>
      isWharfError(e, 'INVALID_SOURCE'),
    );
    const byRef = await catalogSource(
      { kind: 'oci-layout', path: dir, reference: 'v1' },
      { platform: 'linux/amd64' },
    );
    expect(byRef.packages).toHaveLength(1);
    await expect(
      catalogSource({ kind: 'oci-layout', path: join(tmp, 'missing') }),
    ).rejects.toSatisfy((e) => isWharfError(e, 'INVALID_SOURCE'));
  });

  it('reads a rootfs directory without following links out of it', async () => {
    const root = join(tmp, 'rootfs');
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    mkdirSync(join(root, 'app/node_modules/left-pad'), { recursive: true });
    writeFileSync(join(root, 'usr/lib/os-release'), OS_RELEASE);
    symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'));
    writeFileSync(join(root, 'var/lib/dpkg/status'), dpkgStanza('bash', '5.2.15-2+b2'));
    writeFileSync(
      join(root, 'app/node_modules/left-pad/package.json'),
      '{"name":"left-pad","version":"1.3.0"}',
    );
    // a link to the host's own files must not be read
    symlinkSync('/etc', join(root, 'app/node_modules/host-etc'));
    const c = await catalogSource({ kind: 'rootfs', path: root });
    expect(c.source.kind).toBe('directory');
    expect(c.distro?.id).toBe('debian');
    expect(c.packages.map((p) => p.purl)).toEqual([
      'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12',
      'pkg:npm/left-pad@1.3.0',
    ]);
    await expect(catalogSource({ kind: 'rootfs', path: join(tmp, 'nope') })).rejects.toSatisfy(
      (e) => isWharfError(e, 'INVALID_SOURCE'),
    );
  });
});
