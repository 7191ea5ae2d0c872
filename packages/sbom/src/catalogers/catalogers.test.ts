import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './apk.js';
import { dpkgCataloger, parseDebianCopyright, parseDpkgStatus } from './dpkg.js';
import { goPackages, parseModInfo, readGoBuildInfo } from './golang.js';
import { catalogJavaArchive, nameVersionFromFile } from './java.js';
import { parsePackageJson } from './npm.js';
import { distroFromFields, parseOsRelease } from './os-release.js';
import { normalizePypiName, parsePythonMetadata } from './python.js';
import { parseGemspec, rubyCataloger } from './ruby.js';
import { formatPurl, scopeToDistro } from '../identity/purl.js';
import { peerPath } from '../../test/peers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures');
const read = (p: string) => readFileSync(join(fixtures, p), 'utf8');
const debian12 = { id: 'debian', versionId: '12', idLike: [] };

/** `<GOROOT>/bin/<name>` of the `go` on PATH; throws when there is no Go toolchain. */
function goToolchainBinary(name: string): string {
  let goroot: string;
  try {
    goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(
      `no Go toolchain (\`go env GOROOT\` failed); \`npm test\` needs Go (README, Requirements)`,
      { cause: err },
    );
  }
  return join(goroot, 'bin', name);
}

/** A minimal zip writer (deflate) for jar fixtures. */
export function makeZip(files: Record<string, Uint8Array | string>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const raw = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    const data = deflateRawSync(raw);
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(raw.length, 24);
    cd.writeUInt16LE(nameBuf.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    central.push(cd, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, eocd]);
}

describe('dpkg', () => {
  it('parses a real status excerpt with Source and source versions (Syft purl shapes)', () => {
    const { packages, malformed } = parseDpkgStatus(read('dpkg/status'));
    expect(malformed).toBe(0);
    expect(packages.map((p) => p.name).sort()).toEqual([
      'base-files',
      'bash',
      'libc6',
      'libssl3',
      'tzdata',
    ]);
    const purls = packages.map((p) => formatPurl(scopeToDistro(p.purl, debian12)));
    const bash = purls.find((p) => p.startsWith('pkg:deb/debian/bash@'));
    expect(bash).toMatch(
      /^pkg:deb\/debian\/bash@5\.2\.15-2%2Bb\d+\?arch=amd64&distro=debian-12&upstream=bash%405\.2\.15-2$/,
    );
    const libc = purls.find((p) => p.startsWith('pkg:deb/debian/libc6@'));
    expect(libc).toMatch(
      /^pkg:deb\/debian\/libc6@2\.36-9%2Bdeb12u\d+\?arch=amd64&distro=debian-12&upstream=glibc$/,
    );
  });

  it('drops deinstalled stanzas and reports malformed ones', () => {
    const text = [
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n',
      'Package: kept\nStatus: install ok installed\nVersion: 2.0\nArchitecture: amd64\n',
      'this line has no colon\nVersion: 3\n',
    ].join('\n');
    const { packages, malformed } = parseDpkgStatus(text);
    expect(packages.map((p) => p.name)).toEqual(['kept']);
    expect(malformed).toBe(2);
  });

  it('refuses a status file with no valid stanza (the walker turns it into PARSE_FAILED)', () => {
    const meta = { path: '/var/lib/dpkg/status', size: 10, mode: 0o644 };
    expect(() => dpkgCataloger.parse(meta, Buffer.from('garbage\x00\x01\nmore garbage'))).toThrow(
      /no valid stanza/,
    );
  });

  it('reads file ownership from info/*.list and licenses from copyright', () => {
    const meta = { path: '/var/lib/dpkg/info/bash.list', size: 1, mode: 0o644 };
    const [ev] = dpkgCataloger.parse(meta, Buffer.from(read('dpkg/bash.list')));
    expect(ev?.kind).toBe('dpkg-files');
    if (ev?.kind === 'dpkg-files') {
      expect(ev.package).toBe('bash');
      expect(ev.dbDir).toBe('/var/lib/dpkg');
      expect(ev.files).toContain('/bin/bash');
    }
    expect(parseDebianCopyright(read('dpkg/adduser.copyright'))).toEqual(['GPL-2', 'GPL-2+']);
    const arch = dpkgCataloger.parse(
      { ...meta, path: '/var/lib/dpkg/info/libc6:amd64.list' },
      Buffer.from('/lib\n'),
    );
    expect(arch[0]?.kind === 'dpkg-files' && arch[0].package).toBe('libc6');
  });

  it('matches distroless status.d entries but not their md5sums', () => {
    const m = (path: string) => dpkgCataloger.match({ path, size: 100, mode: 0o644 });
    expect(m('/var/lib/dpkg/status.d/libc6')).toBe(true);
    expect(m('/var/lib/dpkg/status.d/libc6.md5sums')).toBe(false);
    expect(m('/usr/share/doc/bash/copyright')).toBe(true);
  });
});

