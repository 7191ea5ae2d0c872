import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const SIG = 'application/vnd.cncf.notary.signature';

interface DiscoverDoc {
  digest: string;
  referrers: DiscoverDoc[];
  artifactType?: string;
}

/** Strips `reference` fields so trees from two names compare. */
function shape(doc: DiscoverDoc): unknown {
  return {
    digest: doc.digest,
    artifactType: doc.artifactType,
    referrers: doc.referrers.map(shape),
  };
}

describe.skipIf(!oras || !registryBin)(
  'distribution v3 (no referrers API): tag schema both ways',
  () => {
    let reg: TestRegistry;
    let dir: ReturnType<typeof tempDir>;
    const o = (args: string[]) => run(oras ?? '', [...args, '--plain-http'], { cwd: dir.path });
    const w = (args: string[]) => wharf(args, { cwd: dir.path });

    beforeAll(async () => {
      reg = await startDistribution(registryBin ?? '');
      dir = tempDir('wharf-cli-dist-');
      writeFileSync(join(dir.path, 'hi.txt'), 'hello\n');
      writeFileSync(join(dir.path, 'sig.json'), '{"sig":1}');
    });
    afterAll(async () => {
      await reg?.stop();
      dir?.remove();
    });

    it('wharf attach → oras discover shows the same tree', async () => {
      const ref = `${reg.host}/a:v1`;
      expect((await w(['push', ref, 'hi.txt'])).code).toBe(0);
      const att = await w(['attach', '--artifact-type', SIG, ref, 'sig.json', '--format', 'json']);
      expect(att.code, att.stderr).toBe(0);
      const sig = JSON.parse(att.stdout) as { digest: string };
      const nested = await w([
        'attach',
        '--artifact-type',
        'sbom/example',
        '-a',
        'k=v',
        `${reg.host}/a@${sig.digest}`,
      ]);
      expect(nested.code, nested.stderr).toBe(0);
      expect(nested.stdout).toMatch(
        /^Attached to \[registry\] 127\.0\.0\.1:\d+\/a@sha256:[0-9a-f]{64}$/m,
      );
      const byOras = await o(['discover', '--format', 'json', ref]);
      expect(byOras.code, byOras.stderr).toBe(0);
      const byWharf = await w(['discover', '--format', 'json', ref]);
      expect(JSON.parse(byWharf.stdout)).toEqual(JSON.parse(byOras.stdout));
      const oTree = await o(['discover', ref]);
      const wTree = await w(['discover', ref]);
      expect(normaliseTree(wTree.stdout)).toBe(normaliseTree(oTree.stdout));
      expect((JSON.parse(byWharf.stdout) as DiscoverDoc).referrers[0]?.referrers).toHaveLength(1);
    });

    it('--distribution-spec v1.1-referrers-tag: the tag schema, read by oras', async () => {
      const ref = `${reg.host}/tagmode:v1`;
      const pushed = await w(['push', '--format', 'json', ref, 'hi.txt']);
      const digest = (JSON.parse(pushed.stdout) as { digest: string }).digest;
      const att = await w([
        'attach',
        '--distribution-spec',
        'v1.1-referrers-tag',
        '--artifact-type',
        SIG,
        ref,
        'sig.json',
      ]);
      expect(att.code, att.stderr).toBe(0);
      const tags = await w(['repo', 'tags', `${reg.host}/tagmode`]);
      expect(tags.stdout.split('\n')).toContain(digest.replace(':', '-'));
      const excluded = await w(['repo', 'tags', '--exclude-digest-tags', `${reg.host}/tagmode`]);
      expect(excluded.stdout).toBe('v1\n');
      const spec = ['--distribution-spec', 'v1.1-referrers-tag', '--format', 'json', ref];
      const byOras = await o(['discover', ...spec]);
      expect(byOras.code, byOras.stderr).toBe(0);
      const byWharf = await w(['discover', ...spec]);
      expect(JSON.parse(byWharf.stdout)).toEqual(JSON.parse(byOras.stdout));
      expect((JSON.parse(byWharf.stdout) as DiscoverDoc).referrers).toHaveLength(1);
    });

    it('oras attach → wharf discover shows the same tree', async () => {
      const ref = `${reg.host}/b:v1`;
      expect((await o(['push', ref, 'hi.txt'])).code).toBe(0);
      const att = await o(['attach', '--artifact-type', SIG, ref, 'sig.json', '--format', 'json']);
      expect(att.code, att.stderr).toBe(0);
      const sig = JSON.parse(att.stdout) as { digest: string };
      expect(
        (
          await o([
            'attach',
            '--artifact-type',
            'sbom/x',
            '-a',
            'a=b',
            `${reg.host}/b@${sig.digest}`,
          ])
        ).code,
      ).toBe(0);
      const byOras = JSON.parse(
        (await o(['discover', '--format', 'json', ref])).stdout,
      ) as DiscoverDoc;
      const byWharf = await w(['discover', '--format', 'json', ref]);
      expect(byWharf.code, byWharf.stderr).toBe(0);
      expect(JSON.parse(byWharf.stdout)).toEqual(byOras);
      expect(shape(byOras)).toMatchObject({
        referrers: [{ artifactType: SIG, referrers: [{ artifactType: 'sbom/x' }] }],
      });
      expect(normaliseTree((await w(['discover', ref])).stdout)).toBe(
        normaliseTree((await o(['discover', ref])).stdout),
      );
    });
  },
);

