/**
 * @wharf/registry-server: an OCI Distribution 1.1 registry with the Referrers API, embedded
 * storage (content-addressed blob files + SQLite metadata), online GC and pluggable auth.
 *
 * @example
 * const config = loadConfig({ file: 'wharf.yaml', env: process.env, flags: {} });
 * const server = await startServer(config); // http://127.0.0.1:5000
 * @module
 */
export { createRegistryApp, collectGarbage, type Registry, type RegistryDeps } from './app.js';
export { startServer, type RunningServer, type StartServerOptions } from './server.js';
export {
  loadConfig,
  defaultConfig,
  parseDuration,
  readConfigFile,
  registryConfigSchema,
  ENV_VARS,
  type RegistryConfig,
  type RegistryConfigInput,
  type LoadConfigOptions,
  type ConfigFlags,
} from './config.js';
export {
  RegistryError,
  ConfigError,
  StorageError,
  type RegistryErrorCode,
  type ConfigErrorCode,
  type StorageErrorCode,
} from './errors.js';
export {
  HtpasswdAuthenticator,
  allowAll,
  anonymousAuthenticator,
  authenticatedAuthorizer,
  type Authenticator,
  type Authorizer,
  type AuthResult,
  type Principal,
  type RepositoryAction,
  type Scope,
} from './auth.js';
export type { GcOptions, GcResult } from './gc.js';
export type * from './storage/metadata.js';
export { SqliteMetadataStore } from './storage/sqlite-metadata.js';