describe('apk', () => {
  it('parses installed records with origin, license and owned files', () => {
    const db = [
      'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Maintainer <m@example.org>\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n',
      'P:libcrypto3\nV:3.1.4-r5\nA:x86_64\nL:Apache-2.0\no:openssl\nF:usr/lib\nR:libcrypto.so.3\n',
      'P:incomplete\n',
    ].join('\n');
    const pkgs = parseApkInstalled(db);
    expect(pkgs.map((p) => p.name)).toEqual(['musl', 'libcrypto3']);
    const alpine = { id: 'alpine', versionId: '3.19.1', idLike: [] };
    expect(pkgs.map((p) => formatPurl(scopeToDistro(p.purl, alpine)))).toEqual([
      'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
      'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl',
    ]);
    expect(pkgs[0]?.files).toEqual(['/lib/ld-musl-x86_64.so.1', '/lib/libc.musl-x86_64.so.1']);
  });
});

describe('npm', () => {
  it('parses scoped and plain package.json files', () => {
    const scoped = parsePackageJson(read('npm/types-node.package.json'));
    expect(scoped && formatPurl(scoped.purl)).toBe('pkg:npm/%40types/node@20.19.43');
    expect(scoped?.licenses).toEqual(['MIT']);
    const plain = parsePackageJson(read('npm/tar-stream.package.json'));
    expect(plain && formatPurl(plain.purl)).toBe('pkg:npm/tar-stream@3.2.2');
  });

  it('accepts legacy license shapes and skips nameless manifests', () => {
    expect(
      parsePackageJson('{"name":"a","version":"1","licenses":[{"type":"MIT"},{"type":"ISC"}]}')
        ?.licenses,
    ).toEqual(['MIT', 'ISC']);
    expect(
      parsePackageJson('{"name":"a","version":"1","license":{"type":"BSD-2-Clause"}}')?.licenses,
    ).toEqual(['BSD-2-Clause']);
    expect(parsePackageJson('{"version":"1"}')).toBeUndefined();
    expect(() => parsePackageJson('{not json')).toThrow();
  });
});

describe('python', () => {
  it('parses dist-info METADATA and egg-info PKG-INFO from real installs', () => {
    const a = parsePythonMetadata(read('python/annotated_types.METADATA'));
    expect(a && formatPurl(a.purl)).toBe('pkg:pypi/annotated-types@0.7.0');
    const jwt = parsePythonMetadata(read('python/PyJWT.PKG-INFO'));
    expect(jwt && formatPurl(jwt.purl)).toBe('pkg:pypi/pyjwt@2.6.0');
    expect(jwt?.licenses).toEqual(['MIT']);
    expect(normalizePypiName('Foo_Bar.baz')).toBe('foo-bar-baz');
  });
});

describe('go binaries', () => {
  // Both are always there where the tests run: the Go toolchain is a requirement of `npm test`
  // (README; scripts/peers.sh builds the peer tools with it) and umoci is one of the apt tools
  // scripts/peers.sh installs (CI runs it first). So a missing one fails, with how to get it.
  const realGoBinaries = [
    {
      name: 'gofmt of the Go toolchain',
      find: () => goToolchainBinary('gofmt'),
      path: 'cmd/gofmt',
    },
    {
      name: "Debian's umoci",
      find: () => {
        const umoci = peerPath('umoci');
        if (umoci === undefined) {
          throw new Error(
            'umoci is not on PATH nor in .peers/bin: `npm run peers` installs it (apt-get install umoci)',
          );
        }
        return umoci;
      },
      path: 'github.com/opencontainers/umoci/cmd/umoci',
    },
  ];
  it.each(realGoBinaries)('reads build info from a real Go binary: $name', ({ find, path }) => {
    const info = readGoBuildInfo(readFileSync(find()));
    expect(info?.goVersion).toMatch(/^go1\.\d+/);
    expect(info?.path).toBe(path);
    expect(info?.settings['-compiler']).toBe('gc');
  });

  it('reads inline (Go >= 1.18) build info with deps found by scanning for the magic', () => {
    const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
    const sentinel = Buffer.alloc(16, 0x30);
    const mod = Buffer.concat([
      sentinel,
      Buffer.from(
        'path\tgithub.com/evanw/esbuild/cmd/esbuild\nmod\tgithub.com/evanw/esbuild\t(devel)\t\ndep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:x=\nbuild\t-ldflags=-s -X main.version=0.25.0\n',
      ),
      sentinel,
    ]).toString('latin1');
    const header = Buffer.concat([
      Buffer.from('\xff Go buildinf:', 'latin1'),
      Buffer.from([8, 2]),
      Buffer.alloc(16),
    ]);
    const blob = Buffer.concat([
      Buffer.alloc(64, 1),
      header,
      str('go1.20.3'),
      str(mod),
      Buffer.alloc(32),
    ]);
    const info = readGoBuildInfo(blob);
    expect(info?.main?.path).toBe('github.com/evanw/esbuild');
    expect(
      goPackages(info ?? { goVersion: '', deps: [], settings: {} }).map((p) => formatPurl(p.purl)),
    ).toEqual([
      'pkg:golang/github.com/evanw/esbuild@v0.25.0',
      'pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8',
      'pkg:golang/stdlib@1.20.3',
    ]);
  });

  it('parses module lines with replacements and a Debian-style path-only build', () => {
    const mod =
      'path\texample.com/cmd/x\nmod\texample.com\tv1.2.3\th1:abc=\ndep\tgolang.org/x/text\tv0.3.0\th1:x=\n=>\tgolang.org/x/text\tv0.3.8\th1:y=\nbuild\t-compiler=gc\n';
    const info = parseModInfo('go1.21.4', mod);
    expect(goPackages(info).map((p) => formatPurl(p.purl))).toEqual([
      'pkg:golang/example.com@v1.2.3',
      'pkg:golang/golang.org/x/text@v0.3.8',
      'pkg:golang/stdlib@1.21.4',
    ]);
    const debian = parseModInfo(
      'go1.19.8',
      'path\tgithub.com/opencontainers/umoci/cmd/umoci\nbuild\t-buildmode=pie\n',
    );
    expect(goPackages(debian).map((p) => formatPurl(p.purl))).toEqual([
      'pkg:golang/github.com/opencontainers/umoci/cmd/umoci',
      'pkg:golang/stdlib@1.19.8',
    ]);
  });

  it('ignores ELF files without build info and non-ELF data', () => {
    expect(readGoBuildInfo(readFileSync('/bin/sh'))).toBeUndefined();
    expect(readGoBuildInfo(Buffer.from('not an elf at all, just text'))).toBeUndefined();
  });
});

