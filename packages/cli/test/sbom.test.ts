import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@wharf/cli';
import { hostPlatform } from '@wharf/sbom';
import { tempDir, wharf } from './helpers.js';
import {
  debianEntries,
  dpkgStanza,
  makeTar,
  OS_RELEASE,
  writeIndexLayout,
  writeLayout,
} from './sbom-images.js';

interface SpdxDoc {
  creationInfo: { created: string };
  packages: { name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }[];
}

const purls = (doc: SpdxDoc): string[] =>
  doc.packages
    .flatMap((p) => p.externalRefs ?? [])
    .map((r) => r.referenceLocator)
    .filter((l) => l.startsWith('pkg:'));

describe('wharf sbom (local targets)', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const w = (args: string[], extra: Record<string, string> = {}) =>
    wharf(args, { cwd: dir.path, env: { ...env, ...extra } });

  beforeAll(async () => {
    dir = tempDir('wharf-cli-sbom-');
    env = { XDG_CACHE_HOME: join(dir.path, 'cache') };
    await writeLayout(join(dir.path, 'layout'), 'v1', [debianEntries()]);
    await writeIndexLayout(join(dir.path, 'multi'), 'v1');
    execFileSync('tar', ['-cf', join(dir.path, 'layout.tar'), '-C', join(dir.path, 'layout'), '.']);
  });
  afterAll(() => dir?.remove());

  it('prints a table by default, with layer progress on stderr', async () => {
    const r = await w(['sbom', 'layout:v1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+VERSION\s+TYPE$/m);
    expect(r.stdout).toMatch(/^bash\s+5\.2\.15-2\+b2\s+deb$/m);
    expect(r.stdout).toMatch(/^lodash\s+4\.17\.21\s+npm$/m);
    expect(r.stderr).toMatch(/^Cataloged layer 1\/1 [0-9a-f]{12} \d/m);
    const quiet = await w(['sbom', '-q', 'layout:v1']);
    expect(quiet.stderr).toBe('');
  });

  it('redraws one progress line on a TTY stderr, and prints plain lines with --no-tty', async () => {
    const runTty = async (extra: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(['sbom', '--no-cache', 'layout:v1', ...extra], {
        stdout: { write: (t: string) => (stdout += t), isTTY: true },
        stderr: { write: (t: string) => (stderr += t), isTTY: true },
        env: { HOME: dir.path, ...env },
        cwd: dir.path,
        signal: new AbortController().signal,
      });
      return { code, stdout, stderr };
    };
    const tty = await runTty([]);
    expect(tty.code, tty.stderr).toBe(0);
    const ERASE = '\r\u001b[K';
    expect(tty.stderr.startsWith(`${ERASE}Cataloging layer 1/1 `)).toBe(true);
    expect(tty.stderr).toContain('\r\x1b[KCataloged  layer 1/1');
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(tty.stdout).toMatch(/^NAME/);
    const plain = await runTty(['--no-tty']);
    expect(plain.stderr).toMatch(/^Cataloged layer 1\/1 [0-9a-f]{12} .*\n$/);
  });

  it('writes reproducible SPDX under SOURCE_DATE_EPOCH, and the same for every target form', async () => {
    const epoch = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = await w(['sbom', '--format', 'spdx-json', 'layout:v1'], epoch);
    const b = await w(['sbom', '--no-cache', '-o', 'spdx-json', 'oci-layout:layout:v1'], epoch);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const doc = JSON.parse(a.stdout) as SpdxDoc;
    expect(doc.creationInfo.created).toBe('2023-11-14T22:13:20Z');
    expect(purls(doc)).toContain('pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12');
    // oci-layout: prefix and plain path name the image alike, so the documents are identical.
    expect(b.stdout.replace('oci-layout:', '')).toBe(a.stdout);
    const c = await w(['sbom', '--oci-layout', '-o', 'spdx-json', 'layout:v1'], epoch);
    expect(c.stdout).toBe(a.stdout);
  });

  it('uses the layer cache on the second run and not with --no-cache', async () => {
    const cold = await w(['sbom', 'layout:v1'], { XDG_CACHE_HOME: join(dir.path, 'c2') });
    const warm = await w(['sbom', 'layout:v1'], { XDG_CACHE_HOME: join(dir.path, 'c2') });
    const off = await w(['sbom', '--no-cache', 'layout:v1'], {
      XDG_CACHE_HOME: join(dir.path, 'c2'),
    });
    expect(cold.stderr).not.toMatch(/\(cached\)/);
    expect(warm.stderr).toMatch(/\(cached\)/);
    expect(off.stderr).not.toMatch(/\(cached\)/);
    expect(warm.stdout).toBe(cold.stdout);
    expect(
      execFileSync('find', [join(dir.path, 'c2', 'wharf', 'sbom'), '-name', '*.json'], {
        encoding: 'utf8',
      }),
    ).toMatch(/sha256\/[0-9a-f]{64}\.json$/m);
  });

  it('writes several outputs with the syft -o spelling and --output-file', async () => {
    const r = await w(['sbom', 'layout:v1', '-o', 'cyclonedx-json=out.cdx.json', '-o', 'table']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NAME/);
    const cdx = JSON.parse(readFileSync(join(dir.path, 'out.cdx.json'), 'utf8')) as {
      bomFormat: string;
      specVersion: string;
    };
    expect([cdx.bomFormat, cdx.specVersion]).toEqual(['CycloneDX', '1.6']);
    const f = await w(['sbom', 'layout:v1', '--format', 'spdx-json', '--output-file', 'o.json']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe('');
    expect(
      (JSON.parse(readFileSync(join(dir.path, 'o.json'), 'utf8')) as SpdxDoc).packages.length,
    ).toBeGreaterThan(3);
  });

  it('writes JSON on one line like syft, indented with --pretty, the same document either way', async () => {
    const epoch = { SOURCE_DATE_EPOCH: '0' };
    const compact = await w(['sbom', 'layout:v1', '-o', 'spdx-json'], epoch);
    expect(compact.code, compact.stderr).toBe(0);
    expect(compact.stdout.endsWith('\n')).toBe(true);
    expect(compact.stdout.trimEnd().split('\n')).toHaveLength(1);
    const pretty = await w(['sbom', 'layout:v1', '-o', 'spdx-json', '--pretty'], epoch);
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toMatch(/^\{\n {2}"spdxVersion": "SPDX-2.3",\n/);
    expect(JSON.parse(pretty.stdout)).toEqual(JSON.parse(compact.stdout));
  });

  it('picks the platform of an index (default the host)', async () => {
    const arm = await w(['sbom', 'multi:v1', '--platform', 'linux/arm64']);
    expect(arm.code, arm.stderr).toBe(0);
    expect(arm.stdout).toMatch(/^zsh\s/m);
    expect(arm.stdout).not.toMatch(/^bash\s/m);
    const host = hostPlatform();
    const def = await w(['sbom', 'multi:v1']);
    if (host === 'linux/amd64') expect(def.stdout).toMatch(/^bash\s/m);
    else if (host === 'linux/arm64') expect(def.stdout).toMatch(/^zsh\s/m);
    else expect(def.stderr).toMatch(/PLATFORM_NOT_FOUND/);
    const none = await w(['sbom', 'multi:v1', '--platform', 'linux/s390x']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /no manifest for linux\/s390x .*has linux\/amd64, linux\/arm64.*\(PLATFORM_NOT_FOUND\)/,
    );
  });

  it('reads an OCI archive and a root filesystem directory', async () => {
    const epoch = { SOURCE_DATE_EPOCH: '0' };
    const fromTar = await w(['sbom', 'layout.tar', '-o', 'spdx-json'], epoch);
    expect(fromTar.code, fromTar.stderr).toBe(0);
    const fromArchive = await w(['sbom', 'oci-archive:layout.tar:v1', '-o', 'spdx-json'], epoch);
    expect(fromArchive.code, fromArchive.stderr).toBe(0);
    expect(purls(JSON.parse(fromArchive.stdout) as SpdxDoc)).toEqual(
      purls(JSON.parse(fromTar.stdout) as SpdxDoc),
    );
    const root = join(dir.path, 'rootfs');
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), OS_RELEASE);
    writeFileSync(join(root, 'var/lib/dpkg/status'), dpkgStanza('curl', '7.88.1-10'));
    const fromDir = await w(['sbom', 'rootfs', '-o', 'spdx-json'], epoch);
    expect(fromDir.code, fromDir.stderr).toBe(0);
    expect(purls(JSON.parse(fromDir.stdout) as SpdxDoc)).toContain(
      'pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12',
    );
    expect((await w(['sbom', 'dir:rootfs'])).stdout).toMatch(/^curl\s/m);
  });

  it('rejects bad usage with exit 2', async () => {
    for (const args of [
      ['sbom', 'layout:v1', '--format', 'syft-json'],
      ['sbom', 'layout:v1', '-o', 'table', '-o', 'spdx-json'],
      ['sbom', 'layout:v1', '--attach', '--format', 'table'],
      ['sbom', 'dir:nowhere', '--attach'],
      ['sbom', 'layout.tar:v1', '--attach'],
      ['sbom', 'layout:v1', '--platform', 'linux'],
      ['sbom', 'layout:v1', '--key', 'k'],
    ]) {
      const r = await w(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^Error: .+ \(USAGE\)$/m);
    }
    const epoch = await w(['sbom', 'layout:v1'], { SOURCE_DATE_EPOCH: 'yesterday' });
    expect(epoch.code).toBe(2);
    expect(epoch.stderr).toMatch(/SOURCE_DATE_EPOCH/);
  });

  it('bad layers: a corrupt or truncated layer exits 1 with LAYER_CORRUPT; unsafe paths warn', async () => {
    const good = gzipSync(await makeTar(debianEntries()));
    await writeLayout(join(dir.path, 'corrupt'), 'v1', [Buffer.from('not gzip at all')]);
    await writeLayout(join(dir.path, 'short'), 'v1', [good.subarray(0, good.length >> 1)]);
    for (const name of ['corrupt', 'short']) {
      const r = await w(['sbom', '--no-cache', `${name}:v1`]);
      expect(r.code, name).toBe(1);
      expect(r.stderr).toMatch(/^Error: layer sha256:[0-9a-f]{64} .*\(LAYER_CORRUPT\)$/m);
      expect(r.stdout).toBe('');
    }
    await writeLayout(join(dir.path, 'unsafe'), 'v1', [
      debianEntries([
        { name: '../../etc/evil', content: 'x' },
        { name: 'loop/a', type: 'symlink', linkname: 'b' },
        { name: 'loop/b', type: 'symlink', linkname: 'a' },
        { name: 'etc/out', type: 'symlink', linkname: '/../../../../etc/shadow' },
      ]),
    ]);
    const r = await w(['sbom', '--no-cache', 'unsafe:v1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Warning: .* \(PATH_UNSAFE\)$/m);
    expect(r.stdout).toMatch(/^bash\s/m);
  });

  it('a tampered layer blob exits 1 (LAYER_CORRUPT or DIGEST_MISMATCH); a malformed dpkg status warns and goes on', async () => {
    const layer = gzipSync(await makeTar(debianEntries()));
    await writeLayout(join(dir.path, 'tampered'), 'v1', [layer]);
    const { createHash } = await import('node:crypto');
    const hex = createHash('sha256').update(layer).digest('hex');
    const forged = Buffer.from(layer);
    forged[forged.length - 10] = (forged[forged.length - 10] ?? 0) ^ 0xff;
    writeFileSync(join(dir.path, 'tampered', 'blobs', 'sha256', hex), forged);
    const r = await w(['sbom', '--no-cache', 'tampered:v1']);
    expect(r.code, r.stderr).toBe(1);
    // the flipped byte breaks the gzip stream before the digest is complete
    expect(r.stderr).toMatch(/\(LAYER_CORRUPT\)$/m);
    expect(r.stdout).toBe('');
    // a well-formed replacement is caught by the digest check when the blob has been read
    const other = gzipSync(await makeTar(debianEntries([{ name: 'x', content: 'y' }])));
    writeFileSync(join(dir.path, 'tampered', 'blobs', 'sha256', hex), other);
    const s = await w(['sbom', '--no-cache', 'tampered:v1']);
    expect(s.code, s.stderr).toBe(1);
    expect(s.stderr).toMatch(/\((DIGEST|SIZE)_MISMATCH\)$/m);
    expect(s.stdout).toBe('');
    await writeLayout(join(dir.path, 'baddpkg'), 'v1', [
      [
        { name: 'etc/os-release', content: OS_RELEASE },
        { name: 'var/lib/dpkg/status', content: '\u0000garbage without fields\n\nmore\n' },
        { name: 'usr/share/nodejs/a/package.json', content: '{"name":"a","version":"1.0.0"}' },
      ],
    ]);
    const p = await w(['sbom', '--no-cache', 'baddpkg:v1']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/^Warning: .*\[\/var\/lib\/dpkg\/status\] \(PARSE_FAILED\)$/m);
    expect(p.stdout).toMatch(/^a\s+1\.0\.0\s+npm$/m);
  });

  it('attaches the SBOM to an OCI layout image as a referrer', async () => {
    const r = await w(
      ['sbom', 'layout:v1', '--attach', '-o', 'spdx-json=a.spdx.json', '-o', 'cyclonedx-json'],
      { SOURCE_DATE_EPOCH: '1700000000' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Attached application\/spdx\+json to layout@sha256:[0-9a-f]{64}$/m);
    expect(r.stderr).toMatch(/^Attached application\/vnd\.cyclonedx\+json to /m);
    const d = await w(['discover', '--oci-layout', '--format', 'json', 'layout:v1']);
    expect(d.code, d.stderr).toBe(0);
    const tree = JSON.parse(d.stdout) as {
      referrers: { artifactType: string; digest: string; annotations: Record<string, string> }[];
    };
    const types = tree.referrers.map((x) => x.artifactType).sort();
    expect(types).toEqual(['application/spdx+json', 'application/vnd.cyclonedx+json']);
    const spdxRef = tree.referrers.find((x) => x.artifactType === 'application/spdx+json');
    expect(spdxRef?.annotations['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
    const m = await w(['manifest', 'fetch', '--oci-layout', `layout@${spdxRef?.digest ?? ''}`]);
    const manifest = JSON.parse(m.stdout) as {
      artifactType: string;
      layers: { mediaType: string; digest: string }[];
      subject: { digest: string };
    };
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]?.mediaType).toBe('application/spdx+json');
    const blob = await w([
      'blob',
      'fetch',
      '--oci-layout',
      '-o',
      'pulled.json',
      `layout@${manifest.layers[0]?.digest ?? ''}`,
    ]);
    expect(blob.code, blob.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'pulled.json'), 'utf8')).toBe(
      readFileSync(join(dir.path, 'a.spdx.json'), 'utf8'),
    );
  });
});
