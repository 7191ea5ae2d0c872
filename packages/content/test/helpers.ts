import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pack, type Header } from 'tar-stream';

/** A tar-stream header with only the name required. */
export type TarHeader = Partial<Header> & Pick<Header, 'name'>;
import {
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  type Descriptor,
} from '@wharf/core';
import { describeBytes } from '../src/fetch.js';
import type { Pusher } from '../src/types.js';

export const execFileAsync = promisify(execFile);

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Locates a peer tool in `<repo>/.peers/bin`, then on PATH. */
export function findPeer(name: string): string | undefined {
  const dirs = [join(REPO_ROOT, '.peers', 'bin'), ...(process.env['PATH'] ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Locates a directory under the shared vectors (`<repo>/../shared`, then /work/shared). */
export function findSharedVector(relative: string): string | undefined {
  const roots = [
    process.env['WHARF_SHARED_DIR'],
    join(REPO_ROOT, '..', 'shared'),
    join(REPO_ROOT, 'shared'),
    '/work/shared',
  ];
  for (const root of roots) {
    if (root && existsSync(join(root, relative))) return join(root, relative);
  }
  return undefined;
}

/** True when missing peers must fail the suite (WHARF_REQUIRE_PEERS=1) rather than skip it. */
export const PEERS_REQUIRED = process.env['WHARF_REQUIRE_PEERS'] === '1';

/**
 * Locates a peer tool (like testkit's `requirePeer`): throws when WHARF_REQUIRE_PEERS=1 and it is
 * missing, otherwise returns undefined so callers can skip.
 */
export function requirePeer(name: string): string | undefined {
  const found = findPeer(name);
  if (found === undefined && PEERS_REQUIRED) {
    throw new Error(`peer tool ${name} is required (WHARF_REQUIRE_PEERS=1) but was not found`);
  }
  return found;
}

/** A temp dir under os.tmpdir(); call the returned cleanup in afterEach. */
export async function tempDir(
  prefix = 'wharf-content-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface SampleImage {
  readonly config: { desc: Descriptor; bytes: Uint8Array };
  readonly layers: { desc: Descriptor; bytes: Uint8Array }[];
  readonly manifest: { desc: Descriptor; bytes: Uint8Array };
  readonly blobs: { desc: Descriptor; bytes: Uint8Array }[];
}

/** A small OCI image: config + layers (random-ish bytes) + manifest. */
export function sampleImage(
  seed: string,
  layerSizes: readonly number[] = [1000, 3000],
): SampleImage {
  const configBytes = enc(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: {
        type: 'layers',
        diff_ids: layerSizes.map((_, i) => `sha256:${String(i).repeat(64)}`),
      },
      config: { Env: [`SEED=${seed}`] },
    }),
  );
  const config = { desc: describeBytes(MEDIA_TYPE_OCI_CONFIG, configBytes), bytes: configBytes };
  const layers = layerSizes.map((n, i) => {
    const bytes = new Uint8Array(n);
    for (let j = 0; j < n; j++)
      bytes[j] = (j * 31 + i * 7 + seed.length * 13 + seed.charCodeAt(j % seed.length)) & 0xff;
    return { desc: describeBytes(MEDIA_TYPE_OCI_LAYER_GZIP, bytes), bytes };
  });
  const manifestBytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: config.desc,
      layers: layers.map((l) => l.desc),
    }),
  );
  const manifest = {
    desc: describeBytes(MEDIA_TYPE_OCI_MANIFEST, manifestBytes),
    bytes: manifestBytes,
  };
  return { config, layers, manifest, blobs: [config, ...layers, manifest] };
}

/** Pushes all blobs of an image, children first. */
export async function pushImage(store: Pusher, image: SampleImage): Promise<void> {
  for (const b of image.blobs) await store.push(b.desc, b.bytes);
}

/** Fast byte equality (vitest's toEqual walks arrays element by element). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Builds a tar archive in memory with tar-stream (entries written in order). */
export async function buildTar(
  entries: readonly { header: TarHeader; body?: Uint8Array }[],
): Promise<Uint8Array> {
  const p = pack();
  const chunks: Uint8Array[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Uint8Array);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      const header = { mtime: new Date(0), ...e.header };
      if (e.body) p.entry(header, e.body, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A real OCI image (gzip'd tar layers, correct diff_ids). */
export async function realImage(seed: string): Promise<SampleImage> {
  const { gzipSync } = await import('node:zlib');
  const {
    digestBytes,
    MEDIA_TYPE_OCI_CONFIG: CFG,
    MEDIA_TYPE_OCI_LAYER_GZIP: GZ,
    MEDIA_TYPE_OCI_MANIFEST: MAN,
  } = await import('@wharf/core');
  const tars = [
    await buildTar([
      { header: { name: 'etc/', type: 'directory', mode: 0o755 } },
      { header: { name: 'etc/hello.txt', mode: 0o644 }, body: enc(`hello ${seed}\n`) },
    ]),
    await buildTar([
      {
        header: { name: 'data.bin', mode: 0o644 },
        body: new Uint8Array(200_000).fill(seed.length),
      },
    ]),
  ];
  const layers = tars.map((t) => {
    const bytes = new Uint8Array(gzipSync(t, { level: 6 }));
    return { desc: describeBytes(GZ, bytes), bytes };
  });
  const configBytes = enc(
    JSON.stringify({
      created: '1970-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => digestBytes(t)) },
      history: tars.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'wharf test' })),
    }),
  );
  const config = { desc: describeBytes(CFG, configBytes), bytes: configBytes };
  const manifestBytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MAN,
      config: config.desc,
      layers: layers.map((l) => l.desc),
    }),
  );
  const manifest = { desc: describeBytes(MAN, manifestBytes), bytes: manifestBytes };
  return { config, layers, manifest, blobs: [config, ...layers, manifest] };
}