describe('java archives', () => {
  it('prefers pom.properties, falls back to MANIFEST.MF, and recurses into nested jars', () => {
    const inner = makeZip({
      'META-INF/MANIFEST.MF':
        'Manifest-Version: 1.0\r\nImplementation-Title: inner\r\nImplementation-Version: 0.9\r\n\r\n',
    });
    const jar = makeZip({
      'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\nBundle-License: Apache-2.0\r\n\r\n',
      'META-INF/maven/org.apache.commons/commons-lang3/pom.properties':
        'groupId=org.apache.commons\nartifactId=commons-lang3\nversion=3.12.0\n',
      'META-INF/maven/com.google/shaded/pom.properties':
        '#c\ngroupId=com.google\nartifactId=shaded\nversion=1.0\n',
      'lib/inner-0.9.jar': inner,
    });
    const pkgs = catalogJavaArchive(jar, '/app/commons-lang3-3.12.0.jar');
    expect(pkgs.map((p) => formatPurl(p.purl))).toEqual([
      'pkg:maven/org.apache.commons/commons-lang3@3.12.0',
      'pkg:maven/com.google/shaded@1.0',
      'pkg:maven/inner@0.9',
    ]);
    expect(pkgs[0]?.licenses).toEqual(['Apache-2.0']);
    expect(nameVersionFromFile('guava-33.0.0-jre.jar')).toEqual({
      name: 'guava',
      version: '33.0.0-jre',
    });
    expect(() => catalogJavaArchive(Buffer.from('PK but not a zip'), '/x.jar')).toThrow(RangeError);
  });
});

describe('os-release', () => {
  it('parses quoted values and builds the distro', () => {
    const f = parseOsRelease(
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n# c\nID_LIKE="a b"\n',
    );
    expect(distroFromFields(f)).toEqual({
      id: 'debian',
      versionId: '12',
      idLike: ['a', 'b'],
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(distroFromFields({})).toBeUndefined();
  });
});

describe('ruby gemspecs', () => {
  it('reads an installed specification as RubyGems writes it', () => {
    const spec = [
      '# -*- encoding: utf-8 -*-',
      '# stub: rake 13.0.6 ruby lib',
      '',
      'Gem::Specification.new do |s|',
      '  s.name = "rake".freeze',
      '  s.version = "13.0.6"',
      '  s.authors = ["Hiroshi SHIBATA".freeze, "Eric Hodel".freeze]',
      '  s.homepage = "https://github.com/ruby/rake".freeze',
      '  s.licenses = ["MIT".freeze]',
      '  s.summary = "Rake is a Make-like program implemented in Ruby".freeze',
      'end',
    ].join('\n');
    const p = parseGemspec(spec);
    expect(p && formatPurl(p.purl)).toBe('pkg:gem/rake@13.0.6');
    expect(p?.licenses).toEqual(['MIT']);
    expect(p?.supplier).toBe('Hiroshi SHIBATA, Eric Hodel');
    expect(parseGemspec('Gem::Specification.new do |s|\nend\n')).toBeUndefined();
    const m = (path: string) => rubyCataloger.match({ path, size: 10, mode: 0o644 });
    expect(m('/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec')).toBe(true);
    expect(m('/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec')).toBe(true);
    expect(m('/src/rake.gemspec')).toBe(false);
  });
});
