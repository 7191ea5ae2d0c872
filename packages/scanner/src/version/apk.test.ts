import { readFileSync } from 'node:fs';
import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { compare, compareLoose, isValid, parse } from './apk.js';

const OPS = { '<': -1, '=': 0, '>': 1 } as const;

const VECTORS = readFileSync(new URL('./testdata/apk-version.data', import.meta.url), 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter((l) => l !== '')
  .map((l) => {
    const [a, op, b] = l.split(/\s+/) as [string, keyof typeof OPS, string];
    return [a, op, b] as const;
  });

describe('apk version vectors (apk-tools test data)', () => {
  it('loads the full vector file', () => {
    expect(VECTORS.length).toBeGreaterThan(700);
  });

  it.each(VECTORS)('%s %s %s', (a, op, b) => {
    expect(compareLoose(a, b)).toBe(OPS[op]);
    expect(compareLoose(b, a)).toBe(-OPS[op] || 0);
    const valid = isValid(a) && isValid(b);
    if (valid) expect(compare(a, b)).toBe(OPS[op]);
    else expect(() => compare(a, b)).toThrow(/invalid apk version/);
  });
});

describe('apk documented rules', () => {
  it.each([
    ['1.02', '<', '1.1'],
    ['1.02', '<', '1.2'],
    ['006', '>', '1.0.0'],
    ['1.0_alpha', '<', '1.0_beta'],
    ['1.0_beta', '<', '1.0_pre'],
    ['1.0_pre', '<', '1.0_rc'],
    ['1.0_rc', '<', '1.0'],
    ['1.0', '<', '1.0_cvs'],
    ['1.0_cvs', '<', '1.0_svn'],
    ['1.0_svn', '<', '1.0_git'],
    ['1.0_git', '<', '1.0_hg'],
    ['1.0_hg', '<', '1.0_p'],
    ['1.0_p10-r0', '>', '1.0_p9-r0'],
    ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
    ['2.3.0b-r1', '<', '2.3.0b-r2'],
    ['3.0.15-r0', '<', '3.0.15-r1'],
    ['3.1.4-r5', '<', '3.1.4-r10'],
    ['1.2a', '>', '1.2'],
    ['1.2a', '<', '1.2b'],
    ['3.5.7-r0', '=', '3.5.7-r0'],
    ['1.0_rc1', '<', '1.0'],
    ['0.1_pre2~1234abcd', '>', '0.1_pre2'],
    ['0.1_pre2~1234abcd', '>', '0.1_pre2-r1'],
    ['1.0~abc', '<', '1.0~abd'],
  ] as const)('%s %s %s', (a, op, b) => {
    expect(compare(a, b)).toBe(OPS[op]);
    expect(compare(b, a)).toBe(-OPS[op] || 0);
  });

  // Validity vectors from apk-tools' test/unit/version.data.
  it.each([
    '1.2',
    '0.1_pre2',
    '0.1_pre2~1234abcd',
    '0.1_p1_pre2',
    '0.1_alpha1_pre2',
    '0.1_git20240101_pre1',
  ])('accepts %j', (v) => {
    expect(isValid(v)).toBe(true);
    expect(parse(v).raw).toBe(v);
  });

  it.each([
    '',
    '0.1bc',
    '0.1bc1',
    '0.1a1',
    '0.1a.1',
    '0.1_pre2~',
    '0.1_pre2~1234xbcd',
    '0.1_pre2~1234abcd_pre1',
    '0.1_pre2-r1~1234xbcd',
    '0.1_foobar',
    '0.1_foobar1',
    '0.1-pre1.1',
    '0.1-r',
    '0.1-r2_pre1',
    '0.1-r2_p3_pre1',
    '0.1-r2-r3',
    '0.1-r2.1',
    '.1',
    'a',
    '_pre1',
    '-r1',
    '0.1_',
    '0.1_-r0',
    '0.1__alpha',
    '0.1_1_alpha',
    '1..2',
    'v1.0',
    '1.0 ',
  ])('rejects %j', (v) => {
    let err: unknown;
    try {
      parse(v);
    } catch (e) {
      err = e;
    }
    expect(isWharfError(err, 'INVALID_VERSION')).toBe(true);
  });
});
