import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createRegistryApp,
  defaultConfig,
  type Registry,
  type RegistryConfigInput,
} from '../src/index.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function sha512(data: string | Uint8Array): string {
  return `sha512:${createHash('sha512').update(data).digest('hex')}`;
}

export interface TestRegistry {
  readonly registry: Registry;
  readonly dir: string;
  req(
    method: string,
    url: string,
    init?: { body?: string | Uint8Array; headers?: Record<string, string> },
  ): Promise<Response>;
  pushBlob(repo: string, data: string | Uint8Array): Promise<string>;
  pushManifest(repo: string, ref: string, doc: unknown, mediaType?: string): Promise<Response>;
  close(): Promise<void>;
}

export async function makeRegistry(overrides: RegistryConfigInput = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-'));
  const config = defaultConfig({
    ...overrides,
    dataDir: dir,
    log: { level: 'silent', accessLog: false },
    storage: { fsync: false },
  });
  const registry = await createRegistryApp(config);
  const req: TestRegistry['req'] = async (method, url, init = {}) => {
    const r = new Request(`http://registry.test${url}`, {
      method,
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.headers ? { headers: init.headers } : {}),
    });
    return registry.fetch(r);
  };
  return {
    registry,
    dir,
    req,
    async pushBlob(repo, data) {
      const digest = sha256(data);
      const res = await req('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { body: data });
      if (res.status !== 201) throw new Error(`push blob: ${res.status} ${await res.text()}`);
      return digest;
    },
    async pushManifest(repo, ref, doc, mediaType = OCI_MANIFEST) {
      return req('PUT', `/v2/${repo}/manifests/${ref}`, {
        body: typeof doc === 'string' ? doc : JSON.stringify(doc),
        headers: { 'Content-Type': mediaType },
      });
    },
    async close() {
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small image: config + one layer pushed to `repo`; returns the manifest and its bytes. */
export async function pushImage(
  t: TestRegistry,
  repo: string,
  opts: {
    tag?: string;
    layer?: string;
    subject?: { digest: string; size: number; mediaType: string };
    artifactType?: string;
    annotations?: Record<string, string>;
  } = {},
): Promise<{ digest: string; bytes: string; size: number; res: Response }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', n: Math.random() });
  const layer = opts.layer ?? `layer-${Math.random()}`;
  const cd = await t.pushBlob(repo, config);
  const ld = await t.pushBlob(repo, layer);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: cd,
      size: Buffer.byteLength(config),
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: ld,
        size: Buffer.byteLength(layer),
      },
    ],
  };
  if (opts.artifactType) manifest.artifactType = opts.artifactType;
  if (opts.subject) manifest.subject = opts.subject;
  if (opts.annotations) manifest.annotations = opts.annotations;
  const bytes = JSON.stringify(manifest);
  const digest = sha256(bytes);
  const res = await t.pushManifest(repo, opts.tag ?? digest, bytes);
  return { digest, bytes, size: Buffer.byteLength(bytes), res };
}
