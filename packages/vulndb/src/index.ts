/**
 * @wharf/vulndb: the offline OSV vulnerability database (SQLite, indexed by ecosystem and
 * package) and scanning of image catalogs and SBOMs against it, with table, JSON, SARIF 2.1.0
 * and CycloneDX 1.6 VEX reports. Kept apart from `@wharf/scanner`, which stays pure (no native
 * module, no file system): this package owns storage, I/O and report shapes.
 * @module
 */
export { VulnDbError, type VulnDbErrorCode } from './errors.js';
export {
  VulnDb,
  SCHEMA_VERSION,
  defaultDbPath,
  indexName,
  normalizePypiName,
  type DbStatus,
  type ImportRecord,
} from './db.js';
export {
  importOsv,
  dbFile,
  type ImportOptions,
  type ImportResult,
  type ImportWarning,
} from './import.js';
export {
  packageFromPurl,
  packagesFromCatalog,
  packagesFromSbom,
  targetFromCatalog,
  distroEcosystem,
  type ScanPackage,
  type ScanTarget,
  type SbomPackages,
} from './packages.js';
export {
  matchPackages,
  compareFindings,
  SEVERITIES,
  severityRank,
  type Finding,
  type Severity,
  type MatchResult,
  type ScanWarning,
} from './scan.js';
export {
  parseSeverities,
  parseIgnoreFile,
  parseOpenVex,
  filterFindings,
  type IgnoreEntry,
  type OpenVex,
  type Suppressed,
  type FilterOptions,
  type FilterResult,
} from './filters.js';
export {
  REPORT_ARTIFACT_TYPES,
  REPORT_FORMATS,
  renderReport,
  summaryOf,
  toCycloneDxVex,
  toJsonReport,
  toSarif,
  toTable,
  type ReportFormat,
  type ScanReport,
} from './report.js';
