import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `1h`, `30m`, `90s`, `500ms`, `2d` or a number of seconds into milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = DURATION.exec(value.trim());
  if (!m) throw new ConfigError('CONFIG_INVALID', `invalid duration ${JSON.stringify(value)}`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000));
}

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `invalid duration ${JSON.stringify(v)} (use e.g. 90s, 30m, 1h)`,
    });
    return z.NEVER;
  }
});

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
]);
const positiveInt = z.coerce.number().int().positive();

/**
 * The registry configuration schema. Every field has a default, so `{}` is a valid file.
 * Durations accept `90s`, `30m`, `1h`, `2d`, or a number of seconds; they are resolved to ms.
 */
export const registryConfigSchema = z
  .object({
    /** Listen address. Default `127.0.0.1:5000`; port 0 picks a free port. */
    listen: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: port.default(5000) })
      .strict()
      .default({ host: '127.0.0.1', port: 5000 }),
    /**
     * Data directory for blobs, upload sessions and the SQLite metadata database. Default
     * `./.wharf-data`, resolved against the working directory at load time.
     */
    dataDir: z.string().min(1).default('./.wharf-data'),
    log: z
      .object({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info'),
        /** One JSON line per request. */
        accessLog: bool.default(true),
      })
      .strict()
      .default({ level: 'info', accessLog: true }),
    storage: z
      .object({
        /** fsync blob data before the rename that publishes it (and the directory after). */
        fsync: bool.default(true),
      })
      .strict()
      .default({ fsync: true }),
    limits: z
      .object({
        /** Manifests above this size get 413. */
        maxManifestBytes: positiveInt.default(4 * 1024 * 1024),
        /** Deeper JSON is MANIFEST_INVALID. */
        maxJsonDepth: positiveInt.default(64),
        /** `?tag=` parameters accepted on one manifest PUT; more gives 414. */
        maxTagsPerPush: positiveInt.default(100),
        /** Page size of the referrers API (a `Link` header points at the next page). */
        referrersPageSize: positiveInt.default(1000),
        /** Largest `n` honoured by tags list and catalog; larger `n` is clamped (and paged). */
        maxPageSize: positiveInt.default(10_000),
      })
      .strict()
      .default({
        maxManifestBytes: 4 * 1024 * 1024,
        maxJsonDepth: 64,
        maxTagsPerPush: 100,
        referrersPageSize: 1000,
        maxPageSize: 10_000,
      }),
    uploads: z
      .object({
        /** Idle upload sessions older than this are expired (404 BLOB_UPLOAD_UNKNOWN, removed by GC). */
        ttl: duration.default(24 * 3600),
        /** Sent as `OCI-Chunk-Min-Length` when > 0. */
        chunkMinLength: z.coerce.number().int().nonnegative().default(0),
      })
      .strict()
      .default({ ttl: 24 * 3600 * 1000, chunkMinLength: 0 }),
    mount: z
      .object({
        /** `POST ?mount=<d>` without `from` mounts a blob found in any readable repository. */
        automatic: bool.default(true),
      })
      .strict()
      .default({ automatic: true }),
    delete: z
      .object({ enabled: bool.default(true) })
      .strict()
      .default({ enabled: true }),
    gc: z
      .object({
        /** Run GC every interval; 0 disables the timer (run it with `runGc()` / `wharf gc`). */
        interval: duration.default(0),
        /** Unreferenced manifests and blobs younger than this are kept, so concurrent pushes are safe. */
        gracePeriod: duration.default(3600),
      })
      .strict()
      .default({ interval: 0, gracePeriod: 3600 * 1000 }),
    auth: z
      .object({
        /** `none` (anonymous, the default) or `basic` against an htpasswd file of bcrypt hashes. */
        type: z.enum(['none', 'basic']).default('none'),
        htpasswd: z.string().optional(),
        realm: z.string().default('wharf'),
        /** With basic auth: let anonymous clients pull. */
        anonymousPull: bool.default(false),
      })
      .strict()
      .default({ type: 'none', realm: 'wharf', anonymousPull: false }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.auth.type === 'basic' && !c.auth.htpasswd) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'htpasswd'],
        message: 'auth.type basic needs auth.htpasswd',
      });
    }
  });

/** The validated, defaulted configuration (durations in milliseconds). */
export type RegistryConfig = z.output<typeof registryConfigSchema>;
/** What a config file, env or flags may contain (all optional, durations as strings or seconds). */
export type RegistryConfigInput = z.input<typeof registryConfigSchema>;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Tree = { [k: string]: unknown };

