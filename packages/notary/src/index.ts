/**
 * @wharf/notary: Notary Project signatures (JWS and COSE envelopes), signers, certificates,
 * trust store and trust policy, RFC 3161 timestamps, revocation and the pure `verify()`.
 * @module
 */
export * from './errors.js';
export * from './algorithms.js';
export * from './encoding.js';
export * from './cbor.js';
export * from './cert.js';
export * from './payload.js';
export * from './signer.js';
export * from './timestamp.js';
export * from './envelope/index.js';
export * from './sign.js';
export * from './dn.js';
export * from './trust-policy.js';
export * from './trust-store.js';
export * from './revocation.js';
export * from './verify.js';
export * from './timestamp-http.js';
export * from './plugin/index.js';
export * from './test-certificate.js';
export * from './crl-cache.js';
