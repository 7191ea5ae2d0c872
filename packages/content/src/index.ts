/**
 * @wharf/content: content-addressable stores (memory, OCI image layout directory and tar) and the
 * graph copy engine.
 * @module
 */
export type * from './types.js';
export {
  DEFAULT_MAX_METADATA_BYTES,
  describeBytes,
  embeddedData,
  fetchAll,
  pushBytes,
  type FetchAllOptions,
  type PushBytesOptions,
} from './fetch.js';
export {
  EMPTY_DESCRIPTOR,
  packManifest,
  type PackManifestOptions,
  type PackVersion,
  type PackedManifest,
} from './pack.js';
export { MemoryStore } from './memory-store.js';
export { FileContent, type FileContentOptions } from './file-content.js';
export { OciLayoutStore, type OciLayoutStoreOptions } from './oci-layout/store.js';
export { OciLayoutTarStore, indexTar, type TarMember } from './oci-layout/tar.js';
export { writeLayoutTar } from './oci-layout/tar-writer.js';
export { readAll } from './internal/bytes.js';
export {
  copyGraph,
  DEFAULT_COPY_CONCURRENCY,
  GraphCopier,
  ManifestCache,
  type CopyGraphOptions,
  type CopyProgressEvent,
} from './copy/engine.js';
export {
  copy,
  extendedCopy,
  extendedCopyGraph,
  type CopyOptions,
  type ExtendedCopyGraphOptions,
} from './copy/copy.js';
export { CopyError, type CopyOperation, type CopyOrigin } from './copy/errors.js';
export { successors, type SuccessorsOptions } from './successors.js';
