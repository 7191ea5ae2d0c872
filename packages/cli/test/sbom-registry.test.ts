import { readFileSync } from 'node:fs';
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
import { debianEntries, writeIndexLayout, writeLayout } from './sbom-images.js';

const oras = peer('oras');
const registryBin = peer('registry');

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
