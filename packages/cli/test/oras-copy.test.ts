import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '@wharf/testkit';
import {
  normaliseTree,
  peer,
  run,
  startDistribution,
  startWharfRegistry,
  tempDir,
  wharf,
  type TestRegistry,
} from './helpers.js';

const oras = peer('oras');
const registryBin = peer('registry');
/** notation v1.3 signs the image and the SBOM when installed (skipped with a reason otherwise). */
const notation = requirePeer('notation1');
const SIG = 'application/vnd.cncf.notary.signature';

interface Doc {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  referrers: Doc[];
}

/**
 * The tree without `reference` fields (they name the registry), referrers in a stable order. The
 * root's annotations are left out: for a layout oras reports the index.json entry's `ref.name`.
 */
function shape(doc: Doc, root = true): unknown {
  return {
    digest: doc.digest,
    artifactType: doc.artifactType,
    annotations: root ? undefined : doc.annotations,
    referrers: doc.referrers
      .map((r) => shape(r, false))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

describe.skipIf(!oras || !registryBin)(
  'copy -r: image → signature, image → SBOM → signature',
  () => {
    let src: TestRegistry;
    let dst: TestRegistry;
    let dir: ReturnType<typeof tempDir>;
    let expected: unknown;
    let digest: string;
    const o = (args: string[]) => run(oras ?? '', args, { cwd: dir.path });
    const w = (args: string[]) => wharf(args, { cwd: dir.path });
    /**
     * A Notary signature made by notation v1.3 (a test key from `cert generate-test`) when the
     * peer is installed, else a stand-in envelope attached by oras with the same artifact type.
     */
    const sign = async (ref: string): Promise<void> => {
      const r = notation
        ? await run(notation, ['sign', '--insecure-registry', ref], { cwd: dir.path })
        : await o(['attach', '--plain-http', '--artifact-type', SIG, ref, 'sig.jws']);
      expect(r.code, r.stderr).toBe(0);
    };
    const discover = async (args: string[]): Promise<unknown> => {
      const r = await o(['discover', '--format', 'json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return shape(JSON.parse(r.stdout) as Doc);
    };

    beforeAll(async () => {
      src = await startDistribution(registryBin ?? '');
      dst = await startWharfRegistry();
      dir = tempDir('wharf-cli-copy-');
      writeFileSync(join(dir.path, 'layer.bin'), 'layer\n');
      writeFileSync(join(dir.path, 'sig.jws'), '{"payload":"x"}');
      writeFileSync(join(dir.path, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}');
      if (notation) {
        const key = await run(notation, ['cert', 'generate-test', '--default', 'wharf-copy'], {
          cwd: dir.path,
        });
        expect(key.code, key.stderr).toBe(0);
      }
      const img = `${src.host}/app:v1`;
      const pushed = await o(['push', '--plain-http', '--format', 'json', img, 'layer.bin']);
      digest = (JSON.parse(pushed.stdout) as { digest: string }).digest;
      await sign(`${src.host}/app@${digest}`);
      const sbom = await o([
        'attach',
        '--plain-http',
        '--format',
        'json',
        '--artifact-type',
        'application/spdx+json',
        img,
        'sbom.json',
      ]);
      const sbomDigest = (JSON.parse(sbom.stdout) as { digest: string }).digest;
      await sign(`${src.host}/app@${sbomDigest}`);
      expected = await discover(['--plain-http', img]);
    });
    afterAll(async () => {
      await src?.stop();
      await dst?.stop();
      dir?.remove();
    });

    it('the source chain has two levels', () => {
      expect(expected).toMatchObject({ digest, referrers: [{}, {}] });
      // With notation installed both signatures are real: they carry its certificate thumbprint.
      if (notation) {
        const text = JSON.stringify(expected);
        expect(text.match(/io\.cncf\.notary\.x509chain\.thumbprint#S256/g)).toHaveLength(2);
      }
    });

    it('registry → registry: oras discover shows the identical tree', async () => {
      const r = await w(['copy', '-r', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `Copied [registry] ${src.host}/app:v1 => [registry] ${dst.host}/app:v1\nDigest: ${digest}\n`,
      );
      expect(await discover(['--plain-http', `${dst.host}/app:v1`])).toEqual(expected);
      // Again: everything exists now.
      const again = await w(['cp', '-r', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/^Copying /m);
    });

    it('registry → OCI layout → registry', async () => {
      const toLayout = await w(['cp', '-r', '--to-oci-layout', `${src.host}/app:v1`, 'layout:v1']);
      expect(toLayout.code, toLayout.stderr).toBe(0);
      expect(toLayout.stdout).toContain(`=> [oci-layout] layout:v1`);
      expect(await discover(['--oci-layout', 'layout:v1'])).toEqual(expected);
      const fromLayout = await w([
        'cp',
        '-r',
        '--from-oci-layout',
        'layout:v1',
        `${src.host}/again:v2`,
      ]);
      expect(fromLayout.code, fromLayout.stderr).toBe(0);
      expect(await discover(['--plain-http', `${src.host}/again:v2`])).toEqual(expected);
      expect(normaliseTree((await w(['discover', `${src.host}/again:v2`])).stdout)).toBe(
        normaliseTree((await o(['discover', '--plain-http', `${src.host}/again:v2`])).stdout),
      );
    });

    it('copies the referrers of the manifests of an index too, and indexes made by manifest index create', async () => {
      const amd = await w(['push', '--format', 'json', `${src.host}/multi:amd`, 'layer.bin']);
      const amdDigest = (JSON.parse(amd.stdout) as { digest: string }).digest;
      expect((await w(['push', `${src.host}/multi:arm`, 'sbom.json'])).code).toBe(0);
      const idx = await w(['manifest', 'index', 'create', `${src.host}/multi:all`, 'amd', 'arm']);
      expect(idx.code, idx.stderr).toBe(0);
      expect(idx.stdout).toMatch(/^Pushed {4}\[registry\] .*\/multi:all$/m);
      expect(
        (await w(['attach', '--artifact-type', SIG, `${src.host}/multi:amd`, 'sig.jws'])).code,
      ).toBe(0);
      const r = await w(['cp', '-r', `${src.host}/multi:all`, `${dst.host}/multi:all`]);
      expect(r.code, r.stderr).toBe(0);
      const child = await discover(['--plain-http', `${dst.host}/multi@${amdDigest}`]);
      expect(child).toEqual(await discover(['--plain-http', `${src.host}/multi@${amdDigest}`]));
      expect(child).toMatchObject({ referrers: [{ artifactType: SIG }] });
      const fetched = await o(['manifest', 'fetch', '--plain-http', `${dst.host}/multi:all`]);
      expect((JSON.parse(fetched.stdout) as { manifests: unknown[] }).manifests).toHaveLength(2);
    });

    it('without -r only the image is copied', async () => {
      const r = await w(['cp', `${src.host}/app:v1`, `${dst.host}/plain:v1`]);
      expect(r.code, r.stderr).toBe(0);
      expect(await discover(['--plain-http', `${dst.host}/plain:v1`])).toEqual({
        digest,
        referrers: [],
      });
    });
  },
);
