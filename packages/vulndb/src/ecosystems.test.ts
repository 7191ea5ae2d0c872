/**
 * rpm-family (Red Hat, Rocky Linux, AlmaLinux, openSUSE), Alpine, Maven, RubyGems and crates.io
 * matching from an SBOM, against OSV records written for the purpose
 * (test-fixtures/osv-ecosystems), and side by side with osv-scanner on the same SBOM; rpm matching
 * of a catalogued root filesystem (a real rpmdb), side by side with osv-scanner's image scan. Every
 * difference must be listed, with a reason, in test-fixtures/osv-scanner-differences.json
 * (fixture `ecosystems-sbom`).
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSource } from '@wharf/sbom';
import { requirePeer } from '@wharf/testkit';
import { fixtureRecordFiles, readJson, REPO_ROOT, writeZip } from '../test/helpers.js';
import { VulnDb } from './db.js';
import { dbFile, importOsv } from './import.js';
import { packageFromPurl, packagesFromCatalog, packagesFromSbom } from './packages.js';
import { matchPackages, type Finding } from './scan.js';

const RECORDS = join(REPO_ROOT, 'packages/vulndb/test-fixtures/osv-ecosystems');

/** Real package identities as syft writes them (qualifiers sorted, SRPM file as `upstream`). */
const PURLS = [
  'pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm',
  'pkg:rpm/rocky/libcurl@7.76.1-29.el9_4?arch=x86_64&distro=rocky-9.3&upstream=curl-7.76.1-29.el9_4.src.rpm',
  'pkg:rpm/redhat/sudo@1.9.5p2-9.el9?arch=x86_64&distro=rhel-9.4&upstream=sudo-1.9.5p2-9.el9.src.rpm',
  'pkg:rpm/almalinux/glibc-common@2.34-100.el9_4.2?arch=x86_64&distro=almalinux-9.4&upstream=glibc-2.34-100.el9_4.2.src.rpm',
  'pkg:rpm/almalinux/glibc-minimal-langpack@2.34-100.el9_4.1?arch=x86_64&distro=almalinux-9.4&upstream=glibc-2.34-100.el9_4.1.src.rpm',
  'pkg:rpm/opensuse/libxml2-2@2.10.3-150500.5.11.1?arch=x86_64&distro=opensuse-leap-15.5&upstream=libxml2-2.10.3-150500.5.11.1.src.rpm',
  'pkg:rpm/suse/libopenssl3@3.0.8-150500.5.8.1?arch=x86_64&distro=sles-15.5&upstream=openssl-3-3.0.8-150500.5.8.1.src.rpm',
  'pkg:apk/alpine/libcrypto3@3.1.4-r3?arch=x86_64&distro=alpine-3.19.1&upstream=openssl',
  'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
  'pkg:maven/org.apache.logging.log4j/log4j-api@2.17.1',
  'pkg:gem/rack@2.2.6.2',
  'pkg:gem/nokogiri@1.16.0',
  'pkg:cargo/openssl@0.10.48',
  'pkg:cargo/smallvec@1.13.2',
  'pkg:nuget/Newtonsoft.Json@13.0.1',
];

const cyclonedx = JSON.stringify({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  metadata: { component: { type: 'container', name: 'mixed-ecosystems' } },
  components: PURLS.map((purl) => {
    const p = packageFromPurl(purl);
    return { type: 'library', name: p?.name ?? '', version: p?.version ?? '', purl };
  }),
});

let work: string;
let db: VulnDb;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-ecosystems-'));
  await importOsv(work, RECORDS);
  db = VulnDb.open(dbFile(work));
});
afterAll(async () => {
  db.close();
  await rm(work, { recursive: true, force: true });
});

const line = (f: Finding): string =>
  `${f.package.name} ${f.package.version} ${f.id} ${f.severity}/${f.severitySource} ${f.status} ${f.fixedVersion}`.trimEnd();

describe('CycloneDX file components', () => {
  it('are neither packages nor purl-less entries, nested or not (Wharf and Syft shapes)', () => {
    const file = (name: string) => ({
      type: 'file',
      name,
      hashes: [{ alg: 'SHA-256', content: '0'.repeat(64) }],
    });
    const doc = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        {
          type: 'library',
          name: 'smallvec',
          version: '1.13.2',
          purl: 'pkg:cargo/smallvec@1.13.2',
          components: [file('/usr/lib/x.so'), file('/usr/lib/y.so')],
        },
        file('/etc/top-level-like-syft'),
        { type: 'library', name: 'no-purl' },
      ],
    });
    const sbom = packagesFromSbom(doc, 'bom.cdx.json');
    expect(sbom.packages.map((p) => p.name)).toEqual(['smallvec']);
    expect(sbom.withoutPurl).toBe(1);
  });
});

