import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSource, MemoryLayerCache, type Catalog } from '@wharf/sbom';
import {
  fixtureLayouts,
  osvFixturesFor,
  readJson,
  REPO_ROOT,
  versionIn,
  type Fixture,
} from '../test/helpers.js';
import { VulnDb } from './db.js';
import { filterFindings, parseIgnoreFile, parseOpenVex, parseSeverities } from './filters.js';
import { dbFile, importOsv } from './import.js';
import {
  packageFromPurl,
  packagesFromCatalog,
  packagesFromSbom,
  targetFromCatalog,
} from './packages.js';
import { toCycloneDxVex, toJsonReport, toSarif, toTable, type ScanReport } from './report.js';
import { matchPackages, type Finding } from './scan.js';

const layouts = fixtureLayouts();
let work: string;
let db: VulnDb;
const catalogs = new Map<Fixture, Catalog>();
const cache = new MemoryLayerCache();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-scan-'));
  // Records at "the installed version" follow the base image's current versions (the images
  // come from Debian's live archive); without the images, the records as written.
  const base = layouts === undefined ? [] : (await catalogOf('base')).packages;
  const osv = await osvFixturesFor(join(work, 'osv'), (pkg) => versionIn(base, pkg));
  await importOsv(work, osv);
  db = VulnDb.open(dbFile(work));
}, 300_000);
afterAll(async () => {
  db.close();
  await rm(work, { recursive: true, force: true });
});

const line = (f: Finding): string =>
  `${f.package.name} ${f.package.version} ${f.id} ${f.severity}/${f.severitySource} ${f.status} ${f.fixedVersion}`.trimEnd();

/**
 * Expected findings as `name id severity status [fixed]`; the installed version, which moves
 * with Debian's updates, is taken from the catalog and put after the name.
 */
function expected(c: Catalog, rows: readonly string[]): string[] {
  return rows.map((r) => {
    const [name = '', ...rest] = r.split(' ');
    return [name, versionIn(c.packages, name), ...rest].join(' ');
  });
}

const BASE = [
  'zlib1g DEBIAN-CVE-2099-1005 HIGH/cvss_v4 fixed 1:1.2.13.dfsg-2',
  'login DEBIAN-CVE-2099-1008 MEDIUM/debian affected',
  'passwd DEBIAN-CVE-2099-1008 MEDIUM/debian affected',
  'bash DEBIAN-CVE-2099-1003 LOW/debian fixed 5.2.15-3',
  'libsystemd0 DEBIAN-CVE-2099-1004 LOW/debian affected',
  'libudev1 DEBIAN-CVE-2099-1004 LOW/debian affected',
  'libtinfo6 DEBIAN-CVE-2099-1007 UNKNOWN/none affected',
  'ncurses-base DEBIAN-CVE-2099-1007 UNKNOWN/none affected',
  'ncurses-bin DEBIAN-CVE-2099-1007 UNKNOWN/none affected',
];

async function catalogOf(f: Fixture): Promise<Catalog> {
  const have = catalogs.get(f);
  if (have !== undefined) return have;
  const c = await catalogSource(
    { kind: 'oci-layout', path: layouts?.get(f) ?? '' },
    { platform: 'linux/amd64', cache },
  );
  catalogs.set(f, c);
  return c;
}

