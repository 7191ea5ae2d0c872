/**
 * @wharf/notation: notation's on-disk configuration and the sign/verify workflow over content
 * targets (a registry `RemoteRepository` or an OCI layout store).
 *
 * Configuration (`config.ts`):
 * - `notationPaths(env)`: the directories and files notation uses (`NOTATION_CONFIG`,
 *   `NOTATION_CACHE`, `NOTATION_LIBEXEC`, else XDG, else `~/.config|~/.cache/notation`).
 * - `readSigningKeys` / `writeSigningKeys` / `parseSigningKeys` / `selectSigningKey`,
 *   `isPluginKey`: `signingkeys.json` (local key pairs and plugin keys, `default`).
 * - `readNotationConfig` / `writeNotationConfig` / `parseNotationConfig`: `config.json`.
 * - `loadOciTrustPolicy` (`trustpolicy.oci.json`, else 1.x `trustpolicy.json`),
 *   `loadBlobTrustPolicy`, `openTrustStore`.
 * - `readConfigJson`, `writeFileAtomic`: the file helpers (symlinks refused; temp + rename).
 *
 * Signature manifests (`signature-manifest.ts`): `buildSignatureManifest` (OCI 1.1 form by
 * default, `legacy` for notation ≤ v1.3), `parseSignatureManifest` (both forms and the withdrawn
 * artifact manifest; `SIGNATURE_MANIFEST_INVALID` otherwise).
 *
 * Workflow (`workflow.ts`), over `@wharf/content` interfaces (a `RemoteRepository` or an
 * `OciLayoutStore`):
 * - `signArtifact({ target, subject, signer, format, expiry, userMetadata, timestamper,
 *   timestampRoots, manifestForm })` → `{ manifest, envelopeDescriptor, envelope }`: pushes the
 *   envelope and the signature manifest as a referrer of `subject`.
 * - `pushSignature({ target, subject, envelope })`: the same for an envelope made elsewhere
 *   (a plugin's `generate-envelope`).
 * - `listSignatures(source, subject)`, `fetchSignature(source, descriptor)`.
 * - `verifyArtifact({ source, subject, scope, policy, trustStore, userMetadata,
 *   revocationChecker, verificationPlugins, now, maxSignatures })` → `ArtifactVerification`
 *   (first success wins).
 *
 * Errors: `NotationError` with `NotationErrorCode`.
 * @module
 */
export * from './errors.js';
export * from './config.js';
export * from './signature-manifest.js';
export * from './workflow.js';
