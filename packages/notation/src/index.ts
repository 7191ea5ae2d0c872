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
 * Errors: `NotationError` with `NotationErrorCode`.
 * @module
 */
export * from './errors.js';
export * from './config.js';
