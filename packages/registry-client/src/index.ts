/**
 * @wharf/registry-client: an OCI distribution client over `fetch` with docker-compatible auth,
 * retries, and the referrers API with tag-schema fallback.
 * @module
 */
export {
  RegistryError,
  RegistryClientError,
  formatRegistryError,
  parseDistributionErrors,
  redactUrl,
  type DistributionError,
  type RegistryClientErrorCode,
} from './errors.js';
export { Registry, isLocalhost, registryApiHost, type RegistryOptions } from './registry.js';
export { RemoteRepository, type RepositoryOptions } from './repository.js';
export type { FetchedManifest } from './manifests.js';
export { resolveLocation } from './uploads.js';
export { parseReferrersIndex, type ReferrersMode, type ReferrersSupport } from './referrers.js';
export {
  Transport,
  parseResolveRule,
  parseRetryAfter,
  type FetchLike,
  type ResolveRule,
  type RetryOptions,
  type TransportOptions,
} from './internal/transport.js';
export type { PageOptions } from './internal/paginate.js';
export { nextLink } from './internal/link.js';
export { AuthClient, type AuthOptions, type CredentialFunc } from './auth/client.js';
export { parseChallenges, type Challenge } from './auth/challenge.js';
export {
  CATALOG_SCOPE,
  cleanScopes,
  repositoryScope,
  scopeKey,
  type ScopeAction,
} from './auth/scope.js';
export { validateRealm, MAX_TOKEN_RESPONSE_BYTES, type Credential } from './auth/token.js';
export {
  DOCKER_HUB_AUTH_KEY,
  authKeyFor,
  decodeAuthEntry,
  defaultConfigPath,
  findAuthEntry,
  readDockerConfig,
  writeDockerConfig,
  type DockerAuthEntry,
  type DockerConfig,
} from './credentials/config-file.js';
export { helperErase, helperGet, helperStore, type HelperOptions } from './credentials/helper.js';
export {
  CredentialStore,
  login,
  logout,
  type CredentialStoreOptions,
  type LoginOptions,
} from './credentials/store.js';