describe('rpm family, Alpine, Maven, RubyGems and crates.io from an SBOM', () => {
  it('maps the purls to OSV ecosystems, source rpms and epochs', () => {
    const sbom = packagesFromSbom(cyclonedx, 'bom.cdx.json');
    const byName = new Map(sbom.packages.map((p) => [p.name, p]));
    expect(byName.get('openssl-libs')).toMatchObject({
      ecosystem: 'Rocky Linux:9',
      version: '1:3.0.7-27.el9',
      sourceName: 'openssl',
      sourceVersion: '3.0.7-27.el9',
      class: 'os-pkgs',
    });
    expect(byName.get('sudo')?.ecosystem).toBe('Red Hat:enterprise_linux:9');
    expect(byName.get('glibc-common')).toMatchObject({
      ecosystem: 'AlmaLinux:9',
      sourceName: 'glibc',
    });
    expect(byName.get('libxml2-2')?.ecosystem).toBe('openSUSE:Leap 15.5');
    expect(byName.get('libcrypto3')).toMatchObject({
      ecosystem: 'Alpine:v3.19',
      sourceName: 'openssl',
    });
    expect(byName.get('org.apache.logging.log4j:log4j-core')?.ecosystem).toBe('Maven');
    expect(byName.get('rack')?.ecosystem).toBe('RubyGems');
    expect(byName.get('smallvec')?.ecosystem).toBe('crates.io');
    // SUSE Linux Enterprise: OSV's SUSE ecosystem names a product string that `distro=sles-15.5`
    // does not give; NuGet: no ordering yet. Both are counted as unsupported, never as clean.
    expect(byName.get('libopenssl3')?.ecosystem).toBeUndefined();
    expect(byName.get('Newtonsoft.Json')?.ecosystem).toBeUndefined();
    // the epoch is written only for ecosystems whose advisories carry it (Red Hat, Alma, Rocky)
    expect(
      packageFromPurl(
        'pkg:rpm/opensuse/vim@9.0.2103-150500.20.6.1?distro=opensuse-leap-15.5&epoch=1',
      )?.version,
    ).toBe('9.0.2103-150500.20.6.1');
    expect(
      packageFromPurl('pkg:rpm/rocky-linux/bash@5.1.8-9.el9?distro=rocky-linux-9')?.ecosystem,
    ).toBe('Rocky Linux:9');
    expect(packageFromPurl('pkg:rpm/mageia/bash@5.2.15-1.mga9?distro=mageia-9')?.ecosystem).toBe(
      'Mageia:9',
    );
    // a vendor namespace that contradicts the distro qualifier is not trusted
    expect(
      packageFromPurl('pkg:rpm/redhat/bash@5.1.8-9.el9?distro=rocky-9.3')?.ecosystem,
    ).toBeUndefined();
    expect(packageFromPurl('pkg:rpm/redhat/bash@5.1.8-9.el9')?.ecosystem).toBeUndefined();
  });

  it('matches with each ecosystem’s ordering, including the negative cases', () => {
    const r = matchPackages(db, packagesFromSbom(cyclonedx, 'bom.cdx.json').packages);
    expect(r.warnings).toEqual([]);
    expect(r.unsupported).toEqual({ nuget: 1, rpm: 1 });
    expect(r.scanned).toBe(13);
    expect(r.findings.map(line)).toEqual(EXPECTED);
    // not matched, on purpose: an epochless fix below the installed epoch (5002), last_affected
    // below the installed release (5004), a RHEL 8-only record (6002), glibc-common at the fixed
    // version (7001 for it), an Alpine v3.18-only record (9002), log4j-api at its fix, nokogiri
    // 1.16.0 above its fix 1.16.0.rc1, smallvec above its fix
    const ids = new Set(r.findings.map((f) => `${f.package.name} ${f.id}`));
    for (const k of [
      'openssl-libs RLSA-2099:5002',
      'libcurl RLSA-2099:5004',
      'sudo RHSA-2099:6002',
      'glibc-common ALSA-2099:7001',
      'libcrypto3 ALPINE-CVE-2099-9002',
      'org.apache.logging.log4j:log4j-api GHSA-wh7r-m4vn-0003',
      'nokogiri GHSA-wh7r-g3m5-0002',
      'smallvec RUSTSEC-2099-0002',
    ])
      expect(ids.has(k), k).toBe(false);
  });
});

let rootfs: string | undefined;

