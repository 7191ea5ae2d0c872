import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  createDirectoryTrustStore,
  parseBlobTrustPolicy,
  parseOciTrustPolicy,
  type TrustPolicyDocument,
  type TrustStore,
} from '@wharf/notary';
import { NotationError } from './errors.js';

/** The environment variables that decide where notation's files live. */
export type NotationEnv = Readonly<Record<string, string | undefined>>;

/** Where notation keeps its files (Linux layout; the same directories notation itself uses). */
export interface NotationPaths {
  /** `$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`, else `~/.config/notation`. */
  readonly configDir: string;
  /** `$NOTATION_CACHE`, else `$XDG_CACHE_HOME/notation`, else `~/.cache/notation`. */
  readonly cacheDir: string;
  /** `$NOTATION_LIBEXEC`, else the config directory. */
  readonly libexecDir: string;
  /** `{config}/config.json` */
  readonly configFile: string;
  /** `{config}/signingkeys.json` */
  readonly signingKeysFile: string;
  /** `{config}/trustpolicy.oci.json` */
  readonly ociTrustPolicyFile: string;
  /** `{config}/trustpolicy.json` (notation 1.x name, read when the OCI file is absent). */
  readonly legacyTrustPolicyFile: string;
  /** `{config}/trustpolicy.blob.json` */
  readonly blobTrustPolicyFile: string;
  /** `{config}/truststore` (holds `x509/{ca,signingAuthority,tsa}/<name>/`). */
  readonly trustStoreDir: string;
  /** `{config}/localkeys` (`cert generate-test` output). */
  readonly localKeysDir: string;
  /** `{libexec}/plugins` (`<name>/notation-<name>`). */
  readonly pluginsDir: string;
  /** `{cache}/crl` */
  readonly crlCacheDir: string;
}

function absolute(v: string | undefined): string | undefined {
  return v !== undefined && v.startsWith('/') ? v : undefined;
}

/**
 * notation's directories for an environment: `NOTATION_CONFIG`, `NOTATION_CACHE` and
 * `NOTATION_LIBEXEC` override; otherwise the XDG base directories (relative values ignored, as
 * the XDG spec says), else `$HOME/.config` and `$HOME/.cache`.
 *
 * @example const p = notationPaths(process.env); p.signingKeysFile
 */
export function notationPaths(env: NotationEnv = process.env): NotationPaths {
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  const configDir =
    absolute(env['NOTATION_CONFIG']) ??
    join(absolute(env['XDG_CONFIG_HOME']) ?? join(home, '.config'), 'notation');
  const cacheDir =
    absolute(env['NOTATION_CACHE']) ??
    join(absolute(env['XDG_CACHE_HOME']) ?? join(home, '.cache'), 'notation');
  const libexecDir = absolute(env['NOTATION_LIBEXEC']) ?? configDir;
  return {
    configDir,
    cacheDir,
    libexecDir,
    configFile: join(configDir, 'config.json'),
    signingKeysFile: join(configDir, 'signingkeys.json'),
    ociTrustPolicyFile: join(configDir, 'trustpolicy.oci.json'),
    legacyTrustPolicyFile: join(configDir, 'trustpolicy.json'),
    blobTrustPolicyFile: join(configDir, 'trustpolicy.blob.json'),
    trustStoreDir: join(configDir, 'truststore'),
    localKeysDir: join(configDir, 'localkeys'),
    pluginsDir: join(libexecDir, 'plugins'),
    crlCacheDir: join(cacheDir, 'crl'),
  };
}

// ---------------------------------------------------------------------------------------------
// signingkeys.json

/** A local key pair entry (`notation cert generate-test`, hand-written entries). */
export interface LocalSigningKey {
  readonly name: string;
  readonly keyPath: string;
  readonly certPath: string;
}

/** A plugin key entry (`notation key add --plugin`). */
export interface PluginSigningKey {
  readonly name: string;
  readonly id: string;
  readonly pluginName: string;
  readonly pluginConfig?: Readonly<Record<string, string>>;
}

/** One `keys[]` entry. */
export type SigningKeyEntry = LocalSigningKey | PluginSigningKey;

/** The `signingkeys.json` document. */
export interface SigningKeys {
  readonly default?: string;
  readonly keys: readonly SigningKeyEntry[];
}

/** True for a plugin key entry. */
export function isPluginKey(key: SigningKeyEntry): key is PluginSigningKey {
  return 'pluginName' in key;
}

const nonEmpty = (what: string) => z.string().min(1, `${what} must not be empty`);

