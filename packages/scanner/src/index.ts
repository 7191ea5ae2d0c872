export * from './errors.js';
export type { Ordering, VersionComparator } from './version/types.js';
export { comparatorFor, parseEcosystem, SUPPORTED_ECOSYSTEMS } from './version/registry.js';
export type { EcosystemName } from './version/registry.js';
export { dpkg, type DpkgVersion } from './version/dpkg.js';
export { apk, compareLoose as compareApkLoose, type ApkVersion } from './version/apk.js';
export { rpm, rpmvercmp, type RpmVersion } from './version/rpm.js';
export { semver, type SemVer } from './version/semver.js';
export { rubygems, type GemVersion } from './version/rubygems.js';
export { pep440, type Pep440Version } from './version/pep440.js';
export { maven, type MavenVersion } from './version/maven.js';
export { go, isPseudoVersion, type GoVersion } from './version/go.js';
export {
  parseOsvRecord,
  osvRecordSchema,
  type OsvRecord,
  type OsvAffected,
  type OsvRange,
  type OsvEvent,
  type OsvSeverity,
} from './osv/schema.js';
export {
  isAffected,
  fixedVersions,
  packageMatches,
  type PackageQuery,
  type MatchOptions,
} from './osv/match.js';
export {
  scoreCvss,
  tryScoreCvss,
  scoreCvss3,
  scoreCvss4,
  severityOf,
  type CvssScore,
  type CvssSeverity,
  type Cvss3Result,
  type Cvss4Result,
} from './cvss/index.js';
