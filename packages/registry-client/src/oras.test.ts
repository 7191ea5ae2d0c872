import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, type Descriptor } from '@wharf/core';
import { requirePeer, startRegistry, type RunningRegistry } from '../test/harness.js';
import { Registry } from './registry.js';

const registryBin = requirePeer('registry');
const orasBin = requirePeer('oras');
const enc = new TextEncoder();
const MT = 'application/vnd.oci.image.manifest.v1+json';
const desc = (b: Uint8Array, mediaType: string): Descriptor => ({
  mediaType,
  digest: digestBytes(b),
  size: b.byteLength,
});

interface Discovered {
  readonly digest: string;
  readonly artifactType?: string;
  readonly referrers?: Discovered[];
  readonly manifests?: Discovered[];
}

describe.skipIf(!registryBin || !orasBin)(
  'interop with oras (tag-schema fallback both ways)',
  () => {
    let reg: RunningRegistry;
    let work: string;
    beforeAll(async () => {
      reg = await startRegistry(registryBin as string);
      work = mkdtempSync(join(tmpdir(), 'wharf-oras-'));
    });
    afterAll(async () => {
      await reg?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    const oras = (...args: string[]) =>
      execFileSync(orasBin as string, args, {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, HOME: work },
      });

    it('oras discover sees what Wharf attached, and Wharf sees what oras attached', async () => {
      const repo = new Registry(reg.host).repository('interop/app');
      const empty = enc.encode('{}');
      const emptyDesc = desc(empty, 'application/vnd.oci.empty.v1+json');
      await repo.push(emptyDesc, empty);
      const subjectBytes = enc.encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT,
          artifactType: 'application/vnd.test.image',
          config: emptyDesc,
          layers: [emptyDesc],
        }),
      );
      const subject = desc(subjectBytes, MT);
      await repo.pushReference(subject, subjectBytes, 'v1');
      const sigBytes = enc.encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT,
          artifactType: 'application/vnd.wharf.sig',
          config: emptyDesc,
          layers: [emptyDesc],
          subject,
        }),
      );
      const sig = desc(sigBytes, MT);
      await repo.push(sig, sigBytes);

      const out = JSON.parse(
        oras(
          'discover',
          '--plain-http',
          '--format',
          'json',
          `${reg.host}/interop/app@${subject.digest}`,
        ),
      ) as Discovered;
      const seen = out.referrers ?? out.manifests ?? [];
      expect(seen.map((r) => [r.digest, r.artifactType])).toEqual([
        [sig.digest, 'application/vnd.wharf.sig'],
      ]);

      writeFileSync(join(work, 'sbom.json'), '{"sbom":true}');
      oras(
        'attach',
        '--plain-http',
        '--artifact-type',
        'application/vnd.oras.sbom',
        `${reg.host}/interop/app@${subject.digest}`,
        'sbom.json:application/json',
      );
      const fresh = new Registry(reg.host).repository('interop/app');
      const referrers = await fresh.referrers(subject);
      expect(referrers.map((r) => r.artifactType).sort()).toEqual([
        'application/vnd.oras.sbom',
        'application/vnd.wharf.sig',
      ]);
      const sbom = referrers.find(
        (r) => r.artifactType === 'application/vnd.oras.sbom',
      ) as Descriptor;
      const bytes = await fresh.fetchManifest(sbom);
      expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toMatchObject({
        subject: { digest: subject.digest },
      });
    });
  },
);
