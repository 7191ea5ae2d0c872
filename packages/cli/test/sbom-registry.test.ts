import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  peer,
  run,
  startDistribution,
  startWharfRegistry,
  tempDir,
  wharf,
  type TestRegistry,
} from './helpers.js';
import { requirePeer } from '@wharf/testkit';
import { debianEntries, writeIndexLayout, writeLayout } from './sbom-images.js';

const oras = peer('oras');
const registryBin = peer('registry');
const notation1 = requirePeer('notation1');

/** Runs notation v1.3 with its own HOME and XDG_CONFIG_HOME. */
function notation(
  args: readonly string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      notation1 ?? '',
      [...args],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'cfg') },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

interface DiscoverDoc {
  digest: string;
  artifactType?: string;
  referrers: DiscoverDoc[];
}

describe.skipIf(!oras || !registryBin)('wharf sbom --attach on registries (oras discover)', () => {
  let dir: ReturnType<typeof tempDir>;
  const registries: { name: string; reg: TestRegistry }[] = [];
  const w = (args: string[]) =>
    wharf(args, {
      cwd: dir.path,
      env: { XDG_CACHE_HOME: join(dir.path, 'cache'), SOURCE_DATE_EPOCH: '1700000000' },
    });
  const o = (args: string[]) => run(oras ?? '', [...args, '--plain-http'], { cwd: dir.path });

  beforeAll(async () => {
    dir = tempDir('wharf-cli-sbom-reg-');
    await writeLayout(join(dir.path, 'layout'), 'v1', [debianEntries()]);
    await writeIndexLayout(join(dir.path, 'multi'), 'v1');
    registries.push({
      name: 'distribution v3 (tag schema)',
      reg: await startDistribution(registryBin ?? ''),
    });
    registries.push({ name: 'wharf serve (referrers API)', reg: await startWharfRegistry() });
  });
  afterAll(async () => {
    for (const r of registries) await r.reg.stop();
    dir?.remove();
  });

  it('attaches an SPDX SBOM that oras discovers under the image, and it equals stdout', async () => {
    for (const { name, reg } of registries) {
      const ref = `${reg.host}/app:v1`;
      const cp = await w(['cp', '--from-oci-layout', 'layout:v1', ref]);
      expect(cp.code, `${name}: ${cp.stderr}`).toBe(0);
      const r = await w(['sbom', '--attach', '-o', 'spdx-json', ref]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const sbomDigest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(r.stderr)?.[1] ?? '';
      expect(sbomDigest, r.stderr).not.toBe('');
      const tree = await o(['discover', '--format', 'tree', ref]);
      expect(tree.code, tree.stderr).toBe(0);
      expect(tree.stdout).toContain(`└── application/spdx+json\n    └── ${sbomDigest}`);
      const pulled = tempDir('wharf-sbom-pull-');
      try {
        const p = await run(
          oras ?? '',
          ['pull', '--plain-http', '-o', pulled.path, `${reg.host}/app@${sbomDigest}`],
          { cwd: dir.path },
        );
        expect(p.code, p.stderr).toBe(0);
        expect(readFileSync(join(pulled.path, 'sbom.spdx.json'), 'utf8')).toBe(r.stdout);
      } finally {
        pulled.remove();
      }
    }
  });

  it('attaches to the platform manifest that was scanned when the target is an index', async () => {
    const { reg } = registries[0] ?? { reg: undefined };
    if (reg === undefined) throw new Error('no registry');
    const ref = `${reg.host}/multi:v1`;
    expect((await w(['cp', '-r', '--from-oci-layout', 'multi:v1', ref])).code).toBe(0);
    const r = await w(['sbom', '--attach', '--platform', 'linux/arm64', ref]);
    expect(r.code, r.stderr).toBe(0);
    const manifestDigest = /^Attached application\/spdx\+json to \S+@(sha256:[0-9a-f]{64})$/m.exec(
      r.stderr,
    )?.[1];
    const byPlatform = await o(['discover', '--format', 'json', '--platform', 'linux/arm64', ref]);
    expect(byPlatform.code, byPlatform.stderr).toBe(0);
    const doc = JSON.parse(byPlatform.stdout) as DiscoverDoc;
    expect(doc.digest).toBe(manifestDigest);
    expect(doc.referrers.map((x) => x.artifactType)).toEqual(['application/spdx+json']);
    const onIndex = JSON.parse(
      (await o(['discover', '--format', 'json', ref])).stdout,
    ) as DiscoverDoc;
    expect(onIndex.referrers).toEqual([]);
  });
});

describe.skipIf(!oras || !registryBin || !notation1)(
  'wharf sbom --attach --sign: oras sees image → SBOM → signature, notation v1.3 verifies',
  () => {
    let dir: ReturnType<typeof tempDir>;
    let reg: TestRegistry;

    beforeAll(async () => {
      dir = tempDir('wharf-cli-sbom-sign-');
      await writeLayout(join(dir.path, 'layout'), 'v1', [debianEntries()]);
      reg = await startDistribution(registryBin ?? '');
      // notation's own test key and CA (generate-test also puts the cert in the trust store)
      const gen = await notation(['cert', 'generate-test', '--default', 'wharf.test'], dir.path);
      expect(gen.code, gen.stderr).toBe(0);
      mkdirSync(join(dir.path, 'cfg', 'notation'), { recursive: true });
      writeFileSync(
        join(dir.path, 'cfg', 'notation', 'trustpolicy.json'),
        JSON.stringify({
          version: '1.0',
          trustPolicies: [
            {
              name: 'sboms',
              registryScopes: ['*'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf.test'],
              trustedIdentities: ['*'],
            },
          ],
        }),
      );
    });
    afterAll(async () => {
      await reg?.stop();
      dir?.remove();
    });

    it('signs the pushed SBOM manifest', async () => {
      const env = {
        XDG_CACHE_HOME: join(dir.path, 'cache'),
        XDG_CONFIG_HOME: join(dir.path, 'cfg'),
      };
      const w = (args: string[]) => wharf(args, { cwd: dir.path, env });
      const ref = `${reg.host}/signed:v1`;
      expect((await w(['cp', '--from-oci-layout', 'layout:v1', ref])).code).toBe(0);
      const r = await w(['sbom', '--attach', '--sign', '-o', 'spdx-json', ref]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveProperty('spdxVersion', 'SPDX-2.3');
      const sbom = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(r.stderr)?.[1] ?? '';
      const sig = /^Pushed the signature to \S+@(sha256:[0-9a-f]{64})$/m.exec(r.stderr)?.[1] ?? '';
      expect(sbom, r.stderr).not.toBe('');
      expect(sig, r.stderr).not.toBe('');
      expect(r.stderr).toContain(`Signed ${reg.host}/signed@${sbom}`);

      const img = JSON.parse(
        (
          await run(oras ?? '', ['discover', '--plain-http', '--format', 'json', ref], {
            cwd: dir.path,
          })
        ).stdout,
      ) as DiscoverDoc;
      const tree = await run(oras ?? '', ['discover', '--plain-http', '--format', 'tree', ref], {
        cwd: dir.path,
      });
      expect(tree.code, tree.stderr).toBe(0);
      // the tree without its [annotations] subtrees: image → SBOM → signature
      const skeleton = tree.stdout
        .split('\n')
        .filter((l) => !/\[annotations\]|: /.test(l))
        .join('\n');
      expect(skeleton).toBe(
        `${reg.host}/signed@${img.digest}\n` +
          `└── application/spdx+json\n    └── ${sbom}\n` +
          `        └── application/vnd.cncf.notary.signature\n            └── ${sig}\n`,
      );

      const ok = await notation(
        ['verify', '--insecure-registry', `${reg.host}/signed@${sbom}`],
        dir.path,
      );
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      expect(ok.stdout).toContain(`Successfully verified signature for ${reg.host}/signed@${sbom}`);
      // the image itself carries no signature: notation refuses it
      const bad = await notation(
        ['verify', '--insecure-registry', `${reg.host}/signed@${img.digest}`],
        dir.path,
      );
      expect(bad.code).not.toBe(0);
    });

    it('fails before pushing anything when the key does not exist', async () => {
      const env = {
        XDG_CACHE_HOME: join(dir.path, 'cache'),
        XDG_CONFIG_HOME: join(dir.path, 'cfg'),
      };
      const ref = `${reg.host}/nokey:v1`;
      const w = (args: string[]) => wharf(args, { cwd: dir.path, env });
      expect((await w(['cp', '--from-oci-layout', 'layout:v1', ref])).code).toBe(0);
      const r = await w(['sbom', '--attach', '--sign', '--key', 'missing', ref]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/missing/);
      const d = JSON.parse((await w(['discover', '--format', 'json', ref])).stdout) as DiscoverDoc;
      expect(d.referrers).toEqual([]);
      const usage = await w(['sbom', '--sign', ref]);
      expect(usage.code).toBe(2);
    });
  },
);
