import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Credential } from '../auth/token.js';
import { RegistryClientError } from '../errors.js';

/** One `auths` entry of a docker `config.json`. */
export interface DockerAuthEntry {
  /** base64 of `username:password`. */
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  /** A refresh (identity) token. */
  readonly identitytoken?: string;
  /** A bearer token used as is. */
  readonly registrytoken?: string;
  readonly [extra: string]: unknown;
}

/** The parts of a docker `config.json` Wharf reads; other keys are kept on write. */
export interface DockerConfig {
  readonly auths?: Readonly<Record<string, DockerAuthEntry>>;
  readonly credsStore?: string;
  readonly credHelpers?: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}

/** The Docker Hub key docker writes credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultConfigPath(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  const dir = env['DOCKER_CONFIG'];
  return dir ? join(dir, 'config.json') : join(home, '.docker', 'config.json');
}

/**
 * Reads a docker config file; a missing file is an empty config.
 * @throws RegistryClientError `CONFIG_INVALID`
 */
export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RegistryClientError('CONFIG_INVALID', `cannot read ${path}`, { cause: err });
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RegistryClientError('CONFIG_INVALID', `${path} is not valid JSON`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryClientError('CONFIG_INVALID', `${path} must hold a JSON object`);
  }
  return value as DockerConfig;
}

/**
 * Writes a docker config atomically: a 0600 temp file in the same directory, then rename.
 * The directory is created (0700) when missing.
 */
export async function writeDockerConfig(path: string, config: DockerConfig): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.config.json.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new RegistryClientError('CONFIG_INVALID', `cannot write ${path}`, { cause: err });
  }
}

/** The key credentials of `registry` are stored under (`https://index.docker.io/v1/` for Hub). */
export function authKeyFor(registry: string): string {
  return DOCKER_HUB_ALIASES.has(registry) ? DOCKER_HUB_AUTH_KEY : registry;
}

/** Strips `http(s)://` and any path from a legacy key: `https://host:5000/v1/` → `host:5000`. */
export function normalizeAuthKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/', 1)[0] ?? '';
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB_AUTH_KEY : host;
}

/** Finds the `auths` entry of a registry: the exact key first, then legacy keys. */
export function findAuthEntry(
  config: DockerConfig,
  registry: string,
): [string, DockerAuthEntry] | undefined {
  const auths = config.auths ?? {};
  const wanted = authKeyFor(registry);
  const exact = auths[wanted];
  if (exact) return [wanted, exact];
  for (const [key, entry] of Object.entries(auths)) {
    if (normalizeAuthKey(key) === wanted) return [key, entry];
  }
  return undefined;
}

/** Every `auths` key that designates `registry` (for logout). */
export function matchingAuthKeys(config: DockerConfig, registry: string): string[] {
  const wanted = authKeyFor(registry);
  return Object.keys(config.auths ?? {}).filter(
    (k) => k === wanted || normalizeAuthKey(k) === wanted,
  );
}

/**
 * Decodes an `auths` entry: `auth` (base64 `user:pass`) or `username`/`password`, plus
 * `identitytoken` (refresh token) and `registrytoken` (bearer token).
 */
export function decodeAuthEntry(entry: DockerAuthEntry): Credential | undefined {
  let username = typeof entry.username === 'string' ? entry.username : undefined;
  let password = typeof entry.password === 'string' ? entry.password : undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const cred: Credential = {
    ...(username ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(typeof entry.identitytoken === 'string' && entry.identitytoken
      ? { refreshToken: entry.identitytoken }
      : {}),
    ...(typeof entry.registrytoken === 'string' && entry.registrytoken
      ? { accessToken: entry.registrytoken }
      : {}),
  };
  return Object.keys(cred).length === 0 ? undefined : cred;
}

/** Encodes a credential as an `auths` entry. */
export function encodeAuthEntry(cred: Credential): DockerAuthEntry {
  return {
    auth: Buffer.from(`${cred.username ?? ''}:${cred.password ?? ''}`).toString('base64'),
    ...(cred.refreshToken ? { identitytoken: cred.refreshToken } : {}),
  };
}
