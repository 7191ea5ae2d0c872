/**
 * @wharf/core: pure OCI building blocks with no I/O.
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
export * from './descriptor.js';
export * from './manifest.js';
export * from './abort.js';
