// Test support for `wharf sbom`: small Debian-shaped images written to OCI layouts.
import { gzipSync } from 'node:zlib';
import { OciLayoutStore, pushBytes } from '@wharf/content';
import {
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  type Descriptor,
} from '@wharf/core';
import { pack } from 'tar-stream';

export type Entry =
  | { readonly name: string; readonly content: string | Uint8Array }
  | { readonly name: string; readonly type: 'symlink'; readonly linkname: string };

/** An uncompressed tar of the entries, in order. */
export async function makeTar(entries: readonly Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    if ('content' in e) {
      const body = Buffer.from(e.content);
      p.entry({ name: e.name, mode: 0o644, size: body.length }, body);
    } else {
      p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

export function dpkgStanza(name: string, version: string): string {
  return `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`;
}

/** A Debian-like root: os-release, a dpkg status with two packages, and one npm package. */
export function debianEntries(extra: readonly Entry[] = []): Entry[] {
  return [
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    {
      name: 'var/lib/dpkg/status',
      content: [dpkgStanza('libc6', '2.36-9+deb12u4'), dpkgStanza('bash', '5.2.15-2+b2')].join(
        '\n',
      ),
    },
    {
      name: 'usr/share/nodejs/lodash/package.json',
      content: '{"name":"lodash","version":"4.17.21","license":"MIT"}',
    },
    ...extra,
  ];
}

/** Writes one image (each layer gzip unless raw bytes are given) into `store`; returns its manifest. */
export async function pushImage(
  store: OciLayoutStore,
  layers: readonly (readonly Entry[] | Uint8Array)[],
  platform = { os: 'linux', architecture: 'amd64' },
): Promise<Descriptor> {
  const descs: Descriptor[] = [];
  for (const l of layers) {
    const bytes = l instanceof Uint8Array ? l : gzipSync(await makeTar(l));
    descs.push(await pushBytes(store, MEDIA_TYPE_OCI_LAYER_GZIP, bytes));
  }
  const config = await pushBytes(
    store,
    MEDIA_TYPE_OCI_CONFIG,
    Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] } })),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config,
      layers: descs,
    }),
  );
  return pushBytes(store, MEDIA_TYPE_OCI_MANIFEST, manifest);
}

/** A layout at `path` holding `tag` → one image of `layers`. */
export async function writeLayout(
  path: string,
  tag: string,
  layers: readonly (readonly Entry[] | Uint8Array)[],
): Promise<Descriptor> {
  const store = await OciLayoutStore.open(path, { create: true });
  const desc = await pushImage(store, layers);
  await store.tag(desc, tag);
  return desc;
}

/** A layout at `path` holding `tag` → an index of linux/amd64 and linux/arm64 images. */
export async function writeIndexLayout(
  path: string,
  tag: string,
): Promise<{ index: Descriptor; amd64: Descriptor; arm64: Descriptor }> {
  const store = await OciLayoutStore.open(path, { create: true });
  const amd64 = await pushImage(store, [debianEntries()]);
  const arm64 = await pushImage(
    store,
    [
      [
        { name: 'usr/lib/os-release', content: OS_RELEASE },
        { name: 'var/lib/dpkg/status', content: dpkgStanza('zsh', '5.9-4') },
      ],
    ],
    { os: 'linux', architecture: 'arm64' },
  );
  const index = await pushBytes(
    store,
    MEDIA_TYPE_OCI_INDEX,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_INDEX,
        manifests: [
          { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    ),
  );
  await store.tag(index, tag);
  return { index, amd64, arm64 };
}
