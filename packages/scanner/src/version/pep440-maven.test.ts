import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { maven } from './maven.js';
import { pep440 } from './pep440.js';
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

describe('pep440', () => {
  // packaging's tests/test_version.py VERSIONS list, in sorted order.
  const VERSIONS = [
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0b2-346',
    '1.0c1.dev456',
    '1.0c1',
    '1.0rc2',
    '1.0c3',
    '1.0',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.1.dev1',
    '1.2+123abc',
    '1.2+123abc456',
    '1.2+abc',
    '1.2+abc123',
    '1.2+abc123def',
    '1.2+1234.abc',
    '1.2+123456',
    '1.2.r32+123456',
    '1.2.rev33+123456',
  ];

  it('orders packaging test versions, with and without an explicit epoch', () => {
    expectAscending(pep440, [...VERSIONS, ...VERSIONS.map((v) => `1!${v}`)]);
  });

  it.each([
    ['1.0', '1.0.0'],
    ['1.0RC1', '1.0rc1'],
    ['v1.0', '1.0'],
    ['1.1a1', '1.1.a1'],
    ['1.1a1', '1.1-a-1'],
    ['1.0alpha1', '1.0a1'],
    ['1.0beta2', '1.0b2'],
    ['1.0c1', '1.0rc1'],
    ['1.0pre1', '1.0rc1'],
    ['1.0preview1', '1.0rc1'],
    ['1.0-1', '1.0.post1'],
    ['1.0r1', '1.0.post1'],
    ['1.0rev1', '1.0post1'],
    ['1.0.post', '1.0.post0'],
    ['1.0.dev', '1.0.dev0'],
    ['1.0a', '1.0a0'],
    ['01.02', '1.2'],
    ['1.0+ubuntu-1', '1.0+ubuntu.1'],
    ['1.0+0', '1.0+00'],
    [' 1.0 ', '1.0'],
  ])('%j equals %j', (a, b) => {
    expect(pep440.compare(a, b)).toBe(0);
  });

  it('normalises', () => {
    expect(pep440.parse('1.0-R-1').normalized).toBe('1.0.post1');
    expect(pep440.parse('v1!2.0PRE.3-DEV+Ubuntu_1').normalized).toBe('1!2.0rc3.dev0+ubuntu.1');
  });

  it.each(['', 'lolwat', '1.0+', '1.0+a..b', '1.0-dev-dev', '1..0', 'french toast'])(
    'rejects %j',
    (v) => expectInvalid(pep440, v),
  );
});

