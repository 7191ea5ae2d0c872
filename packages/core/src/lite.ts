/**
 * `@wharf/core/lite`: everything in `@wharf/core` except manifest and descriptor parsing.
 * Errors, digests, references, media types, JSON limits and abort helpers load without the
 * manifest modules, so `wharf version` and every `--help` stay cheap. The modules are the same
 * files as the main entry's, so classes such as `WharfError` are identical whichever entry a
 * caller imports.
 * @module
 */
export * from './errors.js';
export * from './digest.js';
export * from './media-types.js';
export * from './annotations.js';
export type * from './types.js';
export * from './logger.js';
export * from './reference.js';
export * from './json.js';
export * from './abort.js';