describe.skipIf(layouts === undefined)('scanning the sbom fixture images', () => {
  it('matches Debian advisories by source package with dpkg ordering (base image)', async () => {
    const c = await catalogOf('base');
    // The premises of the records, on the image as Debian ships it today: zlib1g carries epoch 1
    // (1005, 1006), bash is a binNMU of 5.2.15-2 below 5.2.15-3 (1003), glibc is past deb12u10
    // (1002); the records at the installed version were rewritten to it (osvFixturesFor).
    expect(versionIn(c.packages, 'zlib1g')).toMatch(/^1:1\.2\.13\.dfsg-1(\+deb12u\d+)?$/);
    expect(versionIn(c.packages, 'bash')).toMatch(/^5\.2\.15-2\+(b|deb12u)\d+$/);
    expect(versionIn(c.packages, 'libc6')).toMatch(/^2\.36-9\+deb12u(1[1-9]|[2-9]\d)$/);
    const r = matchPackages(db, packagesFromCatalog(c));
    expect(r.warnings).toEqual([]);
    expect(r.findings.map(line)).toEqual(expected(c, BASE));
    // not matched, on purpose: glibc fixed below the installed version, zlib 1.2.14-1 without
    // epoch, a Debian:11-only openssl record, a withdrawn perl record, tar fixed at the installed version
    const ids = new Set(r.findings.map((f) => f.id));
    for (const id of ['1002', '1006', '1009', '1010', '1012'])
      expect(ids.has(`DEBIAN-CVE-2099-${id}`)).toBe(false);
  }, 300_000);

  it('matches npm, PyPI and Go packages (node, python, go images)', async () => {
    const lang = async (f: Fixture) => {
      const c = await catalogOf(f);
      const base = expected(await catalogOf('base'), BASE);
      return {
        c,
        found: matchPackages(db, packagesFromCatalog(c))
          .findings.filter((x) => x.package.class === 'lang-pkgs' || !base.includes(line(x)))
          .map(line),
      };
    };
    const node = await lang('node');
    expect(node.found).toEqual(
      expected(node.c, [
        'libnode108 DEBIAN-CVE-2099-1011 HIGH/debian fixed 18.99.0+dfsg-1~deb12u1',
        'libssl3 DEBIAN-CVE-2099-1001 HIGH/debian fixed 3.0.99-1~deb12u1',
        'nodejs DEBIAN-CVE-2099-1011 HIGH/debian fixed 18.99.0+dfsg-1~deb12u1',
        'undici GHSA-wh7r-f1x7-0002 HIGH/advisory fixed 5.19.1',
        'lodash GHSA-wh7r-f1x7-0001 MEDIUM/cvss_v3 fixed 4.17.22',
        'acorn GHSA-wh7r-f1x7-0004 UNKNOWN/none affected',
      ]),
    );
    const python = await lang('python');
    expect(python.found).toEqual(
      expected(python.c, [
        'libssl3 DEBIAN-CVE-2099-1001 HIGH/debian fixed 3.0.99-1~deb12u1',
        'openssl DEBIAN-CVE-2099-1001 HIGH/debian fixed 3.0.99-1~deb12u1',
        'requests PYSEC-2099-3001 MEDIUM/cvss_v3 fixed 2.31.0',
        'libncursesw6 DEBIAN-CVE-2099-1007 UNKNOWN/none affected',
        'urllib3 PYSEC-2099-3002 UNKNOWN/none fixed 1.26.18',
      ]),
    );
    // Two Go toolchains: Debian's (umoci, 1.19.8) and this machine's (gofmt), whichever it is.
    const go = await lang('go');
    const toolchains = go.c.packages
      .filter((p) => p.name === 'stdlib')
      .map((p) => p.version.replace(/^go/, ''));
    const newer = toolchains.filter((v) => v !== '1.19.8');
    expect(toolchains).toContain('1.19.8');
    expect(newer).toHaveLength(1);
    expect(go.found).toEqual([
      'stdlib 1.19.8 GO-2099-4001 UNKNOWN/none fixed 1.19.9, 1.20.4',
      ...newer.map((v) => `stdlib ${v} GO-2099-4002 UNKNOWN/none affected`),
    ]);
  }, 300_000);

  it('writes SARIF 2.1.0 valid against the official schema, laid out as Trivy', async () => {
    const c = await catalogOf('node');
    const report = reportOf(c, matchPackages(db, packagesFromCatalog(c)).findings);
    const sarif = toSarif(report) as unknown as SarifLog;
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toContain('DEBIAN-CVE-2099-1001');
    const rule = run?.tool.driver.rules.find((r) => r.id === 'DEBIAN-CVE-2099-1001');
    expect(rule).toMatchObject({
      name: 'OsPackageVulnerability',
      defaultConfiguration: { level: 'error' },
      properties: {
        'security-severity': '9.8',
        precision: 'very-high',
        tags: ['vulnerability', 'security', 'HIGH'],
      },
    });
    expect(rule?.help.text).toMatch(
      /^Vulnerability DEBIAN-CVE-2099-1001\nSeverity: HIGH\nPackage: libssl3\n/,
    );
    const lodash = run?.results.find((r) => r.ruleId === 'GHSA-wh7r-f1x7-0001');
    expect(lodash?.locations[0]?.physicalLocation.artifactLocation).toEqual({
      uri: 'usr/share/nodejs/lodash/package.json',
      uriBaseId: 'ROOTPATH',
    });
    const ssl = run?.results.find((r) => r.ruleId === 'DEBIAN-CVE-2099-1001');
    expect(ssl?.locations[0]?.message.text).toBe(
      `${report.target.name}: libssl3@${versionIn(c.packages, 'libssl3')}`,
    );
    expect(run?.results.length).toBe(report.findings.length);
    // One rule per vulnerability even when several packages have it
    expect(run?.tool.driver.rules.length).toBe(new Set(report.findings.map((f) => f.id)).size);
  }, 300_000);

  it('writes CycloneDX 1.6 VEX valid against the CycloneDX schema', async () => {
    const c = await catalogOf('node');
    const findings = matchPackages(db, packagesFromCatalog(c)).findings;
    const vex = parseOpenVex(
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        statements: [
          {
            vulnerability: { name: 'CVE-2099-2001' },
            products: [{ '@id': 'pkg:oci/node', subcomponents: [{ '@id': 'pkg:npm/lodash' }] }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
          },
        ],
      }),
      'v.json',
    );
    const filtered = filterFindings(findings, { vex: [vex] });
    expect(filtered.suppressed.map((s) => s.finding.id)).toEqual(['GHSA-wh7r-f1x7-0001']);
    const report = { ...reportOf(c, filtered.findings), suppressed: filtered.suppressed };
    const doc = toCycloneDxVex(report, '3e671687-395b-41f5-a30f-a58921a69b79');
    expect(cyclonedxValidator()(doc)).toBe(true);
    const vulns = doc['vulnerabilities'] as {
      id: string;
      analysis?: { state: string; justification?: string };
    }[];
    expect(vulns.find((v) => v.id === 'GHSA-wh7r-f1x7-0001')?.analysis).toMatchObject({
      state: 'not_affected',
      justification: 'code_not_reachable',
    });
    const json = toJsonReport(report);
    expect(json['summary']).toEqual({ CRITICAL: 0, HIGH: 5, MEDIUM: 2, LOW: 3, UNKNOWN: 4 });
    expect(toTable(report)).toMatch(
      /Total: 14 \(CRITICAL: 0, HIGH: 5, MEDIUM: 2, LOW: 3, UNKNOWN: 4\), suppressed: 1/,
    );
  }, 300_000);
});

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string; help: { text: string } }[] } };
    results: {
      ruleId: string;
      locations: {
        physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } };
        message: { text: string };
      }[];
    }[];
  }[];
}

