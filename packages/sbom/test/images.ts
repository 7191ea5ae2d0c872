/** Test helpers: build layers and single-image stores in memory. Not exported from the package. */
import { gzipSync } from 'node:zlib';
import { MemoryStore, pushBytes } from '@wharf/content';
import {
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  type Descriptor,
} from '@wharf/core';
import { pack } from 'tar-stream';

export type TestEntry =
  | { readonly name: string; readonly content: string | Uint8Array; readonly mode?: number }
  | { readonly name: string; readonly type: 'directory' }
  | { readonly name: string; readonly type: 'symlink' | 'link'; readonly linkname: string };

/** A tar archive (uncompressed) of the entries, in order. */
export async function makeTar(entries: readonly TestEntry[]): Promise<Buffer> {
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
      const body = typeof e.content === 'string' ? Buffer.from(e.content) : Buffer.from(e.content);
      p.entry({ name: e.name, mode: e.mode ?? 0o644, size: body.length }, body);
    } else if (e.type === 'directory') {
      p.entry({ name: e.name, type: 'directory', mode: 0o755 });
    } else {
      p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface TestLayer {
  readonly bytes: Uint8Array;
  readonly mediaType?: string;
}

export async function gzLayer(entries: readonly TestEntry[]): Promise<TestLayer> {
  return { bytes: gzipSync(await makeTar(entries)), mediaType: MEDIA_TYPE_OCI_LAYER_GZIP };
}

export async function tarLayer(entries: readonly TestEntry[]): Promise<TestLayer> {
  return { bytes: await makeTar(entries), mediaType: MEDIA_TYPE_OCI_LAYER };
}

/** A MemoryStore holding one image made of `layers`; returns the store and manifest descriptor. */
export async function makeImage(
  layers: readonly TestLayer[],
): Promise<{ store: MemoryStore; manifest: Descriptor }> {
  const store = new MemoryStore();
  const layerDescs: Descriptor[] = [];
  for (const l of layers)
    layerDescs.push(await pushBytes(store, l.mediaType ?? MEDIA_TYPE_OCI_LAYER_GZIP, l.bytes));
  const config = await pushBytes(
    store,
    MEDIA_TYPE_OCI_CONFIG,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config,
      layers: layerDescs,
    }),
  );
  const desc = await pushBytes(store, MEDIA_TYPE_OCI_MANIFEST, manifest);
  return { store, manifest: desc };
}

export const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

export function dpkgStanza(name: string, version: string, extra = ''): string {
  return `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n${extra}`;
}
