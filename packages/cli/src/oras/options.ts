import { Option, type Command } from 'commander';
import { usageError } from '../usage.js';

/**
 * Remote target flags shared by the oras-compatible commands (oras `option.Remote`). Copy-style
 * commands add them twice, prefixed `--from-` and `--to-`.
 */
export interface RemoteFlags {
  readonly username?: string;
  readonly password?: string;
  readonly passwordStdin?: boolean;
  readonly identityToken?: string;
  readonly identityTokenStdin?: boolean;
  readonly insecure?: boolean;
  readonly plainHttp?: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly registryConfig?: readonly string[];
  readonly header?: readonly string[];
  readonly resolve?: readonly string[];
  readonly ociLayout?: boolean;
  readonly distributionSpec?: string;
}

/** Flags every oras command has: `--no-tty`, `--format`. */
export interface CommonFlags {
  readonly tty?: boolean;
  readonly format?: string;
}

const collect = (value: string, previous: readonly string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** camelCase of `from-plain-http` → `fromPlainHttp`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export interface RemoteOptionSet {
  /** Add `--oci-layout`. */
  readonly ociLayout?: boolean;
  /** Add `--distribution-spec`. */
  readonly distributionSpec?: boolean;
}

/**
 * Adds the remote flags to `cmd`; `prefix` is `''`, `'from'` or `'to'`. Short flags (`-u`, `-p`,
 * `-H`) only exist without a prefix, as in oras.
 */
export function addRemoteOptions(cmd: Command, prefix = '', set: RemoteOptionSet = {}): Command {
  const p = prefix === '' ? '' : `${prefix}-`;
  const who = prefix === '' ? '' : ` for the ${prefix === 'from' ? 'source' : 'destination'}`;
  const short = (s: string): string => (prefix === '' ? `${s}, ` : '');
  cmd
    .option(`${short('-u')}--${p}username <username>`, `registry username${who}`)
    .option(`${short('-p')}--${p}password <password>`, `registry password or identity token${who}`)
    .option(`--${p}password-stdin`, `read the password from stdin${who}`)
    .option(`--${p}identity-token <token>`, `registry identity token${who}`)
    .option(`--${p}identity-token-stdin`, `read the identity token from stdin${who}`)
    .option(`--${p}insecure`, `allow connections to registries without valid TLS${who}`)
    .option(`--${p}plain-http`, `use plain HTTP (default for localhost)${who}`)
    .option(`--${p}ca-file <file>`, `server certificate authority file${who}`)
    .option(`--${p}cert-file <file>`, `client certificate file (mTLS)${who}`)
    .option(`--${p}key-file <file>`, `client private key file (mTLS)${who}`)
    .option(
      `--${p}registry-config <path>`,
      `path of the authentication file (repeatable)${who}`,
      collect,
    )
    .option(
      `${short('-H')}--${p}header <header>`,
      `add a 'Key: Value' request header${who}`,
      collect,
    )
    .option(
      `--${p}resolve <host:port:address[:address_port]>`,
      `connect to address[:address_port] for host:port (repeatable)${who}`,
      collect,
    );
  if (set.ociLayout) {
    cmd.option(`--${p}oci-layout`, `the target${who} is an OCI image layout (path[:tag|@digest])`);
  }
  if (set.distributionSpec) {
    cmd.addOption(
      new Option(
        `--${p}distribution-spec <spec>`,
        `referrers mode${who}: v1.1-referrers-api or v1.1-referrers-tag`,
      ).choices(['v1.1-referrers-api', 'v1.1-referrers-tag']),
    );
  }
  return cmd;
}

/** Adds `--no-tty` (no progress bars). */
export function addTtyOption(cmd: Command): Command {
  return cmd.option('--no-tty', 'do not show progress bars (plain status lines)');
}

/** Picks the remote flags with `prefix` out of commander's parsed options. */
export function remoteFlags(options: object, prefix = ''): RemoteFlags {
  const opts = options as Record<string, unknown>;
  const key = (name: string): string => camel(prefix === '' ? name : `${prefix}-${name}`);
  const str = (name: string): string | undefined => {
    const v = opts[key(name)];
    return typeof v === 'string' ? v : undefined;
  };
  const bool = (name: string): boolean | undefined => {
    const v = opts[key(name)];
    return typeof v === 'boolean' ? v : undefined;
  };
  const list = (name: string): readonly string[] | undefined => {
    const v = opts[key(name)];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  };
  const out: Record<string, unknown> = {
    username: str('username'),
    password: str('password'),
    passwordStdin: bool('password-stdin'),
    identityToken: str('identity-token'),
    identityTokenStdin: bool('identity-token-stdin'),
    insecure: bool('insecure'),
    plainHttp: bool('plain-http'),
    caFile: str('ca-file'),
    certFile: str('cert-file'),
    keyFile: str('key-file'),
    registryConfig: list('registry-config'),
    header: list('header'),
    resolve: list('resolve'),
    ociLayout: bool('oci-layout'),
    distributionSpec: str('distribution-spec'),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** Output formats of the oras commands. */
export type OrasFormat = 'text' | 'json' | 'tree' | 'table';

/**
 * Validates `--format`: `allowed` lists the formats the command has; `go-template` is recognised
 * but unsupported (usage error, exit 2).
 */
export function parseFormat(
  value: string | undefined,
  allowed: readonly OrasFormat[],
  fallback: OrasFormat,
): OrasFormat {
  if (value === undefined || value === '') return fallback;
  if (value.startsWith('go-template')) {
    throw usageError(
      '--format go-template is not supported by wharf; use --format json and a JSON tool (e.g. jq)',
    );
  }
  if ((allowed as readonly string[]).includes(value)) return value as OrasFormat;
  throw usageError(`unsupported format "${value}" (use ${allowed.join(', ')})`);
}

/** Parses `Key: Value` header flags. */
export function parseHeaders(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf(':');
    if (i <= 0) throw usageError(`invalid header "${v}": expected 'Key: Value'`);
    out[v.slice(0, i).trim().toLowerCase()] = v.slice(i + 1).trim();
  }
  return out;
}

/** `--concurrency`: a positive integer. */
export function parseConcurrency(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw usageError(`--concurrency must be a positive integer, got "${value}"`);
  }
  return n;
}

/** Splits `<name>[:<tag>[,<tag>…]]` tag lists as oras does. */
export function splitTags(list: string): string[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Splits `name[:t1,t2][@digest]`, where the tag part is after the last `/`. */
export function splitReference(raw: string): {
  name: string;
  tags: string[];
  digest: string | undefined;
} {
  let rest = raw;
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', slash + 1);
  if (colon > 0) {
    return { name: rest.slice(0, colon), tags: splitTags(rest.slice(colon + 1)), digest };
  }
  return { name: rest, tags: [], digest };
}
