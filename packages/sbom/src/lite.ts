/**
 * `@wharf/sbom/lite`: catalog an image and write its SBOM without loading the catalogers, the tar
 * reader, the decompressors or the SPDX license libraries up front. They are imported when a
 * layer is actually read (a layer cache miss) or a license is not in the cached analyses, so a
 * warm `wharf sbom` starts faster. The main entry (`@wharf/sbom`) exports all of this too.
 * @module
 */
export { SbomError, type SbomErrorCode } from './errors.js';
export type * from './types.js';
export {
  MemoryLayerCache,
  DirectoryLayerCache,
  type LayerCache,
  type DirectoryLayerCacheOptions,
} from './walker/cache.js';
export { type SbomSource, parsePlatform, hostPlatform } from './source.js';
export {
  catalogSource,
  layerCacheKey,
  type CatalogOptions,
  type LayerProgress,
} from './catalog.js';
export {
  generateSbom,
  renderCatalog,
  serializeSbom,
  SBOM_FORMATS,
  type SbomFormat,
  type GenerateSbomOptions,
  type GenerateSbomResult,
  type SerializeOptions,
} from './generate.js';
export { createdFromEpoch, type WriteOptions } from './writers/common.js';