function reportOf(c: Catalog, findings: Finding[]): ScanReport {
  return {
    tool: { name: 'wharf', version: '0.0.0-test' },
    createdAt: '2026-11-01T00:00:00Z',
    target: targetFromCatalog(c),
    database: { path: 'x', schemaVersion: 1, importedAt: undefined, source: undefined },
    packages: c.packages.length,
    scanned: c.packages.length,
    unsupported: {},
    findings,
    suppressed: [],
    warnings: [],
  };
}

type Validate = ((doc: unknown) => boolean) & { errors?: unknown[] | null };
/** ajv-draft-04 (the SARIF schema is draft-04); loaded untyped, its types resolve another ajv copy. */
function sarifValidator(): Validate {
  const require = createRequire(import.meta.url);
  const Draft04 = (
    require('ajv-draft-04') as { default: new (o: object) => { compile(s: object): Validate } }
  ).default;
  return new Draft04({ strict: false, allErrors: true }).compile(
    readJson(join(REPO_ROOT, 'packages/vulndb/test-fixtures/sarif-schema-2.1.0.json')) as object,
  );
}

function cyclonedxValidator() {
  const require = createRequire(import.meta.url);
  const dir = join(
    dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')),
    'res/schema',
  );
  const load = (n: string) => readJson(join(dir, n)) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  for (const n of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...load(n), $id: `http://cyclonedx.org/schema/${n}` });
  }
  const v = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  return (doc: unknown): boolean => {
    const ok = v(doc);
    if (!ok) throw new Error(JSON.stringify(v.errors?.slice(0, 3)));
    return ok;
  };
}

