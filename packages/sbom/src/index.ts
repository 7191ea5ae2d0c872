/**
 * @wharf/sbom: SBOMs for OCI images. A layer walker (gzip/zstd/plain tar, whiteouts, links kept
 * inside the root, per-layer cache), image catalogers (dpkg, apk, npm, Python, Go, Java, os-release),
 * and SPDX 2.3 / CycloneDX 1.6 / table writers.
 * @module
 */
export * from './lite.js';
export type { Cataloger, Evidence, FileMeta, PurlSpec, RawPackage } from './catalogers/types.js';
export { DEFAULT_CATALOGERS } from './catalogers/index.js';
export { parseDpkgStatus, parseDebianCopyright } from './catalogers/dpkg.js';
export { parseApkInstalled } from './catalogers/apk.js';
export { parsePackageJson } from './catalogers/npm.js';
export { parsePythonMetadata, normalizePypiName } from './catalogers/python.js';
export { readGoBuildInfo, goPackages, type GoBuildInfo } from './catalogers/golang.js';
export { catalogJavaArchive } from './catalogers/java.js';
export { parseGemspec } from './catalogers/ruby.js';
export { readCargoAuditable } from './catalogers/rust.js';
export {
  parseRpmHeader,
  parseRpmSqlite,
  parseRpmBerkeleyDb,
  parseRpmNdb,
} from './catalogers/rpm.js';
export { parseOsRelease, distroFromFields } from './catalogers/os-release.js';
export { formatPurl, purlWithoutQualifiers } from './identity/purl.js';
export { generateCpes } from './identity/cpe.js';
export { normalizeLicenses, toSpdx } from './identity/license.js';
export {
  analyseEntries,
  ANALYSER_VERSION,
  DEFAULT_MAX_FILE_BYTES,
  type LayerAnalysis,
  type EntryRecord,
} from './walker/analyse.js';
export { tarEntries, directoryEntries, type RawEntry } from './walker/entries.js';
export { decompressLayer, isLayerMediaType } from './walker/decompress.js';
export { SquashedTree, MAX_LINK_HOPS } from './walker/squash.js';
export { writeSpdx, type SpdxDocument, type SpdxPackage } from './writers/spdx.js';
export { writeCycloneDx, type CycloneDxDocument } from './writers/cyclonedx.js';
export { writeTable } from './writers/table.js';
