import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { rubygems } from './rubygems.js';

// Cases from rubygems' own spec of Gem::Version#<=> and .correct? (test/rubygems/test_gem_version.rb).
const ORDER: ReadonlyArray<readonly [string, -1 | 0 | 1, string]> = [
  ['1.0', 0, '1.0.0'],
  ['1.0', 1, '1.0.a'],
  ['1.8.2', 1, '0.0.0'],
  ['1.8.2', 1, '1.8.2.a'],
  ['1.8.2.b', 1, '1.8.2.a'],
  ['1.8.2.a', -1, '1.8.2'],
  ['1.8.2.a10', 1, '1.8.2.a9'],
  ['', 0, '0'],
  ['0.beta.1', 0, '0.0.beta.1'],
  ['0.0.beta', -1, '0.0.beta.1'],
  ['0.0.beta', -1, '0.beta.1'],
  ['5.a', -1, '5.0.0.rc2'],
  ['5.x', 1, '5.0.0.rc2'],
  // `-` reads as `.pre.`: a prerelease below the release, above an earlier one
  ['1.0.0-rc1', -1, '1.0.0'],
  ['1.0.0-rc1', 0, '1.0.0.pre.rc1'],
  ['1.0.0-rc1', 1, '0.9.9'],
  // numbers compare numerically, leading zeros ignored
  ['1.10', 1, '1.9'],
  ['1.010', 0, '1.10'],
  ['7.0.4', -1, '7.0.4.1'],
  ['7.0.4.1', -1, '7.0.5'],
];

describe('rubygems ordering (Gem::Version)', () => {
  it.each(ORDER)('%j <=> %j is %j', (a, want, b) => {
    expect(rubygems.compare(a, b)).toBe(want);
    expect(rubygems.compare(b, a)).toBe(want === 0 ? 0 : -want);
  });

  it.each(['junk', '1.0\n2.0', '1..2', '1.2 3.4', 'v1.0', '1.0-', '-1'])(
    'rejects %j as INVALID_VERSION',
    (v) => {
      let err: unknown;
      try {
        rubygems.parse(v);
      } catch (e) {
        err = e;
      }
      expect(isWharfError(err, 'INVALID_VERSION')).toBe(true);
      expect(String((err as Error).message)).toContain('rubygems');
    },
  );

  it('accepts surrounding blanks as Gem::Version does', () => {
    expect(rubygems.compare(' 1.2.3 ', '1.2.3')).toBe(0);
  });
});
