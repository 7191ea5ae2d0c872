/** `wharf db import|status` and `wharf scan` in-process: formats, filters, exit codes, errors. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CliDeps } from '../deps.js';
import { main } from '../main.js';

const OSV = resolve(dirname(fileURLToPath(import.meta.url)), '../../../vulndb/test-fixtures/osv');

let work: string;
function deps(): CliDeps & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { HOME: work, XDG_CACHE_HOME: join(work, 'cache') },
    cwd: work,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

const SBOM = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'app',
  documentNamespace: 'https://example.com/app',
  creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] },
  packages: [
    [
      'libssl3',
      'pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl',
    ],
    ['libc6', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc'],
    [
      'libsystemd0',
      'pkg:deb/debian/libsystemd0@252.39-1~deb12u2?distro=debian-12&upstream=systemd',
    ],
    ['lodash', 'pkg:npm/lodash@4.17.21'],
  ].map(([name, purl], i) => ({
    SPDXID: `SPDXRef-p${i}`,
    name,
    downloadLocation: 'NOASSERTION',
    externalRefs: [
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl },
    ],
  })),
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-cli-scan-'));
  await writeFile(join(work, 'app.spdx.json'), JSON.stringify(SBOM));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('wharf db and wharf scan', () => {
  it('scan without a database is an error naming the fix', async () => {
    const d = deps();
    expect(await main(['scan', 'app.spdx.json'], d)).toBe(1);
    expect(d.err()).toMatch(
      /no vulnerability database at .*cache\/wharf\/vulndb\/osv\.sqlite \(run "wharf db import/,
    );
  });

  it('imports into $XDG_CACHE_HOME/wharf/vulndb and reports status as text and JSON', async () => {
    const d = deps();
    expect(await main(['db', 'import', OSV], d)).toBe(0);
    expect(d.out()).toMatch(
      /^Imported 22 records from .*osv into .*cache\/wharf\/vulndb\/osv\.sqlite$/m,
    );
    expect(d.err()).toBe('Warning: 1 record skipped: not a .json file (e.g. README.md)\n');
    const s = deps();
    expect(await main(['db', 'status', '--output', 'json'], s)).toBe(0);
    const status = JSON.parse(s.out()) as {
      schemaVersion: number;
      records: number;
      ecosystems: Record<string, number>;
      source: string;
    };
    expect(status).toMatchObject({ schemaVersion: 1, records: 22, source: OSV });
    expect(status.ecosystems['Debian:12']).toBe(11);
    const t = deps();
    expect(await main(['db', 'status'], t)).toBe(0);
    expect(t.out()).toMatch(/^Schema version: 1$/m);
    expect(t.out()).toMatch(/^ {2}npm {22}5$/m);
  });

  it('scans an SBOM: table, JSON, SARIF, filters and exit codes', async () => {
    const d = deps();
    expect(await main(['scan', 'app.spdx.json'], d)).toBe(0);
    expect(d.out()).toMatch(/Total: 3 \(CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0\)/);
    expect(d.out()).toMatch(
      /^libssl3 +DEBIAN-CVE-2099-1001 +HIGH +fixed +3\.0\.22-1~deb12u2 +3\.0\.99-1~deb12u1/m,
    );

    const j = deps();
    expect(
      await main(
        [
          'scan',
          'app.spdx.json',
          '--format',
          'json',
          '--severity',
          'HIGH,MEDIUM',
          '--ignore-unfixed',
        ],
        j,
      ),
    ).toBe(0);
    const report = JSON.parse(j.out()) as {
      schemaVersion: number;
      findings: { id: string; package: { name: string } }[];
      target: object;
    };
    expect(report.schemaVersion).toBe(1);
    expect(report.target).toEqual({ kind: 'sbom', name: 'app' });
    expect(report.findings.map((f) => `${f.package.name} ${f.id}`)).toEqual([
      'libssl3 DEBIAN-CVE-2099-1001',
      'lodash GHSA-wh7r-f1x7-0001',
    ]);

    const e = deps();
    expect(await main(['scan', 'app.spdx.json', '--exit-code'], e)).toBe(3);
    expect(e.err()).toContain('3 vulnerabilities found (--exit-code 3)');
    const n = deps();
    expect(await main(['scan', 'app.spdx.json', '--format', 'json', '--exit-code', '9'], n)).toBe(
      9,
    );
    expect(() => JSON.parse(n.out()) as unknown).not.toThrow();
    const none = deps();
    expect(
      await main(['scan', 'app.spdx.json', '--exit-code', '9', '--severity', 'CRITICAL'], none),
    ).toBe(0);

    const f = deps();
    expect(
      await main(['scan', 'app.spdx.json', '--format', 'sarif', '--output-file', 'r.sarif'], f),
    ).toBe(0);
    expect(f.out()).toBe('');
    const sarif = JSON.parse(await readFile(join(work, 'r.sarif'), 'utf8')) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results).toHaveLength(3);
  });

  it('applies .wharfignore from the working directory and --vex; warns on expired entries', async () => {
    await writeFile(
      join(work, '.wharfignore'),
      'vulnerabilities:\n  - id: CVE-2099-1001\n    package: openssl\n    reason: accepted\n  - id: DEBIAN-CVE-2099-1004\n    expires: 2020-01-01\n',
    );
    await writeFile(
      join(work, 'vex.json'),
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        statements: [
          {
            vulnerability: { name: 'GHSA-wh7r-f1x7-0001' },
            products: [{ '@id': 'pkg:npm/lodash@4.17.21' }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_present',
          },
        ],
      }),
    );
    const d = deps();
    expect(await main(['scan', 'app.spdx.json', '--vex', 'vex.json', '--format', 'json'], d)).toBe(
      0,
    );
    const r = JSON.parse(d.out()) as {
      findings: { id: string }[];
      suppressed: { id: string; by: string }[];
    };
    expect(r.findings.map((f) => f.id)).toEqual(['DEBIAN-CVE-2099-1004']);
    expect(r.suppressed.map((s) => `${s.id} ${s.by}`)).toEqual([
      'DEBIAN-CVE-2099-1001 ignore-file',
      'GHSA-wh7r-f1x7-0001 vex',
    ]);
    expect(d.err()).toContain(
      'Warning: ignore entry DEBIAN-CVE-2099-1004 expired on 2020-01-01 and no longer applies',
    );
    await rm(join(work, '.wharfignore'));
  });

  it('scans a root filesystem directory, matching dpkg binaries by their Source: package', async () => {
    const root = join(work, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
    await writeFile(
      join(root, 'var/lib/dpkg/status'),
      [
        'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.22-1~deb12u2\n',
        'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n',
        'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u14\n',
      ].join('\n'),
    );
    const d = deps();
    expect(await main(['scan', 'rootfs', '--format', 'json'], d), d.err()).toBe(0);
    const r = JSON.parse(d.out()) as {
      target: object;
      findings: { id: string; package: { name: string; sourceName?: string } }[];
    };
    expect(r.target).toMatchObject({ kind: 'rootfs', os: { family: 'debian', name: '12' } });
    expect(
      r.findings.map((f) => `${f.package.name}/${f.package.sourceName ?? '-'} ${f.id}`),
    ).toEqual(['libssl3/openssl DEBIAN-CVE-2099-1001', 'bash/- DEBIAN-CVE-2099-1003']);
  });

  it('is offline: no socket is opened while scanning an SBOM or a directory', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
      throw new Error('network used');
    });
    try {
      // the spy sees a connection of the undici that Wharf's registry client uses (so its silence
      // below means something; Node's built-in fetch bypasses the public net module)
      await expect(request('http://127.0.0.1:9/')).rejects.toThrow();
      expect(connect).toHaveBeenCalled();
      connect.mockClear();
      for (const target of ['app.spdx.json', 'rootfs']) {
        const d = deps();
        expect(await main(['scan', target, '--format', 'sarif'], d), d.err()).toBe(0);
      }
      expect(connect).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
    }
  });

  it('rejects bad input: malformed SBOM (1), bad options (2)', async () => {
    await writeFile(
      join(work, 'bad.json'),
      '{"spdxVersion": "SPDX-2.3", "packages": [{"nope": 1}]}',
    );
    const b = deps();
    expect(await main(['scan', 'bad.json'], b)).toBe(1);
    expect(b.err()).toMatch(
      /bad\.json: invalid SPDX document: packages\.0\.name.*\(SBOM_INVALID\)/,
    );
    for (const args of [
      ['--severity', 'SEVERE'],
      ['--format', 'xml'],
      ['--exit-code', '300'],
      ['--attach', '--format', 'table'],
    ]) {
      const u = deps();
      expect(await main(['scan', 'app.spdx.json', ...args], u), args.join(' ')).toBe(2);
    }
    const a = deps();
    expect(await main(['scan', 'app.spdx.json', '--attach'], a)).toBe(2);
    expect(a.err()).toContain('--attach needs an image target');
  });
});
