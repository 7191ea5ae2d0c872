import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { fixedVersions, isAffected, type PackageQuery } from './match.js';
import { parseOsvRecord, type OsvRecord } from './schema.js';

type Events = ReadonlyArray<Record<string, string>>;

/** A record with one affected entry for `pkg` in `ecosystem` and one range of events. */
function record(
  ecosystem: string,
  name: string,
  ranges: Array<{ type: string; events: Events }>,
  versions?: string[],
): OsvRecord {
  return parseOsvRecord({
    id: 'TEST-0001',
    modified: '2024-01-01T00:00:00Z',
    affected: [{ package: { ecosystem, name }, ranges, ...(versions ? { versions } : {}) }],
  });
}

const q = (
  ecosystem: string,
  name: string,
  version: string,
  extra: Partial<PackageQuery> = {},
): PackageQuery => ({
  ecosystem,
  name,
  version,
  ...extra,
});

describe('range evaluation (OSV spec)', () => {
  const eco = (events: Events) => record('Debian:12', 'openssl', [{ type: 'ECOSYSTEM', events }]);
  const cases: ReadonlyArray<[string, Events, string, boolean]> = [
    ['introduced 0 affects everything', [{ introduced: '0' }], '0.1-1', true],
    [
      'introduced 0, fixed: below fix',
      [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }],
      '3.0.11-1~deb12u1',
      true,
    ],
    [
      'introduced 0, fixed: at fix',
      [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }],
      '3.0.11-1~deb12u2',
      false,
    ],
    [
      'introduced 0, fixed: above fix',
      [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }],
      '3.0.13-1~deb12u1',
      false,
    ],
    [
      'introduced: below introduced',
      [{ introduced: '3.0.0-1' }, { fixed: '3.0.2-1' }],
      '1.1.1n-0+deb11u5',
      false,
    ],
    [
      'introduced: at introduced',
      [{ introduced: '3.0.0-1' }, { fixed: '3.0.2-1' }],
      '3.0.0-1',
      true,
    ],
    ['last_affected: at', [{ introduced: '0' }, { last_affected: '3.0.9-1' }], '3.0.9-1', true],
    [
      'last_affected: above',
      [{ introduced: '0' }, { last_affected: '3.0.9-1' }],
      '3.0.9-1+b1',
      false,
    ],
    ['limit: below', [{ introduced: '0' }, { limit: '3.1.0-1' }], '3.0.15-1', true],
    ['limit: at', [{ introduced: '0' }, { limit: '3.1.0-1' }], '3.1.0-1', false],
    ['limit *', [{ introduced: '1.0-1' }, { limit: '*' }], '9.9-1', true],
    // Events are sorted by version before the walk, whatever their order in the record.
    [
      'unsorted events',
      [{ fixed: '2.0-1' }, { introduced: '1.0-1' }, { fixed: '4.0-1' }, { introduced: '3.0-1' }],
      '3.5-1',
      true,
    ],
    [
      'unsorted events, gap',
      [{ fixed: '2.0-1' }, { introduced: '1.0-1' }, { fixed: '4.0-1' }, { introduced: '3.0-1' }],
      '2.5-1',
      false,
    ],
    [
      'reintroduced after fix',
      [{ introduced: '0' }, { fixed: '2.0-1' }, { introduced: '3.0-1' }],
      '3.0-1',
      true,
    ],
    ['epoch beats fix', [{ introduced: '0' }, { fixed: '1:1.0-1' }], '2.0-1', true],
  ];
  it.each(cases)('%s', (_name, events, version, want) => {
    expect(isAffected(eco(events), q('Debian:12', 'openssl', version))).toBe(want);
  });

  it('matches if any of several ranges contains the version', () => {
    const r = record('npm', 'lodash', [
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.12' }] },
      { type: 'SEMVER', events: [{ introduced: '5.0.0' }, { fixed: '5.0.1' }] },
    ]);
    expect(isAffected(r, q('npm', 'lodash', '4.17.11'))).toBe(true);
    expect(isAffected(r, q('npm', 'lodash', '4.17.21'))).toBe(false);
    expect(isAffected(r, q('npm', 'lodash', '5.0.0'))).toBe(true);
    expect(isAffected(r, q('npm', 'lodash', '5.0.0-rc.1'))).toBe(false);
    expect(fixedVersions(r, q('npm', 'lodash', '4.17.11'))).toEqual(['4.17.12', '5.0.1']);
  });

  it('matches the explicit versions list by exact string', () => {
    const r = record('PyPI', 'Django', [], ['3.2.1', '3.2.2']);
    expect(isAffected(r, q('PyPI', 'django', '3.2.2'))).toBe(true);
    expect(isAffected(r, q('PyPI', 'django', '3.2.3'))).toBe(false);
  });

  it('skips an entry with neither ranges nor versions (as osv-scanner does)', () => {
    const r = parseOsvRecord({
      id: 'MAL-2024-1',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'npm', name: 'evil-pkg' } }],
    });
    expect(isAffected(r, q('npm', 'evil-pkg', '1.0.0'))).toBe(false);
  });

  it('ignores GIT ranges for package matching', () => {
    const r = record('PyPI', 'pillow', [
      {
        type: 'GIT',
        repo: 'https://github.com/python-pillow/Pillow',
        events: [{ introduced: '0' }, { fixed: 'abc123' }],
      } as never,
    ]);
    expect(isAffected(r, q('PyPI', 'Pillow', '9.0.0'))).toBe(false);
  });

  it('uses PEP 440, Maven and Go orderings', () => {
    const py = record('PyPI', 'requests', [
      { type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] },
    ]);
    expect(isAffected(py, q('PyPI', 'Requests', '2.31.0rc1'))).toBe(true);
    expect(isAffected(py, q('PyPI', 'requests', '2.31.0'))).toBe(false);
    const mvn = record('Maven', 'org.apache.logging.log4j:log4j-core', [
      { type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] },
    ]);
    expect(isAffected(mvn, q('Maven', 'org.apache.logging.log4j:log4j-core', '2.14.1'))).toBe(true);
    expect(isAffected(mvn, q('Maven', 'org.apache.logging.log4j:log4j-core', '2.0-alpha1'))).toBe(
      false,
    );
    const gomod = record('Go', 'golang.org/x/net', [
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] },
    ]);
    expect(
      isAffected(gomod, q('Go', 'golang.org/x/net', 'v0.0.0-20220722155237-a158d28d115b')),
    ).toBe(true);
    expect(isAffected(gomod, q('Go', 'golang.org/x/net', 'v0.17.0'))).toBe(false);
  });
});

