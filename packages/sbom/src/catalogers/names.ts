/**
 * The names of `DEFAULT_CATALOGERS` (catalogers/index.ts), in order, without loading the
 * catalogers: the layer cache key hashes them, and a run that finds every layer in the cache
 * never loads a cataloger. `walker/cache.test.ts` checks that the two lists agree.
 */
export const DEFAULT_CATALOGER_NAMES: readonly string[] = [
  'os-release',
  'dpkg-db-cataloger',
  'apk-db-cataloger',
  'rpm-db-cataloger',
  'javascript-package-cataloger',
  'python-installed-package-cataloger',
  'go-module-binary-cataloger',
  'cargo-auditable-binary-cataloger',
  'java-archive-cataloger',
  'ruby-installed-gemspec-cataloger',
];