describe.skipIf(!oras)("Wharf's registry: push, pull, attach, discover both ways", () => {
  let reg: TestRegistry;
  let dir: ReturnType<typeof tempDir>;
  const o = (args: string[]) => run(oras ?? '', [...args, '--plain-http'], { cwd: dir.path });
  const w = (args: string[]) => wharf(args, { cwd: dir.path });

  beforeAll(async () => {
    reg = await startWharfRegistry();
    dir = tempDir('wharf-cli-own-');
    writeFileSync(join(dir.path, 'hi.txt'), 'hello\n');
    writeFileSync(
      join(dir.path, 'bin.dat'),
      Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256)),
    );
    writeFileSync(join(dir.path, 'sig.json'), '{"sig":1}');
    // Over 1 MiB: pushed and pulled streamed (smaller files go through one buffer each way).
    writeFileSync(
      join(dir.path, 'big.dat'),
      Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => (i * 13) % 251)),
    );
  });
  afterAll(async () => {
    await reg?.stop();
    dir?.remove();
  });

  it('oras push → wharf pull: same digests and bytes', async () => {
    const ref = `${reg.host}/o2w:v1`;
    const pushed = await o([
      'push',
      '--format',
      'json',
      ref,
      'hi.txt',
      'bin.dat:application/octet-stream',
      'big.dat',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const digest = (JSON.parse(pushed.stdout) as { digest: string }).digest;
    const pulled = await w(['pull', '-o', 'o2w', '--format', 'json', ref]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const doc = JSON.parse(pulled.stdout) as {
      reference: string;
      files: { path: string; digest: string }[];
    };
    expect(doc.reference).toBe(`${reg.host}/o2w@${digest}`);
    expect(doc.files).toHaveLength(3);
    for (const f of ['hi.txt', 'bin.dat', 'big.dat']) {
      expect(readFileSync(join(dir.path, 'o2w', f))).toEqual(readFileSync(join(dir.path, f)));
    }
    expect((await w(['resolve', ref])).stdout.trim()).toBe(digest);
    const wm = await w(['manifest', 'fetch', ref]);
    const om = await o(['manifest', 'fetch', ref]);
    expect(wm.stdout).toBe(om.stdout);
  });

  it('wharf push → oras pull: same digests and bytes; text output like oras', async () => {
    const ref = `${reg.host}/w2o:v1,v2`;
    const pushed = await w(['push', ref, 'hi.txt', 'bin.dat', 'big.dat']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/^Uploading [0-9a-f]{12} hi\.txt$/m);
    expect(pushed.stdout).toMatch(/^Uploaded {2}[0-9a-f]{12} bin\.dat$/m);
    expect(pushed.stdout).toMatch(
      new RegExp(
        `^Pushed \\[registry\\] ${reg.host}/w2o:v1\\nTagged v2\\nArtifactType: application/vnd.unknown.artifact.v1\\nDigest: sha256:[0-9a-f]{64}\\n$`,
        'm',
      ),
    );
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    const pulled = await o(['pull', '-o', 'w2o', `${reg.host}/w2o:v2`]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain(`Digest: ${digest}`);
    for (const f of ['hi.txt', 'bin.dat', 'big.dat']) {
      expect(readFileSync(join(dir.path, 'w2o', f))).toEqual(readFileSync(join(dir.path, f)));
    }
  });

  it('attach and discover agree both ways (referrers API)', async () => {
    const ref = `${reg.host}/ref:v1`;
    expect((await w(['push', ref, 'hi.txt'])).code).toBe(0);
    expect((await w(['attach', '--artifact-type', SIG, ref, 'sig.json'])).code).toBe(0);
    expect((await o(['attach', '--artifact-type', 'sbom/example', ref, 'hi.txt'])).code).toBe(0);
    const ow = await o(['discover', '--format', 'json', ref]);
    const ww = await w(['discover', '--format', 'json', ref]);
    expect(JSON.parse(ww.stdout)).toEqual(JSON.parse(ow.stdout));
    expect((JSON.parse(ww.stdout) as DiscoverDoc).referrers).toHaveLength(2);
    expect(normaliseTree((await w(['discover', ref])).stdout)).toBe(
      normaliseTree((await o(['discover', ref])).stdout),
    );
  });

  it('pull --include-subject gets the subject chain, the same files as oras', async () => {
    const ref = `${reg.host}/subj:v1`;
    expect((await w(['push', ref, 'hi.txt'])).code).toBe(0);
    const att = await w(['attach', '--artifact-type', SIG, '--format', 'json', ref, 'sig.json']);
    expect(att.code, att.stderr).toBe(0);
    const sig = `${reg.host}/subj@${(JSON.parse(att.stdout) as { digest: string }).digest}`;
    const only = await w(['pull', '-o', 'subj-only', sig]);
    expect(only.code, only.stderr).toBe(0);
    expect(readdirSync(join(dir.path, 'subj-only'))).toEqual(['sig.json']);
    const wp = await w(['pull', '--include-subject', '-o', 'subj-w', sig]);
    expect(wp.code, wp.stderr).toBe(0);
    const op = await o(['pull', '--include-subject', '-o', 'subj-o', sig]);
    expect(op.code, op.stderr).toBe(0);
    expect(readdirSync(join(dir.path, 'subj-w')).sort()).toEqual(['hi.txt', 'sig.json']);
    expect(readdirSync(join(dir.path, 'subj-w')).sort()).toEqual(
      readdirSync(join(dir.path, 'subj-o')).sort(),
    );
    expect(readFileSync(join(dir.path, 'subj-w', 'hi.txt'))).toEqual(
      readFileSync(join(dir.path, 'hi.txt')),
    );
  });
});