describe('distro package identity', () => {
  const dsa = record('Debian:12', 'openssl', [
    { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] },
  ]);

  it('matches the source package name, comparing the binary version', () => {
    const libssl = q('Debian:12', 'libssl3', '3.0.14-1~deb12u2', { sourceName: 'openssl' });
    expect(isAffected(dsa, libssl)).toBe(true);
    expect(isAffected(dsa, q('Debian:12', 'libssl3', '3.0.14-1~deb12u2'))).toBe(false);
    expect(isAffected(dsa, { ...libssl, version: '3.0.15-1~deb12u1' })).toBe(false);
    expect(fixedVersions(dsa, libssl)).toEqual(['3.0.15-1~deb12u1']);
  });

  it('requires the same release', () => {
    expect(isAffected(dsa, q('Debian:11', 'openssl', '1.1.1w-0+deb11u1'))).toBe(false);
    expect(isAffected(dsa, q('Debian', 'openssl', '3.0.0-1'))).toBe(false);
  });

  it('matches Alpine releases by exact ecosystem string', () => {
    const a = record('Alpine:v3.19', 'openssl', [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.4-r1' }] },
    ]);
    expect(
      isAffected(a, q('Alpine:v3.19', 'libcrypto3', '3.1.4-r0', { sourceName: 'openssl' })),
    ).toBe(true);
    expect(isAffected(a, q('Alpine:3.19', 'openssl', '3.1.4-r0'))).toBe(false);
    expect(isAffected(a, q('Alpine', 'openssl', '3.1.4-r0'))).toBe(false);
    expect(isAffected(a, q('Alpine:v3.19', 'openssl', '3.1.4-r1'))).toBe(false);
    expect(isAffected(a, q('Alpine:v3.18', 'openssl', '3.1.4-r0'))).toBe(false);
  });

  it('matches Red Hat advisories on the binary rpm name', () => {
    const rh = record('Red Hat:enterprise_linux:9::baseos', 'openssl-libs', [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-18.el9_2' }] },
    ]);
    const eco = 'Red Hat:enterprise_linux:9::baseos';
    expect(
      isAffected(rh, q(eco, 'openssl-libs', '1:3.0.7-16.el9_2', { sourceName: 'openssl' })),
    ).toBe(true);
    expect(isAffected(rh, q(eco, 'openssl', '1:3.0.7-16.el9_2'))).toBe(false);
  });

  it('matches rpm-family advisories on the SRPM name too, with the same epoch:version-release', () => {
    const alsa = record('AlmaLinux:9', 'openssl', [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-27.el9' }] },
    ]);
    const libs = q('AlmaLinux:9', 'openssl-libs', '1:3.0.7-25.el9', { sourceName: 'openssl' });
    expect(isAffected(alsa, libs)).toBe(true);
    expect(isAffected(alsa, { ...libs, version: '1:3.0.7-27.el9' })).toBe(false);
    // the epoch decides: 0:3.0.8 is below 1:3.0.7
    expect(isAffected(alsa, { ...libs, version: '3.0.8-1.el9' })).toBe(true);
    expect(isAffected(alsa, { ...libs, ecosystem: 'AlmaLinux:8' })).toBe(false);
    expect(isAffected(alsa, { ...libs, sourceName: 'openssl3' })).toBe(false);
  });

  it('matches a Red Hat major version against every repository stream, never another major', () => {
    const rh = record('Red Hat:enterprise_linux:9::appstream', 'sudo', [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0:1.9.5p2-10.el9_6.1' }] },
    ]);
    expect(isAffected(rh, q('Red Hat:enterprise_linux:9', 'sudo', '1.9.5p2-9.el9'))).toBe(true);
    expect(
      isAffected(rh, q('Red Hat:enterprise_linux:9::appstream', 'sudo', '1.9.5p2-9.el9')),
    ).toBe(true);
    expect(isAffected(rh, q('Red Hat:enterprise_linux:9::baseos', 'sudo', '1.9.5p2-9.el9'))).toBe(
      false,
    );
    expect(isAffected(rh, q('Red Hat:enterprise_linux:8', 'sudo', '1.9.5p2-9.el9'))).toBe(false);
    expect(isAffected(rh, q('Red Hat:enterprise_linux:9', 'sudo', '1.9.5p2-10.el9_6.1'))).toBe(
      false,
    );
  });

  it('skips withdrawn records unless asked', () => {
    const w = parseOsvRecord({
      id: 'DSA-0000-1',
      modified: '2024-01-01T00:00:00Z',
      withdrawn: '2024-02-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'openssl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        },
      ],
    });
    expect(isAffected(w, q('Debian:12', 'openssl', '3.0.0-1'))).toBe(false);
    expect(isAffected(w, q('Debian:12', 'openssl', '3.0.0-1'), { includeWithdrawn: true })).toBe(
      true,
    );
  });
});