describe('packages, filters and parsers', () => {
  const finding = (over: Partial<Finding> & { purl: string }): Finding => {
    const pkg = packageFromPurl(over.purl);
    if (pkg === undefined) throw new Error('no version');
    return {
      id: 'CVE-2099-1',
      aliases: [],
      package: pkg,
      status: 'fixed',
      fixedVersion: '2',
      severity: 'HIGH',
      severitySource: 'cvss_v3',
      cvss: {},
      references: [],
      modified: '2026-01-01T00:00:00Z',
      ...over,
    };
  };

  it('maps purls to OSV ecosystems and source packages', () => {
    expect(
      packageFromPurl(
        'pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl',
      ),
    ).toMatchObject({
      ecosystem: 'Debian:12',
      name: 'libssl3',
      sourceName: 'openssl',
      class: 'os-pkgs',
    });
    expect(
      packageFromPurl(
        'pkg:deb/debian/bash@5.2.15-2%2Bb13?distro=debian-12&upstream=bash%405.2.15-2',
      ),
    ).toMatchObject({
      version: '5.2.15-2+b13',
      sourceName: 'bash',
      sourceVersion: '5.2.15-2',
    });
    expect(
      packageFromPurl('pkg:apk/alpine/busybox@1.36.1-r2?distro=alpine-3.19.1')?.ecosystem,
    ).toBe('Alpine:v3.19');
    expect(packageFromPurl('pkg:deb/ubuntu/bash@5.1?distro=ubuntu-22.04')?.ecosystem).toBe(
      'Ubuntu:22.04:LTS',
    );
    expect(packageFromPurl('pkg:npm/%40types/lodash@4.14.177')).toMatchObject({
      ecosystem: 'npm',
      name: '@types/lodash',
    });
    expect(packageFromPurl('pkg:golang/stdlib@go1.19.8')).toMatchObject({
      ecosystem: 'Go',
      version: '1.19.8',
    });
    expect(packageFromPurl('pkg:maven/org.apache/commons-lang3@3.12.0')?.name).toBe(
      'org.apache:commons-lang3',
    );
    expect(packageFromPurl('pkg:gem/rails@7.0.0')?.ecosystem).toBe('RubyGems');
    expect(packageFromPurl('pkg:nuget/Newtonsoft.Json@13.0.1')?.ecosystem).toBeUndefined();
    expect(packageFromPurl('pkg:npm/left-pad')).toBeUndefined();
    expect(() => packageFromPurl('not a purl')).toThrow(/malformed purl/);
  });

  it('reads SPDX and CycloneDX SBOMs and rejects malformed ones clearly', () => {
    const spdx = JSON.stringify({
      spdxVersion: 'SPDX-2.3',
      name: 'x',
      packages: [
        {
          name: 'a',
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:npm/a@1.0.0',
            },
          ],
        },
        { name: 'b' },
      ],
    });
    expect(packagesFromSbom(spdx, 'x.spdx.json')).toMatchObject({
      format: 'spdx',
      withoutPurl: 1,
      packages: [{ name: 'a' }],
    });
    const cdx = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { purl: 'pkg:pypi/requests@2.28.1', components: [{ purl: 'pkg:pypi/idna@3.3' }] },
      ],
    });
    expect(packagesFromSbom(cdx, 'x.cdx.json').packages.map((p) => p.name)).toEqual([
      'requests',
      'idna',
    ]);
    expect(() => packagesFromSbom('{', 'a.json')).toThrow(/a\.json is not JSON/);
    expect(() => packagesFromSbom('{"spdxVersion":"SPDX-3.0"}', 'a.json')).toThrow(
      /invalid SPDX document: spdxVersion: expected SPDX-2.2 or SPDX-2.3/,
    );
    expect(() =>
      packagesFromSbom(
        '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"purl":5}]}',
        'a.json',
      ),
    ).toThrow(/invalid CycloneDX document: components\.0\.purl/);
    expect(() => packagesFromSbom('{"hello":1}', 'a.json')).toThrow(/neither SPDX JSON/);
    expect(() =>
      packagesFromSbom(
        '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"purl":"pkg:"}]}',
        'a.json',
      ),
    ).toThrow(/malformed purl/);
  });

  it('filters by severity and fix status; ignore entries expire with a warning', () => {
    const fs = [
      finding({ purl: 'pkg:npm/a@1', id: 'CVE-2099-1', severity: 'CRITICAL' }),
      finding({
        purl: 'pkg:npm/b@1',
        id: 'CVE-2099-2',
        severity: 'LOW',
        status: 'affected',
        fixedVersion: '',
      }),
      finding({ purl: 'pkg:npm/c@1', id: 'GHSA-x', aliases: ['CVE-2099-3'], severity: 'HIGH' }),
    ];
    expect(
      filterFindings(fs, { severities: parseSeverities('critical,HIGH') }).findings.map(
        (f) => f.id,
      ),
    ).toEqual(['CVE-2099-1', 'GHSA-x']);
    expect(filterFindings(fs, { ignoreUnfixed: true }).findings.map((f) => f.id)).toEqual([
      'CVE-2099-1',
      'GHSA-x',
    ]);
    expect(() => parseSeverities('HIGH,SEVERE')).toThrow(/unknown severity "SEVERE"/);
    const ignore = parseIgnoreFile(
      `vulnerabilities:
  - id: CVE-2099-3
    package: pkg:npm/c
    reason: not reachable
    expires: 2027-01-01
  - id: CVE-2099-1
    reason: old exception
    expires: 2026-01-01
`,
      '.wharfignore',
    );
    const r = filterFindings(fs, { ignore, now: new Date('2026-06-01T00:00:00Z') });
    expect(r.findings.map((f) => f.id)).toEqual(['CVE-2099-1', 'CVE-2099-2']);
    expect(r.suppressed.map((s) => [s.finding.id, s.by, s.statement])).toEqual([
      ['GHSA-x', 'ignore-file', 'not reachable'],
    ]);
    expect(r.warnings).toEqual([
      'ignore entry CVE-2099-1 expired on 2026-01-01 and no longer applies',
    ]);
    const json = parseIgnoreFile(
      '{"vulnerabilities":[{"id":"CVE-2099-2","package":"b"}]}',
      'i.json',
    );
    expect(filterFindings(fs, { ignore: json }).findings.map((f) => f.id)).toEqual([
      'CVE-2099-1',
      'GHSA-x',
    ]);
    expect(() => parseIgnoreFile('vulnerabilities:\n  - id: X\n    expires: soon\n', 'f')).toThrow(
      /vulnerabilities\.0\.expires: expected a date/,
    );
    expect(() => parseIgnoreFile('vulnerabilities:\n  - reason: x\n', 'f')).toThrow(
      /vulnerabilities\.0\.id/,
    );
    expect(() => parseIgnoreFile('ignore: [1]', 'f')).toThrow(
      /IGNORE|vulnerabilities|Unrecognized/i,
    );
  });

  it('OpenVEX not_affected suppresses by purl (version optional); other statuses do not', () => {
    const fs = [
      finding({ purl: 'pkg:npm/a@1.0.0', id: 'CVE-2099-1' }),
      finding({ purl: 'pkg:npm/a@2.0.0', id: 'CVE-2099-1' }),
      finding({ purl: 'pkg:npm/b@1.0.0', id: 'CVE-2099-1' }),
    ];
    const doc = (statements: object[]) =>
      parseOpenVex(
        JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', statements }),
        'v.json',
      );
    const versioned = doc([
      {
        vulnerability: { name: 'CVE-2099-1' },
        products: [{ '@id': 'pkg:npm/a@1.0.0' }],
        status: 'not_affected',
        justification: 'component_not_present',
      },
    ]);
    expect(filterFindings(fs, { vex: [versioned] }).findings.map((f) => f.package.purl)).toEqual([
      'pkg:npm/a@2.0.0',
      'pkg:npm/b@1.0.0',
    ]);
    const any = doc([
      {
        vulnerability: { name: 'CVE-2099-1' },
        products: [{ '@id': 'pkg:npm/a' }],
        status: 'not_affected',
      },
    ]);
    expect(filterFindings(fs, { vex: [any] }).findings.map((f) => f.package.purl)).toEqual([
      'pkg:npm/b@1.0.0',
    ]);
    const affected = doc([
      {
        vulnerability: { name: 'CVE-2099-1' },
        products: [{ '@id': 'pkg:npm/a' }],
        status: 'affected',
      },
    ]);
    expect(filterFindings(fs, { vex: [affected] }).findings).toHaveLength(3);
    expect(() => parseOpenVex('{"statements":[]}', 'v.json')).toThrow(
      /not an OpenVEX document: @context/,
    );
    expect(() => doc([{ vulnerability: { name: 'X' }, status: 'maybe' }])).toThrow(
      /statements\.0\.status/,
    );
  });
});
