/**
 * @wharf/plugin-pkcs11: `notation-pkcs11`, a Notary Project signing plugin whose keys live in a
 * PKCS#11 token. See README.md.
 * @module
 */
export * from './errors.js';
export * from './uri.js';
export * from './config.js';
export * from './metadata.js';
export { describeKey } from './request.js';
export { generateSignature } from './plugin.js';
export * from './main.js';
export * from './install.js';
export { TokenSession, type TokenKey } from './token.js';
