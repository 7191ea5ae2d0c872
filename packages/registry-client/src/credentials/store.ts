import { noopLogger, type Logger } from '@wharf/core';
import type { Credential } from '../auth/token.js';
import { RegistryClientError } from '../errors.js';
import {
  authKeyFor,
  decodeAuthEntry,
  defaultConfigPath,
  encodeAuthEntry,
  findAuthEntry,
  matchingAuthKeys,
  readDockerConfig,
  writeDockerConfig,
  type DockerConfig,
} from './config-file.js';
import { helperErase, helperGet, helperStore, type HelperOptions } from './helper.js';

/** Options of a {@link CredentialStore}. */
export interface CredentialStoreOptions extends HelperOptions {
  /** The docker config file; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  readonly configPath?: string;
  readonly logger?: Logger;
}

/**
 * Credentials from a docker `config.json`, the file docker, oras and notation share. Lookup
 * order: the registry's `credHelpers` entry, then `credsStore`, then the plaintext `auths`
 * entry (exact key, then legacy `https://host/path` keys). A helper that is missing or fails on
 * `get` is reported as a warning and the plaintext entry is used (oras#2020).
 *
 * @example
 * const store = new CredentialStore();
 * const registry = new Registry('ghcr.io', { credentials: (host) => store.get(host) });
 */
export class CredentialStore {
  readonly configPath: string;
  readonly #helper: HelperOptions;
  readonly #logger: Logger;

  constructor(options: CredentialStoreOptions = {}) {
    this.configPath = options.configPath ?? defaultConfigPath(options.env ?? process.env);
    this.#helper = {
      ...(options.env ? { env: options.env } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    };
    this.#logger = options.logger ?? noopLogger;
  }

  /** The helper configured for `registry`, if any. */
  static helperFor(config: DockerConfig, registry: string): string | undefined {
    const helpers = config.credHelpers ?? {};
    return helpers[registry] ?? helpers[authKeyFor(registry)] ?? (config.credsStore || undefined);
  }

  /** The credential of `registry`, or undefined (anonymous). */
  async get(registry: string): Promise<Credential | undefined> {
    const config = await readDockerConfig(this.configPath);
    const helper = CredentialStore.helperFor(config, registry);
    if (helper) {
      try {
        const cred = await helperGet(helper, authKeyFor(registry), this.#helper);
        if (cred) return cred;
      } catch (err) {
        this.#logger.warn(
          { registry, helper, error: err instanceof Error ? err.message : String(err) },
          'credential helper failed; trying config.json',
        );
      }
    }
    const found = findAuthEntry(config, registry);
    return found ? decodeAuthEntry(found[1]) : undefined;
  }

  /** Stores a credential: through the configured helper, else in `auths` (file rewritten atomically, 0600). */
  async store(registry: string, cred: Credential): Promise<void> {
    if (!cred.refreshToken && !(cred.username && cred.password !== undefined)) {
      throw new RegistryClientError(
        'INVALID_OPTION',
        'a credential needs a username and password, or an identity token',
      );
    }
    const config = await readDockerConfig(this.configPath);
    const helper = CredentialStore.helperFor(config, registry);
    if (helper) {
      await helperStore(helper, authKeyFor(registry), cred, this.#helper);
      return;
    }
    const auths = { ...(config.auths ?? {}) };
    for (const key of matchingAuthKeys(config, registry)) delete auths[key];
    auths[authKeyFor(registry)] = encodeAuthEntry(cred);
    await writeDockerConfig(this.configPath, { ...config, auths });
  }

  /**
   * Removes the credential of `registry` from its helper and from `auths`.
   * @returns false when nothing was stored
   */
  async erase(registry: string): Promise<boolean> {
    const config = await readDockerConfig(this.configPath);
    const helper = CredentialStore.helperFor(config, registry);
    let erased = false;
    if (helper) {
      await helperErase(helper, authKeyFor(registry), this.#helper);
      erased = true;
    }
    const keys = matchingAuthKeys(config, registry);
    if (keys.length > 0) {
      const auths = { ...(config.auths ?? {}) };
      for (const key of keys) delete auths[key];
      await writeDockerConfig(this.configPath, { ...config, auths });
      erased = true;
    }
    return erased;
  }
}

/** Options of {@link login}. */
export interface LoginOptions extends CredentialStoreOptions {
  /** Checks the credential first (e.g. `(cred) => new Registry(host, { credentials: cred }).ping()`). */
  readonly verify?: (cred: Credential) => Promise<void>;
}

/**
 * Saves a credential for `registry` (`wharf login`), after `verify` accepted it when given.
 * @throws RegistryClientError `UNAUTHORIZED` from `verify`, `CREDENTIAL_HELPER_FAILED`, `CONFIG_INVALID`
 */
export async function login(
  registry: string,
  cred: Credential,
  options: LoginOptions = {},
): Promise<void> {
  if (options.verify) await options.verify(cred);
  await new CredentialStore(options).store(registry, cred);
}

/** Removes the credential of `registry` (`wharf logout`). Returns false when none was stored. */
export function logout(registry: string, options: CredentialStoreOptions = {}): Promise<boolean> {
  return new CredentialStore(options).erase(registry);
}