describe('maven', () => {
  // ComparableVersionTest (apache/maven), VERSIONS_QUALIFIER and VERSIONS_NUMBER.
  it('orders qualifiers', () => {
    expectAscending(maven, [
      '1-alpha2snapshot',
      '1-alpha2',
      '1-alpha-123',
      '1-beta-2',
      '1-beta123',
      '1-m2',
      '1-m11',
      '1-rc',
      '1-cr2',
      '1-rc123',
      '1-SNAPSHOT',
      '1',
      '1-sp',
      '1-sp2',
      '1-sp123',
      '1-abc',
      '1-def',
      '1-pom-1',
      '1-1-snapshot',
      '1-1',
      '1-2',
      '1-123',
    ]);
  });

  it('orders numbers', () => {
    expectAscending(maven, [
      '2.0',
      '2-1',
      '2.0.a',
      '2.0.0.a',
      '2.0.2',
      '2.0.123',
      '2.1.0',
      '2.1-a',
      '2.1b',
      '2.1-c',
      '2.1-1',
      '2.1.0.1',
      '2.2',
      '2.123',
      '11.a2',
      '11.a11',
      '11.b2',
      '11.b11',
      '11.m2',
      '11.m11',
      '11',
      '11.a',
      '11b',
      '11c',
      '11m',
    ]);
  });

  it.each([
    ['1', '1'],
    ['1', '1.0'],
    ['1', '1.0.0'],
    ['1.0', '1.0.0'],
    ['1', '1-0'],
    ['1', '1.0-0'],
    ['1.0', '1.0-0'],
    ['1a', '1-a'],
    ['1a', '1.0-a'],
    ['1a', '1.0.0-a'],
    ['1x', '1-x'],
    ['1x', '1.0-x'],
    ['1x', '1.0.0-x'],
    ['1ga', '1'],
    ['1final', '1'],
    ['1cr', '1rc'],
    ['1a1', '1alpha1'],
    ['1b2', '1beta2'],
    ['1m3', '1milestone3'],
    ['1X', '1x'],
    ['1A', '1a'],
    ['1B', '1b'],
    ['1M', '1m'],
    ['1Ga', '1'],
    ['1GA', '1'],
    ['1Final', '1'],
    ['1FinaL', '1'],
    ['1FINAL', '1'],
    ['1Cr', '1Rc'],
    ['1cR', '1rC'],
    ['1m3', '1Milestone3'],
    ['1m3', '1MileStone3'],
    ['1m3', '1MILESTONE3'],
    ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
    // Newer ComparableVersionTest: a digit/letter transition acts as "-".
    ['1.0a', '1-a'],
    ['1.0.0a', '1-a'],
    ['1.0x', '1-x'],
    ['1.0.0x', '1-x'],
    ['1a1', '1-alpha-1'],
    ['1b2', '1-beta-2'],
    ['1m3', '1-milestone-3'],
    ['1.0.0-alpha1', '1.0.0-ALPHA1'],
    ['1.a', '1.A'],
    ['1release', '1'],
    ['1RELeaSE', '1'],
    ['0000000000000000001', '1'],
    ['0000000000000000000', '0'],
  ])('%s == %s', (a, b) => {
    expect(maven.compare(a, b)).toBe(0);
    expect(maven.compare(b, a)).toBe(0);
  });

  it.each([
    ['1', '2'],
    ['1.5', '2'],
    ['1', '2.5'],
    ['1.0', '1.1'],
    ['1.1', '1.2'],
    ['1.0.0', '1.1'],
    ['1.0.1', '1.1'],
    ['1.1', '1.2.0'],
    ['1.0-alpha-1', '1.0'],
    ['1.0-alpha-1', '1.0-alpha-2'],
    ['1.0-alpha-1', '1.0-beta-1'],
    ['1.0-beta-1', '1.0-SNAPSHOT'],
    ['1.0-SNAPSHOT', '1.0'],
    ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'],
    ['1.0', '1.0-1'],
    ['1.0-1', '1.0-2'],
    ['1.0.0', '1.0-1'],
    ['2.0-1', '2.0.1'],
    ['2.0.1-klm', '2.0.1-lmn'],
    ['2.0.1', '2.0.1-xyz'],
    ['2.0.1', '2.0.1-123'],
    ['2.0.1-xyz', '2.0.1-123'],
    // MNG-6964: a list padded with null compares all its items.
    ['1-0.alpha', '1'],
    ['1-0.beta', '1'],
    ['1-0.alpha', '1-0.beta'],
    ['0.7', '2'],
    ['0.2', '1.0.7'],
    ['J', '7'],
    ['c', '7'],
    ['aardvark', 'zebra'],
    // MNG-5568 (transitivity) and MNG-6572 (long numbers).
    ['6.1.0rc3', '6.1.0'],
    ['6.1.0rc3', '6.1H.5-beta'],
    ['6.1.0', '6.1H.5-beta'],
    ['20190126.230843', '1234567890.12345'],
    ['1234567890.12345', '123456789012345.1H.5-beta'],
    ['123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta'],
  ])('%s < %s', (a, b) => {
    expect(maven.compare(a, b)).toBe(-1);
    expect(maven.compare(b, a)).toBe(1);
  });

  it('canonicalises', () => {
    expect(maven.parse('1.0.0-GA').canonical).toBe('1');
    expect(maven.parse('1.0-alpha1').canonical).toBe('1-alpha-1');
  });

  it.each(['', ' ', '1 0'])('rejects %j', (v) => expectInvalid(maven, v));
});
