import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { comparatorFor, parseEcosystem } from './registry.js';

describe('comparatorFor', () => {
  it.each([
    ['Debian:12', 'dpkg'],
    ['Debian', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Alpine:v3.19', 'apk'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['npm', 'semver'],
    ['PyPI', 'pep440'],
    ['Maven', 'maven'],
    ['Go', 'go'],
  ])('%s uses %s', (eco, name) => {
    expect(comparatorFor(eco).name).toBe(name);
  });

  it('rejects unknown ecosystems with UNKNOWN_ECOSYSTEM', () => {
    let err: unknown;
    try {
      comparatorFor('Hackage');
    } catch (e) {
      err = e;
    }
    expect(isWharfError(err, 'UNKNOWN_ECOSYSTEM')).toBe(true);
    expect(() => comparatorFor('debian')).toThrow(/no version ordering for ecosystem "debian"/);
  });

  it('splits release suffixes', () => {
    expect(parseEcosystem('Ubuntu:22.04:LTS')).toEqual({ base: 'Ubuntu', release: '22.04:LTS' });
    expect(parseEcosystem('npm')).toEqual({ base: 'npm', release: undefined });
  });
});