describe('bad input', () => {
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (err) {
      return isWharfError(err) ? err.code : 'not a WharfError';
    }
    return undefined;
  };
  const base = { id: 'X-1', modified: '2024-01-01T00:00:00Z' };
  const withRange = (range: unknown) => ({
    ...base,
    affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [range] }],
  });

  it.each([
    ['not JSON', '{"id": '],
    ['not an object', '[]'],
    ['missing id', { modified: base.modified }],
    ['missing modified', { id: 'X-1' }],
    ['bad timestamp', { ...base, modified: 'yesterday' }],
    ['unknown range type', withRange({ type: 'RANGE', events: [{ introduced: '0' }] })],
    [
      'event with two keys',
      withRange({ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }),
    ],
    [
      'event with unknown key',
      withRange({ type: 'SEMVER', events: [{ introduced: '0' }, { fixd: '1.0.0' }] }),
    ],
    ['no introduced', withRange({ type: 'SEMVER', events: [{ fixed: '1.0.0' }] })],
    [
      'fixed and last_affected',
      withRange({
        type: 'SEMVER',
        events: [{ introduced: '0' }, { fixed: '1.0.0' }, { last_affected: '0.9.0' }],
      }),
    ],
    ['GIT without repo', withRange({ type: 'GIT', events: [{ introduced: '0' }] })],
    ['empty events', withRange({ type: 'SEMVER', events: [] })],
    ['severity type', { ...base, severity: [{ type: 'CVSS_V9', score: 'x' }] }],
  ])('rejects a record with %s', (_name, input) => {
    expect(codeOf(() => parseOsvRecord(input))).toBe('OSV_RECORD_INVALID');
  });

  it('names the record and the field', () => {
    expect(() =>
      parseOsvRecord(withRange({ type: 'SEMVER', events: [{ fixed: '1.0.0' }] })),
    ).toThrow(
      /invalid OSV record X-1: affected\.0\.ranges\.0\.events: a range needs an "introduced" event/,
    );
  });

  it('reports unparsable installed and event versions, and unknown ecosystems', () => {
    const r = record('npm', 'a', [
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: 'one.two' }] },
    ]);
    expect(codeOf(() => isAffected(r, q('npm', 'a', '1.0.0')))).toBe('INVALID_VERSION');
    const ok = record('npm', 'a', [{ type: 'SEMVER', events: [{ introduced: '0' }] }]);
    expect(codeOf(() => isAffected(ok, q('npm', 'a', 'latest')))).toBe('INVALID_VERSION');
    const hs = record('Hackage', 'aeson', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
    expect(codeOf(() => isAffected(hs, q('Hackage', 'aeson', '2.0')))).toBe('UNKNOWN_ECOSYSTEM');
  });
});
