/**
 * @wharf/core: pure OCI building blocks with no I/O.
 * @module
 */
// Everything but manifest and descriptor parsing lives in the `lite` entry.
export * from './lite.js';
export * from './descriptor.js';
export * from './manifest.js';