/** `WHARF_*` environment variables and the config path each sets. */
export const ENV_VARS: Readonly<Record<string, readonly string[]>> = {
  WHARF_LISTEN_HOST: ['listen', 'host'],
  WHARF_LISTEN_PORT: ['listen', 'port'],
  WHARF_DATA_DIR: ['dataDir'],
  WHARF_LOG_LEVEL: ['log', 'level'],
  WHARF_LOG_ACCESS_LOG: ['log', 'accessLog'],
  WHARF_STORAGE_FSYNC: ['storage', 'fsync'],
  WHARF_LIMITS_MAX_MANIFEST_BYTES: ['limits', 'maxManifestBytes'],
  WHARF_LIMITS_MAX_JSON_DEPTH: ['limits', 'maxJsonDepth'],
  WHARF_LIMITS_MAX_TAGS_PER_PUSH: ['limits', 'maxTagsPerPush'],
  WHARF_LIMITS_REFERRERS_PAGE_SIZE: ['limits', 'referrersPageSize'],
  WHARF_LIMITS_MAX_PAGE_SIZE: ['limits', 'maxPageSize'],
  WHARF_UPLOADS_TTL: ['uploads', 'ttl'],
  WHARF_UPLOADS_CHUNK_MIN_LENGTH: ['uploads', 'chunkMinLength'],
  WHARF_MOUNT_AUTOMATIC: ['mount', 'automatic'],
  WHARF_DELETE_ENABLED: ['delete', 'enabled'],
  WHARF_GC_INTERVAL: ['gc', 'interval'],
  WHARF_GC_GRACE_PERIOD: ['gc', 'gracePeriod'],
  WHARF_AUTH_TYPE: ['auth', 'type'],
  WHARF_AUTH_HTPASSWD: ['auth', 'htpasswd'],
  WHARF_AUTH_REALM: ['auth', 'realm'],
  WHARF_AUTH_ANONYMOUS_PULL: ['auth', 'anonymousPull'],
};

function setPath(tree: Tree, keys: readonly string[], value: unknown): void {
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Tree;
    else {
      const created: Tree = {};
      node[k] = created;
      node = created;
    }
  }
  node[keys[keys.length - 1] as string] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    if (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      typeof b === 'object' &&
      b !== null &&
      !Array.isArray(b)
    ) {
      out[k] = merge(b as Tree, v as Tree);
    } else out[k] = v;
  }
  return out;
}

/** Reads a YAML or JSON config file (by extension; YAML is a superset, so anything else is YAML). */
export function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `cannot read config file ${file}`, { cause });
  }
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? (JSON.parse(text) as Json) : (parseYaml(text) as unknown);
  } catch (cause) {
    throw new ConfigError('CONFIG_INVALID', `config file ${file} does not parse`, { cause });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('CONFIG_INVALID', `config file ${file} must hold an object`);
  }
  return doc as Tree;
}

/** Flags as the CLI passes them: a nested partial config, or dotted keys (`listen.port`). */
export type ConfigFlags = RegistryConfigInput | Readonly<Record<string, unknown>>;

export interface LoadConfigOptions {
  /** Path of a YAML or JSON config file. */
  readonly file?: string | undefined;
  /** Environment (`process.env`); only `WHARF_*` keys in {@link ENV_VARS} are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line flags; highest precedence. */
  readonly flags?: ConfigFlags;
  /** Base for a relative `dataDir` / `htpasswd` (default: `process.cwd()`). */
  readonly cwd?: string;
}

/**
 * Builds the configuration: defaults < file < `WHARF_*` env < flags, validated with zod.
 * `dataDir` and `auth.htpasswd` are resolved to absolute paths.
 *
 * @throws ConfigError `CONFIG_INVALID` with every problem listed, or `CONFIG_FILE_UNREADABLE`
 * @example loadConfig({ file: 'wharf.yaml', env: process.env, flags: { listen: { port: 5001 } } })
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<RegistryConfig> {
  let tree: Tree = options.file ? readConfigFile(options.file) : {};
  const envTree: Tree = {};
  // WHARF_LISTEN=host:port (or :port, [v6]:port) is a shorthand for the two below.
  const listen = options.env?.WHARF_LISTEN;
  if (listen) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
    if (!m)
      throw new ConfigError(
        'CONFIG_INVALID',
        `WHARF_LISTEN must be host:port, got ${JSON.stringify(listen)}`,
      );
    setPath(envTree, ['listen', 'host'], m[1] ?? (m[2] || '127.0.0.1'));
    setPath(envTree, ['listen', 'port'], m[3]);
  }
  for (const [name, keys] of Object.entries(ENV_VARS)) {
    const v = options.env?.[name];
    if (v !== undefined && v !== '') setPath(envTree, keys, v);
  }
  tree = merge(tree, envTree);
  if (options.flags) {
    const flagTree: Tree = {};
    for (const [k, v] of Object.entries(options.flags)) {
      if (v === undefined) continue;
      if (k.includes('.')) setPath(flagTree, k.split('.'), v);
      else flagTree[k] = v;
    }
    tree = merge(tree, flagTree);
  }
  const parsed = registryConfigSchema.safeParse(tree);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new ConfigError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      detail: { problems },
    });
  }
  const cwd = options.cwd ?? process.cwd();
  const config = parsed.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  if (config.auth.htpasswd) config.auth.htpasswd = path.resolve(cwd, config.auth.htpasswd);
  return deepFreeze(config);
}

/** The defaults, for tests and embedding: `defaultConfig({ dataDir })`. */
export function defaultConfig(overrides: RegistryConfigInput = {}): Readonly<RegistryConfig> {
  return loadConfig({ flags: overrides as Readonly<Record<string, unknown>> });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
