import { readFileSync } from 'node:fs';
import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { apk } from './apk.js';
import { dpkg } from './dpkg.js';
import { maven } from './maven.js';
import { pep440 } from './pep440.js';
import { rpm } from './rpm.js';
import { rubygems } from './rubygems.js';
import { semver } from './semver.js';
import type { VersionComparator } from './types.js';

const OPS = { '<': -1, '=': 0, '>': 1 } as const;

/**
 * Fixture lines where Wharf refuses a version osv-scanner still orders. These are the only
 * allowed differences; each one gives INVALID_VERSION rather than an ordering.
 */
const KNOWN_INVALID: Readonly<Record<string, readonly string[]>> = {
  debian: [],
  maven: [],
  redhat: [],
  // Not Gem::Version strings: a letter run must follow a dot (`Gem::Version.new('1beta')` raises).
  rubygems: ['1 > 1beta', '1 > 1gamma'],
  'rubygems-generated': [],
  // PEP 440 "legacy" versions (dropped by packaging 22+).
  pypi: [
    '0.1-bulbasaur < 0.1-charmander',
    '0.1-charmander < 0.9-doduo',
    '0.9-doduo < 0.9-eevee',
    '0.9-eevee < 0.9-fearow',
    '0.9-fearow < 0.9-gyarados',
    '0.9-gyarados < 0.9-horsea',
    '0.9-horsea < 0.9-ivysaur',
    '0.9-ivysaur < 1.0',
    '-class.-jw.util.version.version-pre < 1.0',
    '-class.-jw.util.version.version-preview < 1.0',
    '-class.-jw.util.version.version-dev < 1.0',
  ],
  // Not SemVer: a bare number and a five-part version.
  semver: [
    '999999999999999999999999999991 < 999999999999999999999999999999',
    '1.1.3.4.5 = 1.1.3.4.5',
  ],
  // Versions apk-tools itself rejects (`apk version -c`).
  alpine: [
    '1-r = 1-r0',
    '1-r-0 < 1-r0',
    '1-r-1 < 1-r0',
    '1.2.0A < 1.2.0d',
    '1.2.0D < 1.2.0d',
    '6.6.2p1 = 6.6.2p1',
    '6.6.2p1 > 6.6.2_p1',
    '6.6.2p1 > 6.6.2_p2',
    '6.6.2p1 < 6.6.2p2',
    '1-r2 > 1-r-1',
    '1 > 1-ruff',
    '1-r0-1 = 1-r-2',
    '1-r0-1 = 1-r0-2',
    '1-ruff2 = 1-ruff1',
    '1-ruff2 = 1--ruff1',
    '1-r0-ruff2 = 1-r0-ruff1',
    '1.2 > 1.2_blah',
    '1.2_svn1 > 1.2_csv2',
    '1.2_cvs1 > 1.2_blah',
    '.1 < 1',
    '1 > .1',
    '.2 > .1',
    'a < b',
    'c > b',
    'c = c',
    '23_foo > 4_beta',
    '1.0 < 1.0bc',
  ],
};

const FIXTURES: ReadonlyArray<readonly [string, VersionComparator]> = [
  ['debian', dpkg],
  ['alpine', apk],
  ['redhat', rpm],
  ['semver', semver],
  ['pypi', pep440],
  ['maven', maven],
  ['rubygems', rubygems],
  ['rubygems-generated', rubygems],
];

function lines(name: string): string[] {
  return readFileSync(
    new URL(`./testdata/osv-scanner/${name}-versions.txt`, import.meta.url),
    'utf8',
  )
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('//'));
}

describe.each(FIXTURES)('osv-scanner %s fixtures', (name, cmp) => {
  const all = lines(name);

  it('orders every valid line as osv-scanner does', () => {
    const wrong: string[] = [];
    const invalid: string[] = [];
    for (const line of all) {
      const [a, op, b] = line.split(' ') as [string, keyof typeof OPS, string];
      try {
        if (cmp.compare(a, b) !== OPS[op]) wrong.push(line);
      } catch (err) {
        if (!isWharfError(err, 'INVALID_VERSION')) throw err;
        invalid.push(line);
      }
    }
    expect(wrong).toEqual([]);
    expect(invalid).toEqual(KNOWN_INVALID[name]);
    expect(all.length - invalid.length).toBeGreaterThan(20);
  });
});