const keyEntrySchema = z
  .object({
    name: nonEmpty('name'),
    keyPath: nonEmpty('keyPath').optional(),
    certPath: nonEmpty('certPath').optional(),
    id: nonEmpty('id').optional(),
    pluginName: nonEmpty('pluginName').optional(),
    pluginConfig: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .superRefine((k, ctx) => {
    const local = k.keyPath !== undefined || k.certPath !== undefined;
    const plugin = k.id !== undefined || k.pluginName !== undefined || k.pluginConfig !== undefined;
    if (local && plugin) {
      ctx.addIssue({
        code: 'custom',
        message: `key "${k.name}" has both a key pair and a plugin key`,
      });
    } else if (local && (k.keyPath === undefined || k.certPath === undefined)) {
      ctx.addIssue({ code: 'custom', message: `key "${k.name}" needs both keyPath and certPath` });
    } else if (plugin && (k.id === undefined || k.pluginName === undefined)) {
      ctx.addIssue({ code: 'custom', message: `key "${k.name}" needs both id and pluginName` });
    } else if (!local && !plugin) {
      ctx.addIssue({
        code: 'custom',
        message: `key "${k.name}" has neither keyPath/certPath nor id/pluginName`,
      });
    }
  });

const signingKeysSchema = z
  .object({
    default: z.string().optional(),
    keys: z.array(keyEntrySchema).nullish(),
  })
  .strict();

function issues(err: z.ZodError): string {
  return err.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Validates a parsed `signingkeys.json`: known fields only, each key either a key pair or a
 * plugin key, unique names, and `default` naming an existing key.
 *
 * @throws NotationError `CONFIG_INVALID`
 */
export function parseSigningKeys(input: unknown): SigningKeys {
  const r = signingKeysSchema.safeParse(input);
  if (!r.success) {
    throw new NotationError('CONFIG_INVALID', `signingkeys.json: ${issues(r.error)}`);
  }
  const keys: SigningKeyEntry[] = (r.data.keys ?? []).map((k) =>
    k.pluginName !== undefined
      ? {
          name: k.name,
          id: k.id as string,
          pluginName: k.pluginName,
          ...(k.pluginConfig ? { pluginConfig: k.pluginConfig } : {}),
        }
      : { name: k.name, keyPath: k.keyPath as string, certPath: k.certPath as string },
  );
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.name)) {
      throw new NotationError('CONFIG_INVALID', `signingkeys.json: duplicate key name "${k.name}"`);
    }
    seen.add(k.name);
  }
  const def = r.data.default;
  if (def !== undefined && def !== '' && !seen.has(def)) {
    throw new NotationError(
      'CONFIG_INVALID',
      `signingkeys.json: default key "${def}" is not in the key list`,
    );
  }
  return def !== undefined && def !== '' ? { default: def, keys } : { keys };
}

/**
 * Reads `signingkeys.json`; a missing file is an empty key list (as notation treats it).
 *
 * @throws NotationError `CONFIG_INVALID` (bad JSON or content, a symlink or directory)
 */
export async function readSigningKeys(paths: NotationPaths): Promise<SigningKeys> {
  const raw = await readConfigJson(paths.signingKeysFile);
  return raw === undefined ? { keys: [] } : parseSigningKeys(raw);
}

/**
 * Writes `signingkeys.json` atomically (temp file + rename, mode 0600) in notation's shape.
 *
 * @throws NotationError `CONFIG_INVALID` when the document does not validate
 */
export async function writeSigningKeys(paths: NotationPaths, doc: SigningKeys): Promise<void> {
  const checked = parseSigningKeys(doc);
  const out: Record<string, unknown> = {};
  if (checked.default !== undefined) out['default'] = checked.default;
  out['keys'] = checked.keys;
  await writeFileAtomic(paths.signingKeysFile, `${JSON.stringify(out, null, 4)}\n`, 0o600);
}

/**
 * The key `name` selects, else the default key.
 *
 * @throws NotationError `KEY_NOT_FOUND`
 */
export function selectSigningKey(keys: SigningKeys, name?: string): SigningKeyEntry {
  const want = name ?? keys.default;
  if (want === undefined) {
    throw new NotationError(
      'KEY_NOT_FOUND',
      'no signing key given and no default key is set (use --key, or set a default with "key update --default")',
    );
  }
  const hit = keys.keys.find((k) => k.name === want);
  if (!hit) throw new NotationError('KEY_NOT_FOUND', `signing key "${want}" not found`);
  return hit;
}

// ---------------------------------------------------------------------------------------------
// config.json

/** notation's `config.json`; unknown fields are kept on rewrite. */
export interface NotationConfig {
  readonly insecureRegistries?: readonly string[];
  readonly credsStore?: string;
  readonly credHelpers?: Readonly<Record<string, string>>;
  readonly signatureFormat?: 'jws' | 'cose';
  readonly [key: string]: unknown;
}