describe('an rpm-based root filesystem (a real rpmdb)', () => {
  it('matches Rocky Linux 9 advisories on the catalogued packages, with their epochs', async () => {
    // the Berkeley DB rpmdb @wharf/sbom's tests use (written by rpm: wharf-hello 2:1.2.3-4.fc40,
    // wharf-tiny 0.1-1) under a Rocky Linux 9.3 os-release
    const root = join(work, 'rocky-rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'var/lib/rpm'), { recursive: true });
    await writeFile(
      join(root, 'etc/os-release'),
      'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n',
    );
    await copyFile(
      join(REPO_ROOT, 'packages/sbom/test-fixtures/rpm/Packages'),
      join(root, 'var/lib/rpm/Packages'),
    );
    rootfs = root;
    const packages = packagesFromCatalog(await catalogSource({ kind: 'rootfs', path: root }));
    expect(packages.map((p) => `${p.purl} ${p.ecosystem ?? '-'} ${p.version}`)).toEqual([
      'pkg:rpm/rocky/wharf-hello@1.2.3-4.fc40?arch=noarch&distro=rocky-9.3&epoch=2&upstream=wharf-hello-1.2.3-4.fc40.src.rpm Rocky Linux:9 2:1.2.3-4.fc40',
      'pkg:rpm/rocky/wharf-tiny@0.1-1?arch=noarch&distro=rocky-9.3&upstream=wharf-tiny-0.1-1.src.rpm Rocky Linux:9 0.1-1',
    ]);
    const r = matchPackages(db, packages);
    expect(r.warnings).toEqual([]);
    // RLSA-2099:5006 (fixed 1.2.4-1.fc40, epoch 0) is below the installed epoch 2: not affected
    expect(r.findings.map(line)).toEqual([
      'wharf-hello 2:1.2.3-4.fc40 RLSA-2099:5005 MEDIUM/cvss_v3 fixed 2:1.2.3-5.fc40',
      'wharf-tiny 0.1-1 RLSA-2099:5007 MEDIUM/cvss_v3 affected',
    ]);
  });
});

const EXPECTED = [
  'glibc-minimal-langpack 2.34-100.el9_4.1 ALSA-2099:7001 CRITICAL/cvss_v3 fixed 2.34-100.el9_4.2',
  'libcurl 7.76.1-29.el9_4 RLSA-2099:5003 CRITICAL/cvss_v3 affected',
  'openssl 0.10.48 RUSTSEC-2099-0001 CRITICAL/cvss_v3 fixed 0.10.55',
  'org.apache.logging.log4j:log4j-core 2.14.1 GHSA-wh7r-m4vn-0001 CRITICAL/cvss_v3 fixed 2.15.0',
  'org.apache.logging.log4j:log4j-core 2.14.1 GHSA-wh7r-m4vn-0002 CRITICAL/cvss_v3 fixed 2.3.1, 2.12.2, 2.16.0',
  'rack 2.2.6.2 GHSA-wh7r-g3m5-0001 CRITICAL/cvss_v3 fixed 2.2.6.3, 3.0.4.2',
  'sudo 1.9.5p2-9.el9 RHSA-2099:6001 CRITICAL/cvss_v3 fixed 0:1.9.5p2-10.el9_6.1',
  'libcrypto3 3.1.4-r3 ALPINE-CVE-2099-9001 MEDIUM/cvss_v3 fixed 3.1.4-r5',
  'libxml2-2 2.10.3-150500.5.11.1 openSUSE-SU-2099:8001-1 MEDIUM/cvss_v3 fixed 2.10.3-150500.5.17.1',
  'openssl-libs 1:3.0.7-27.el9 RLSA-2099:5001 MEDIUM/cvss_v3 fixed 1:3.0.7-28.el9_4',
];

interface Difference {
  readonly fixture: string;
  readonly finding: string;
  readonly side: 'wharf-only' | 'osv-scanner-only';
  readonly reason: string;
}

interface OsvOutput {
  results?: {
    packages?: {
      package: { name: string; version: string; ecosystem: string };
      vulnerabilities?: { id: string }[];
    }[];
  }[];
}

const osvScanner = requirePeer('osv-scanner');
const umoci = requirePeer('umoci');
const skopeo = requirePeer('skopeo');

/** osv-scanner 2.5's local database layout: <dir>/osv-scalibr/<Ecosystem>/all.zip. */
async function osvDatabase(): Promise<string> {
  const root = join(work, 'osvdb');
  const ecosystems = (await readdir(RECORDS, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  // NuGet has no records here; osv-scanner still wants its (empty) database
  for (const eco of [...ecosystems, 'NuGet']) {
    const dir = join(root, 'osv-scalibr', eco);
    if (existsSync(join(dir, 'all.zip'))) continue;
    await mkdir(dir, { recursive: true });
    const files = eco === 'NuGet' ? [] : fixtureRecordFiles(join(RECORDS, eco));
    await writeZip(
      join(dir, 'all.zip'),
      await Promise.all(
        files.map(async (f) => ({ name: f, content: await readFile(join(RECORDS, eco, f)) })),
      ),
    );
  }
  return root;
}

/** Runs osv-scanner offline; its findings as `name@version id`. */
async function runOsvScanner(args: string[]): Promise<string[]> {
  const cache = await osvDatabase();
  let out: string;
  try {
    out = execFileSync(
      osvScanner ?? '',
      [...args, '--offline-vulnerabilities', '--format', 'json'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY: cache },
      },
    );
  } catch (err) {
    // exit 1 means "vulnerabilities found"; the JSON is still on stdout
    const e = err as { status?: number; stdout?: string; stderr?: string };
    if (e.status !== 1 || e.stdout === undefined)
      throw new Error(`osv-scanner failed: ${e.stderr ?? String(err)}`, { cause: err });
    out = e.stdout;
  }
  return [
    ...new Set(
      ((JSON.parse(out) as OsvOutput).results ?? []).flatMap((r) =>
        (r.packages ?? []).flatMap((p) =>
          (p.vulnerabilities ?? []).map((v) => `${p.package.name}@${p.package.version} ${v.id}`),
        ),
      ),
    ),
  ].sort();
}

describe.skipIf(osvScanner === undefined)('side by side with osv-scanner on the same SBOM', () => {
  it('finds the same vulnerabilities, except the listed differences', async () => {
    const sbom = join(work, 'mixed.cdx.json');
    await writeFile(sbom, cyclonedx);
    const theirs = await runOsvScanner(['scan', 'source', '-L', sbom]);
    const wharf = [
      ...new Set(
        matchPackages(db, packagesFromSbom(cyclonedx, 'bom.cdx.json').packages).findings.map(
          (f) => `${f.package.name}@${f.package.version} ${f.id}`,
        ),
      ),
    ].sort();
    const listed = (
      readJson(join(REPO_ROOT, 'packages/vulndb/test-fixtures/osv-scanner-differences.json')) as {
        differences: Difference[];
      }
    ).differences.filter((d) => d.fixture === 'ecosystems-sbom');
    for (const d of listed) expect(d.reason.length, JSON.stringify(d)).toBeGreaterThan(20);
    expect({
      wharfOnly: wharf.filter((k) => !theirs.includes(k)),
      theirsOnly: theirs.filter((k) => !wharf.includes(k)),
    }).toEqual({
      wharfOnly: listed
        .filter((d) => d.side === 'wharf-only')
        .map((d) => d.finding)
        .sort(),
      theirsOnly: listed
        .filter((d) => d.side === 'osv-scanner-only')
        .map((d) => d.finding)
        .sort(),
    });
    expect(theirs.length).toBeGreaterThan(0);
  }, 120_000);
});

describe.skipIf(osvScanner === undefined || umoci === undefined || skopeo === undefined)(
  'side by side with osv-scanner on an rpm-based image',
  () => {
    it('finds the same vulnerabilities in the Rocky Linux 9 root filesystem as an image', async () => {
      expect(rootfs).toBeDefined();
      const dir = join(work, 'rocky-image');
      const layout = join(dir, 'oci');
      const bundle = join(dir, 'bundle');
      execFileSync(umoci ?? '', ['init', '--layout', layout]);
      execFileSync(umoci ?? '', ['new', '--image', `${layout}:latest`]);
      execFileSync(umoci ?? '', ['unpack', '--rootless', '--image', `${layout}:latest`, bundle]);
      execFileSync('cp', ['-a', `${rootfs ?? ''}/.`, join(bundle, 'rootfs')]);
      execFileSync(umoci ?? '', ['repack', '--image', `${layout}:latest`, bundle]);
      const archive = join(dir, 'rocky.docker.tar');
      execFileSync(skopeo ?? '', [
        'copy',
        '-q',
        `oci:${layout}:latest`,
        `docker-archive:${archive}:rocky:latest`,
      ]);
      // osv-scanner's rpm extractor: ecosystem `Rocky Linux`, binary names, the epoch prepended
      const theirs = await runOsvScanner(['scan', 'image', '--archive', archive]);
      const wharf = matchPackages(
        db,
        packagesFromCatalog(await catalogSource({ kind: 'rootfs', path: rootfs ?? '' })),
      ).findings.map((f) => `${f.package.name}@${f.package.version} ${f.id}`);
      expect(theirs).toEqual([
        'wharf-hello@2:1.2.3-4.fc40 RLSA-2099:5005',
        'wharf-tiny@0.1-1 RLSA-2099:5007',
      ]);
      expect(wharf.sort()).toEqual(theirs);
    }, 120_000);
  },
);
