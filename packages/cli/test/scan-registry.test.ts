/**
 * `wharf scan --attach [--sign]` on a real registry (distribution v3): the report becomes a
 * referrer of the image, oras discovers image → report → signature, oras pulls the report back
 * byte for byte, and notation v1.3.2 verifies the report's signature.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '@wharf/testkit';
import { peer, run, startDistribution, tempDir, wharf, type TestRegistry } from './helpers.js';
import { debianEntries, writeLayout } from './sbom-images.js';

const oras = peer('oras');
const registryBin = peer('registry');
const notation1 = requirePeer('notation1');
const OSV = resolve(dirname(fileURLToPath(import.meta.url)), '../../vulndb/test-fixtures/osv');

function notation(
  args: readonly string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      notation1 ?? '',
      [...args],
      { env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'cfg') } },
      (err, stdout, stderr) =>
        res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!oras || !registryBin || !notation1)(
  'wharf scan --attach --sign on distribution v3',
  () => {
    let dir: ReturnType<typeof tempDir>;
    let reg: TestRegistry;
    let env: Record<string, string>;
    const w = (args: string[]) => wharf(args, { cwd: dir.path, env });
    const o = (args: string[]) => run(oras ?? '', [...args, '--plain-http'], { cwd: dir.path });

    beforeAll(async () => {
      dir = tempDir('wharf-cli-scan-reg-');
      env = { XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_CONFIG_HOME: join(dir.path, 'cfg') };
      await writeLayout(join(dir.path, 'layout'), 'v1', [debianEntries()]);
      reg = await startDistribution(registryBin ?? '');
      const gen = await notation(['cert', 'generate-test', '--default', 'wharf.test'], dir.path);
      expect(gen.code, gen.stderr).toBe(0);
      mkdirSync(join(dir.path, 'cfg', 'notation'), { recursive: true });
      writeFileSync(
        join(dir.path, 'cfg', 'notation', 'trustpolicy.json'),
        JSON.stringify({
          version: '1.0',
          trustPolicies: [
            {
              name: 'reports',
              registryScopes: ['*'],
              signatureVerification: { level: 'strict' },
              trustStores: ['ca:wharf.test'],
              trustedIdentities: ['*'],
            },
          ],
        }),
      );
      const imp = await w(['db', 'import', OSV]);
      expect(imp.code, imp.stderr).toBe(0);
    });
    afterAll(async () => {
      await reg?.stop();
      dir?.remove();
    });

    it('attaches a signed SARIF report: image → report → signature, notation verifies it', async () => {
      const ref = `${reg.host}/scanned:v1`;
      expect((await w(['cp', '--from-oci-layout', 'layout:v1', ref])).code).toBe(0);
      const r = await w(['scan', '--attach', '--sign', '--format', 'sarif', ref]);
      expect(r.code, r.stderr).toBe(0);
      const sarif = JSON.parse(r.stdout) as { runs: { results: { ruleId: string }[] }[] };
      expect(sarif.runs[0]?.results.map((x) => x.ruleId).sort()).toEqual([
        'DEBIAN-CVE-2099-1003',
        'GHSA-wh7r-f1x7-0001',
      ]);
      const report = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(r.stderr)?.[1] ?? '';
      const sig = /^Signature: (sha256:[0-9a-f]{64})$/m.exec(r.stderr)?.[1] ?? '';
      expect(report, r.stderr).not.toBe('');
      expect(sig, r.stderr).not.toBe('');

      const img = JSON.parse((await o(['discover', '--format', 'json', ref])).stdout) as {
        digest: string;
      };
      const tree = await o(['discover', '--format', 'tree', ref]);
      expect(tree.code, tree.stderr).toBe(0);
      const skeleton = tree.stdout
        .split('\n')
        .filter((l) => !/\[annotations\]|: /.test(l))
        .join('\n');
      expect(skeleton).toBe(
        `${reg.host}/scanned@${img.digest}\n` +
          `└── application/sarif+json\n    └── ${report}\n` +
          `        └── application/vnd.cncf.notary.signature\n            └── ${sig}\n`,
      );
      const pulled = await o([
        'pull',
        '-o',
        join(dir.path, 'pulled'),
        `${reg.host}/scanned@${report}`,
      ]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(readFileSync(join(dir.path, 'pulled', 'report.sarif.json'), 'utf8')).toBe(r.stdout);

      const ok = await notation(
        ['verify', '--insecure-registry', `${reg.host}/scanned@${report}`],
        dir.path,
      );
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      expect(ok.stdout).toContain(
        `Successfully verified signature for ${reg.host}/scanned@${report}`,
      );
      const unsigned = await notation(
        ['verify', '--insecure-registry', `${reg.host}/scanned@${img.digest}`],
        dir.path,
      );
      expect(unsigned.code).not.toBe(0);
    });

    it('scans an OCI layout and an OCI archive offline; a missing tag is an error', async () => {
      const layout = await w(['scan', '--format', 'json', 'layout:v1']);
      expect(layout.code, layout.stderr).toBe(0);
      const doc = JSON.parse(layout.stdout) as {
        target: { kind: string; os?: object };
        findings: { id: string; package: { name: string; locations: string[] } }[];
      };
      expect(doc.target).toMatchObject({ kind: 'image', os: { family: 'debian', name: '12' } });
      expect(doc.findings.map((f) => `${f.package.name} ${f.id}`)).toEqual([
        'lodash GHSA-wh7r-f1x7-0001',
        'bash DEBIAN-CVE-2099-1003',
      ]);
      expect(doc.findings[0]?.package.locations).toEqual(['/usr/share/nodejs/lodash/package.json']);
      // the same layout as an OCI archive (a tar of the layout directory)
      execFileSync('tar', [
        '-C',
        join(dir.path, 'layout'),
        '-cf',
        join(dir.path, 'layout.tar'),
        '.',
      ]);
      const archive = await w(['scan', '--format', 'json', 'layout.tar']);
      expect(archive.code, archive.stderr).toBe(0);
      expect(
        (JSON.parse(archive.stdout) as { findings: { id: string }[] }).findings.map((f) => f.id),
      ).toEqual(doc.findings.map((f) => f.id));
      const missing = await w(['scan', 'layout:v9']);
      expect(missing.code, missing.stdout + missing.stderr).toBe(1);
      expect(missing.stderr).toContain('NOT_FOUND');
    });

    it('attaches the JSON report under the Wharf artifact type; --sign alone is a usage error', async () => {
      const ref = `${reg.host}/json:v1`;
      expect((await w(['cp', '--from-oci-layout', 'layout:v1', ref])).code).toBe(0);
      const r = await w(['scan', '--attach', '--exit-code', '5', ref]);
      expect(r.code, r.stderr).toBe(5);
      expect(JSON.parse(r.stdout)).toHaveProperty('schemaVersion', 1);
      const d = JSON.parse((await o(['discover', '--format', 'json', ref])).stdout) as {
        referrers: { artifactType: string }[];
      };
      expect(d.referrers.map((x) => x.artifactType)).toEqual([
        'application/vnd.wharf.vulnerability-report.v1+json',
      ]);
      expect((await w(['scan', '--sign', ref])).code).toBe(2);
      const nokey = await w([
        'scan',
        '--attach',
        '--sign',
        '--key',
        'missing',
        `${reg.host}/json:v1`,
      ]);
      expect(nokey.code).toBe(1);
      const after = JSON.parse((await o(['discover', '--format', 'json', ref])).stdout) as {
        referrers: unknown[];
      };
      expect(after.referrers).toHaveLength(1);
    });
  },
);
