import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { go, isPseudoVersion } from './go.js';
import { rpm, rpmvercmp } from './rpm.js';
import { semver } from './semver.js';
import type { VersionComparator } from './types.js';

/** Asserts that every earlier entry sorts strictly below every later one (and antisymmetry). */
function expectAscending(cmp: VersionComparator, versions: readonly string[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = i + 1; j < versions.length; j++) {
      const a = versions[i] as string;
      const b = versions[j] as string;
      expect([a, b, cmp.compare(a, b)]).toEqual([a, b, -1]);
      expect([b, a, cmp.compare(b, a)]).toEqual([b, a, 1]);
    }
  }
}

function expectInvalid(cmp: VersionComparator, v: string): void {
  let err: unknown;
  try {
    cmp.parse(v);
  } catch (e) {
    err = e;
  }
  expect(isWharfError(err, 'INVALID_VERSION')).toBe(true);
}

// rpm's tests/rpmvercmp.at (rpm-software-management/rpm), as [a, b, expected] data.
const RPMVERCMP: ReadonlyArray<readonly [string, string, -1 | 0 | 1]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1],
  ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1],
  ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['20101122', '20101121', 1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['2_0', '2.0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['a_', 'a+', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['_a', '+a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['_+', '_+', 0],
  ['+', '_', 0],
  ['_', '+', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~rc1~git123', 1],
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git2', '1.0^git1', 1],
  ['1.0^git1', '1.01', -1],
  ['1.01', '1.0^git1', 1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0.1', '1.0^20160101', 1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0^20160101^git1', '1.0^20160102', -1],
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
];

describe('rpm', () => {
  it.each(RPMVERCMP)('rpmvercmp(%s, %s) = %i', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
  });

  it.each([
    ['1:1.0-1', '2.0-1', 1],
    ['0:1.0-1', '1.0-1', 0],
    ['1.0-1.el9', '1.0-2.el9', -1],
    ['1.0-1.el9_2', '1.0-1.el9', 1],
    ['1.0', '1.0-5', -1], // a release outranks no release (osv-scanner)
    ['1.0-', '1.0', 1],
    ['3.0.7-16.el9_2', '3.0.7-16.el9_2', 0],
    ['2:8.2.2637-20.el9_1', '2:8.2.2637-16.el9_0.3', 1],
  ] as const)('evr %s vs %s = %i', (a, b, want) => {
    expect(rpm.compare(a, b)).toBe(want);
  });

  it('splits epoch and the last-hyphen release', () => {
    expect(rpm.parse('1:2.0-3-4')).toEqual({ epoch: '1', version: '2.0-3', release: '4' });
  });

  it.each(['', ':-1', '1 0', '-1'])('rejects %j', (v) => expectInvalid(rpm, v));
});

describe('semver', () => {
  it('orders the semver.org precedence examples', () => {
    expectAscending(semver, ['1.0.0', '2.0.0', '2.1.0', '2.1.1']);
    expectAscending(semver, [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
  });

  it('ignores build metadata', () => {
    expect(semver.compare('1.0.0+20130313144700', '1.0.0')).toBe(0);
    expect(semver.compare('1.0.0-beta+exp.sha.5114f85', '1.0.0-beta')).toBe(0);
    expect(semver.compare('1.0.0-alpha+001', '1.0.0-alpha.1')).toBe(-1);
  });

  it('compares large numbers exactly', () => {
    expect(semver.compare('1.0.9007199254740993', '1.0.9007199254740992')).toBe(1);
  });

  it.each(['1.2', '01.2.3', '1.02.3', '1.2.3-01', 'vv1.2.3', '1.2.3-', '1.2.3+', '1.2.3.4', ''])(
    'rejects %j',
    (v) => expectInvalid(semver, v),
  );
});

describe('go', () => {
  it('orders releases, pseudo-versions and pre-releases (go.dev/ref/mod)', () => {
    expectAscending(go, [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0',
      'v1.2.3-pre',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4',
      'v2.0.0-20180818164646-0123456789ab',
      'v2.0.0',
    ]);
  });

  it('treats +incompatible as build metadata and accepts shorthands and no v', () => {
    expect(go.compare('v2.0.0+incompatible', 'v2.0.0')).toBe(0);
    expect(go.compare('v1', 'v1.0.0')).toBe(0);
    expect(go.compare('v1.2', 'v1.2.0')).toBe(0);
    expect(go.compare('1.2.3', 'v1.2.3')).toBe(0);
  });

  it('recognises pseudo-versions', () => {
    expect(isPseudoVersion('v0.0.0-20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.4-0.20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.4-pre.0.20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.4')).toBe(false);
    expect(go.parse('v0.0.0-20191109021931-daa7c04131f5').pseudo).toBe(true);
  });

  it.each(['', 'vx', 'v1.2-pre', 'v01.2.3', 'latest'])('rejects %j', (v) => expectInvalid(go, v));
});
