/**
 * Maps OSV ecosystem names to version orderings.
 *
 * @module
 */
import { ScanError } from '../errors.js';
import { apk } from './apk.js';
import { dpkg } from './dpkg.js';
import { go } from './go.js';
import { maven } from './maven.js';
import { pep440 } from './pep440.js';
import { rpm } from './rpm.js';
import { rubygems } from './rubygems.js';
import { semver } from './semver.js';
import type { VersionComparator } from './types.js';

/** OSV base ecosystem (the part before the first `:`) → ordering. */
const BY_ECOSYSTEM: Readonly<Record<string, VersionComparator>> = {
  Debian: dpkg,
  Ubuntu: dpkg,
  Alpine: apk,
  Wolfi: apk,
  Chainguard: apk,
  'Red Hat': rpm,
  'Rocky Linux': rpm,
  AlmaLinux: rpm,
  openEuler: rpm,
  Mageia: rpm,
  openSUSE: rpm,
  SUSE: rpm,
  npm: semver,
  'crates.io': semver,
  PyPI: pep440,
  Maven: maven,
  RubyGems: rubygems,
  Go: go,
};

/** An OSV ecosystem string split into its base and the release suffix (`Debian:12`). */
export interface EcosystemName {
  readonly base: string;
  /** Everything after the first `:` (`12`, `v3.19`, `22.04:LTS`), or undefined. */
  readonly release: string | undefined;
}

export function parseEcosystem(ecosystem: string): EcosystemName {
  const i = ecosystem.indexOf(':');
  return i < 0
    ? { base: ecosystem, release: undefined }
    : { base: ecosystem.slice(0, i), release: ecosystem.slice(i + 1) };
}

/** The ecosystems `comparatorFor` knows, by base name. */
export const SUPPORTED_ECOSYSTEMS: readonly string[] = Object.keys(BY_ECOSYSTEM);

/** Returns the ordering for an OSV ecosystem (`Debian:12` uses `Debian`); UNKNOWN_ECOSYSTEM otherwise. */
export function comparatorFor(ecosystem: string): VersionComparator {
  const { base } = parseEcosystem(ecosystem);
  const cmp = BY_ECOSYSTEM[base];
  if (cmp === undefined) {
    throw new ScanError(
      'UNKNOWN_ECOSYSTEM',
      `no version ordering for ecosystem ${JSON.stringify(ecosystem)} (supported: ${SUPPORTED_ECOSYSTEMS.join(', ')})`,
      { detail: { ecosystem } },
    );
  }
  return cmp;
}