const configSchema = z.looseObject({
  insecureRegistries: z.array(z.string()).nullish(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).nullish(),
  signatureFormat: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v === '' || v === 'jws' || v === 'cose',
      'signatureFormat must be "jws" or "cose"',
    ),
});

/**
 * Validates a parsed `config.json`.
 *
 * @throws NotationError `CONFIG_INVALID`
 */
export function parseNotationConfig(input: unknown): NotationConfig {
  const r = configSchema.safeParse(input);
  if (!r.success) throw new NotationError('CONFIG_INVALID', `config.json: ${issues(r.error)}`);
  const out: { [key: string]: unknown } = {};
  for (const [k, v] of Object.entries(r.data)) {
    if (v === null || v === undefined) continue;
    if (k === 'signatureFormat' && v === '') continue;
    out[k] = v;
  }
  return out;
}

/**
 * Reads `config.json`; missing ⇒ `{}`.
 *
 * @throws NotationError `CONFIG_INVALID`
 */
export async function readNotationConfig(paths: NotationPaths): Promise<NotationConfig> {
  const raw = await readConfigJson(paths.configFile);
  return raw === undefined ? {} : parseNotationConfig(raw);
}

/**
 * Writes `config.json` atomically (mode 0600).
 *
 * @throws NotationError `CONFIG_INVALID`
 */
export async function writeNotationConfig(
  paths: NotationPaths,
  config: NotationConfig,
): Promise<void> {
  const checked = parseNotationConfig(config);
  await writeFileAtomic(paths.configFile, `${JSON.stringify(checked, null, 4)}\n`, 0o600);
}

// ---------------------------------------------------------------------------------------------
// Trust policies and trust store

/** A loaded trust policy and the file it came from. */
export interface LoadedTrustPolicy {
  readonly document: TrustPolicyDocument;
  readonly path: string;
}

/**
 * Loads the OCI trust policy: `trustpolicy.oci.json`, else notation 1.x's `trustpolicy.json`.
 * Symlinks and directories are refused, as notation does.
 *
 * @throws NotationError `POLICY_NOT_FOUND` | `CONFIG_INVALID`; NotaryError `POLICY_INVALID`
 */
export async function loadOciTrustPolicy(paths: NotationPaths): Promise<LoadedTrustPolicy> {
  for (const path of [paths.ociTrustPolicyFile, paths.legacyTrustPolicyFile]) {
    const raw = await readConfigJson(path);
    if (raw !== undefined) return { document: parseOciTrustPolicy(raw), path };
  }
  throw new NotationError(
    'POLICY_NOT_FOUND',
    `trust policy is not present; create ${paths.ociTrustPolicyFile} (or import one with "policy import")`,
  );
}

/**
 * Loads `trustpolicy.blob.json`.
 *
 * @throws NotationError `POLICY_NOT_FOUND` | `CONFIG_INVALID`; NotaryError `POLICY_INVALID`
 */
export async function loadBlobTrustPolicy(paths: NotationPaths): Promise<LoadedTrustPolicy> {
  const raw = await readConfigJson(paths.blobTrustPolicyFile);
  if (raw === undefined) {
    throw new NotationError(
      'POLICY_NOT_FOUND',
      `blob trust policy is not present; create ${paths.blobTrustPolicyFile}`,
    );
  }
  return { document: parseBlobTrustPolicy(raw), path: paths.blobTrustPolicyFile };
}

/** The trust store under `{config}/truststore` (notary's directory store). */
export function openTrustStore(paths: NotationPaths): TrustStore {
  return createDirectoryTrustStore(paths.trustStoreDir);
}

// ---------------------------------------------------------------------------------------------
// File helpers

/** Max size of a configuration file (notation's files are small; this bounds bad input). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads and parses a JSON configuration file; `undefined` when it does not exist.
 *
 * @throws NotationError `CONFIG_INVALID` for a symlink, a directory, an oversize file or bad JSON
 */
export async function readConfigJson(path: string): Promise<unknown> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NotationError('CONFIG_INVALID', `cannot read ${path}`, { cause: err });
  }
  if (st.isSymbolicLink()) {
    throw new NotationError('CONFIG_INVALID', `${path} is a symlink, which is not allowed`);
  }
  if (!st.isFile()) throw new NotationError('CONFIG_INVALID', `${path} is not a regular file`);
  if (st.size > MAX_CONFIG_BYTES) {
    throw new NotationError('CONFIG_INVALID', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  }
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new NotationError('CONFIG_INVALID', `${path}: malformed JSON`, { cause: err });
  }
}

/** Writes `data` to `path` through a temp file in the same directory and a rename. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new NotationError('IO_ERROR', `cannot write ${path}`, { cause: err });
  }
}
