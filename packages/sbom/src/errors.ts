import { WharfError } from '@wharf/core';

/** Codes of {@link SbomError}. */
export type SbomErrorCode =
  /** The source (layout, archive, directory, manifest) cannot be read as an image. */
  | 'INVALID_SOURCE'
  /** No manifest in the index matches the requested platform. */
  | 'PLATFORM_NOT_FOUND'
  /** A layer media type Wharf cannot decompress or read. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** A layer's bytes are corrupt: bad gzip/zstd data, a truncated or malformed tar. */
  | 'LAYER_CORRUPT'
  /** An option is out of range or malformed (platform string, format name, …). */
  | 'INVALID_OPTION'
  /** The layer cache could not be read or written. */
  | 'CACHE_ERROR'
  /** The caller's AbortSignal fired. */
  | 'ABORTED';

/** The error class of @wharf/sbom. */
export class SbomError extends WharfError<SbomErrorCode> {}
