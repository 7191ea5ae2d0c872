import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { requirePeer } from '@wharf/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runOk, startLive, type LiveServer } from './server-helpers.js';

/** Test-only override of a peer's path, e.g. WHARF_PEER_ORAS=/tmp/oras. */
function peer(name: Parameters<typeof requirePeer>[0]): string | undefined {
  return process.env[`WHARF_PEER_${name.toUpperCase().replace('-', '_')}`] ?? requirePeer(name);
}

const skopeo = peer('skopeo');
const crane = peer('crane');
const oras = peer('oras');
const notation = peer('notation');
const notation1 = peer('notation1');

function sha256(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Writes a one-layer OCI image layout (tag `v1`); returns its manifest digest. */
function writeLayout(dir: string): string {
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Uint8Array | string): { digest: string; size: number } => {
    const hex = sha256(b);
    writeFileSync(path.join(dir, 'blobs', 'sha256', hex), b);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(b) };
  };
  // A tiny tar with one file, gzipped.
  const header = Buffer.alloc(512);
  header.write('hello.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write('00000000006\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const content = Buffer.alloc(512);
  content.write('hello\n');
  const tar = Buffer.concat([header, content, Buffer.alloc(1024)]);
  const layer = put(gzipSync(tar));
  const diffId = `sha256:${sha256(tar)}`;
  const config = put(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [diffId] },
    }),
  );
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  });
  const m = put(manifest);
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...m,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
  return m.digest;
}

function layoutManifestDigest(dir: string): string | undefined {
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  return index.manifests[0]?.digest;
}

let live: LiveServer;
let work: string;
beforeAll(async () => {
  live = await startLive();
  work = mkdtempSync(path.join(os.tmpdir(), 'wharf-clients-'));
});
afterAll(async () => {
  await live.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skopeo === undefined)('skopeo', () => {
  it('copies an OCI layout into Wharf and back, byte-identical', async () => {
    const src = path.join(work, 'skopeo-src');
    const back = path.join(work, 'skopeo-back');
    const digest = writeLayout(src);
    const ref = `docker://${live.host}/skopeo/image:v1`;
    await runOk(skopeo as string, [
      'copy',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${src}:v1`,
      ref,
    ]);
    const inspect = await runOk(skopeo as string, ['inspect', '--raw', '--tls-verify=false', ref]);
    expect(`sha256:${sha256(inspect.stdout)}`).toBe(digest);
    await runOk(skopeo as string, [
      'copy',
      '--preserve-digests',
      '--src-tls-verify=false',
      ref,
      `oci:${back}:v1`,
    ]);
    expect(layoutManifestDigest(back)).toBe(digest);
    for (const f of ['blobs/sha256/' + digest.slice(7)]) {
      expect(readFileSync(path.join(back, f)).equals(readFileSync(path.join(src, f)))).toBe(true);
    }
  }, 60_000);
});

describe.skipIf(crane === undefined)('crane', () => {
  it('pushes and pulls an image', async () => {
    const src = path.join(work, 'crane-src');
    const digest = writeLayout(src);
    const ref = `${live.host}/crane/image:v1`;
    await runOk(crane as string, ['push', '--insecure', src, ref]);
    const d = await runOk(crane as string, ['digest', '--insecure', ref]);
    expect(d.stdout.trim()).toBe(digest);
    const out = path.join(work, 'crane-pull');
    await runOk(crane as string, ['pull', '--insecure', '--format', 'oci', ref, out]);
    expect(layoutManifestDigest(out)).toBe(digest);
    const tags = await runOk(crane as string, ['ls', '--insecure', `${live.host}/crane/image`]);
    expect(tags.stdout.trim()).toBe('v1');
  }, 60_000);
});

describe.skipIf(oras === undefined)('oras', () => {
  it('push, pull, attach and discover through the Referrers API', async () => {
    const dir = path.join(work, 'oras');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'artifact.txt'), 'oras artifact\n');
    writeFileSync(path.join(dir, 'sbom.json'), '{"sbom":true}\n');
    const ref = `${live.host}/oras/artifact:v1`;
    const env = { ...process.env, HOME: dir, DOCKER_CONFIG: dir };
    await runOk(oras as string, ['push', '--plain-http', ref, 'artifact.txt:text/plain'], {
      cwd: dir,
      env,
    });
    const out = path.join(dir, 'out');
    mkdirSync(out);
    await runOk(oras as string, ['pull', '--plain-http', '-o', out, ref], { cwd: dir, env });
    expect(readFileSync(path.join(out, 'artifact.txt'), 'utf8')).toBe('oras artifact\n');
    await runOk(
      oras as string,
      [
        'attach',
        '--plain-http',
        '--artifact-type',
        'application/vnd.example.sbom',
        ref,
        'sbom.json:application/json',
      ],
      { cwd: dir, env },
    );
    const discover = await runOk(
      oras as string,
      ['discover', '--plain-http', '--format', 'json', ref],
      { cwd: dir, env },
    );
    const tree = JSON.parse(discover.stdout) as {
      referrers?: { artifactType: string }[];
      manifests?: { artifactType: string }[];
    };
    const referrers = tree.referrers ?? tree.manifests ?? [];
    expect(referrers.map((r) => r.artifactType)).toEqual(['application/vnd.example.sbom']);
    // oras must have used the Referrers API: no fallback tag was created.
    const tags = (await (await fetch(`${live.url}/v2/oras/artifact/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toEqual(['v1']);
  }, 60_000);
});

for (const [label, bin] of [
  ['notation v1.3.2', notation1],
  ['notation v2', notation],
] as const) {
  describe.skipIf(bin === undefined)(label, () => {
    it('signs with a generate-test key and verifies', async () => {
      const home = mkdtempSync(path.join(work, 'notation-'));
      const env = { ...process.env, XDG_CONFIG_HOME: home, HOME: home, DOCKER_CONFIG: home };
      const repo = `notation/${label.replace(/[^a-z0-9]/g, '')}`;
      const src = path.join(home, 'layout');
      const digest = writeLayout(src);
      // Push the image with skopeo (or crane) first.
      if (skopeo) {
        await runOk(skopeo, [
          'copy',
          '--preserve-digests',
          '--dest-tls-verify=false',
          `oci:${src}:v1`,
          `docker://${live.host}/${repo}:v1`,
        ]);
      } else if (crane) {
        await runOk(crane, ['push', '--insecure', src, `${live.host}/${repo}:v1`]);
      } else return;
      const ref = `${live.host}/${repo}@${digest}`;
      await runOk(bin as string, ['cert', 'generate-test', '--default', 'wharf-test'], { env });
      await runOk(bin as string, ['sign', '--insecure-registry', ref], { env });
      const policy = {
        version: '1.0',
        trustPolicies: [
          {
            name: 'wharf',
            registryScopes: ['*'],
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:wharf-test'],
            trustedIdentities: ['*'],
          },
        ],
      };
      const policyDir = path.join(home, 'notation');
      mkdirSync(policyDir, { recursive: true });
      writeFileSync(path.join(policyDir, 'trustpolicy.json'), JSON.stringify(policy));
      writeFileSync(path.join(policyDir, 'trustpolicy.oci.json'), JSON.stringify(policy));
      const verify = await run(bin as string, ['verify', '--insecure-registry', ref], { env });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      // The signature is a referrer of the image.
      const refs = (await (await fetch(`${live.url}/v2/${repo}/referrers/${digest}`)).json()) as {
        manifests: { artifactType: string }[];
      };
      expect(refs.manifests.map((m) => m.artifactType)).toContain(
        'application/vnd.cncf.notary.signature',
      );
    }, 120_000);
  });
}
