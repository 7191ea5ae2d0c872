import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  fetchAll,
  OciLayoutStore,
  type Deleter,
  type GraphTarget,
  type ReadOnlyGraphTarget,
  type ReferencePusher,
  type ReferrerLister,
  type TagLister,
} from '@wharf/content';
import { isDigest, parseReference, WharfError, type Descriptor } from '@wharf/core';
// Types only: the registry client (and undici under it) costs ~60 ms to import, so it is
// loaded when a registry is opened, not by OCI layout commands.
import type {
  Credential,
  CredentialFunc,
  CredentialStore,
  Registry,
  RegistryOptions,
  RemoteRepository,
} from '@wharf/registry-client';
import type { CommandContext } from '../deps.js';
import { usageError } from '../usage.js';
import { parseHeaders, splitReference, type RemoteFlags } from './options.js';

// Lives in options.ts (no registry client), so a command can split a reference cheaply.
export { splitReference } from './options.js';

/** What every target can do: read, resolve, list referrers and tags. */
export type ReadTarget = ReadOnlyGraphTarget & ReferrerLister & TagLister;
/** What a writable target adds. */
export type WriteTarget = GraphTarget & ReferencePusher & Partial<Deleter>;

/** An opened registry repository or OCI layout plus what the user typed. */
export interface OpenedTarget {
  readonly kind: 'registry' | 'oci-layout';
  readonly store: ReadTarget;
  /** Undefined for read-only targets (a layout `.tar`). */
  readonly writable: WriteTarget | undefined;
  /** The remote repository (registry targets only). */
  readonly repository: RemoteRepository | undefined;
  /** `registry/repo` or the layout path: what `repo@digest` references are built from. */
  readonly name: string;
  /** The tag or digest given, if any (the first tag when several were given). */
  readonly reference: string | undefined;
  /** Every tag given with `name:t1,t2` (push, copy destination). */
  readonly tags: readonly string[];
  /** The reference as the user typed it. */
  readonly raw: string;
  /** `[registry] <raw>` or `[oci-layout] <raw>`. */
  readonly display: string;
  close(): Promise<void>;
}

/** Reads all of stdin as text (for `--password-stdin`). */
export async function readStdin(ctx: CommandContext): Promise<string> {
  return (await readStdinBytes(ctx)).toString('utf8');
}

/** Reads all of stdin as bytes (`blob push -`, `manifest push -`). */
export async function readStdinBytes(ctx: CommandContext): Promise<Buffer> {
  const stdin = ctx.deps.stdin;
  if (!stdin) throw usageError('stdin is not available');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/** The credential the flags give, if any (reads stdin for `--password-stdin`). */
export async function flagCredential(
  ctx: CommandContext,
  flags: RemoteFlags,
): Promise<Credential | undefined> {
  if (flags.passwordStdin && flags.password !== undefined) {
    throw usageError('--password and --password-stdin cannot both be used');
  }
  if (flags.identityToken !== undefined || flags.identityTokenStdin) {
    const token = flags.identityTokenStdin
      ? (await readStdin(ctx)).replace(/\r?\n$/, '')
      : (flags.identityToken ?? '');
    return { refreshToken: token };
  }
  let password = flags.password;
  if (flags.passwordStdin) password = (await readStdin(ctx)).replace(/\r?\n$/, '');
  if (password !== undefined && flags.username === undefined) {
    throw usageError('--password needs --username (or use --identity-token)');
  }
  if (flags.username !== undefined) return { username: flags.username, password: password ?? '' };
  return undefined;
}

/** The docker config file the flags select. */
export function configPath(ctx: CommandContext, flags: RemoteFlags): string {
  const first = flags.registryConfig?.[0];
  return first !== undefined ? resolve(ctx.deps.cwd, first) : ctx.paths.dockerConfigFile;
}

function credentialFunc(
  ctx: CommandContext,
  flags: RemoteFlags,
  Store: typeof CredentialStore,
): CredentialFunc {
  const files =
    flags.registryConfig && flags.registryConfig.length > 0
      ? flags.registryConfig.map((f) => resolve(ctx.deps.cwd, f))
      : [ctx.paths.dockerConfigFile];
  const stores = files.map(
    (configPath) => new Store({ configPath, env: ctx.deps.env, logger: ctx.logger }),
  );
  return async (host) => {
    for (const store of stores) {
      const cred = await store.get(host);
      if (cred) return cred;
    }
    return undefined;
  };
}

/** Registry client options from the flags (credentials, TLS, headers, referrers mode). */
export async function registryOptions(
  ctx: CommandContext,
  flags: RemoteFlags,
  credential?: Credential,
): Promise<RegistryOptions> {
  const cred = credential ?? (await flagCredential(ctx, flags));
  const { CredentialStore, parseResolveRule } = await import('@wharf/registry-client');
  const headers = parseHeaders(flags.header);
  let rules;
  try {
    rules = (flags.resolve ?? []).map(parseResolveRule);
  } catch (err) {
    throw usageError(err instanceof Error ? err.message : String(err));
  }
  const mode =
    flags.distributionSpec === 'v1.1-referrers-api'
      ? 'api'
      : flags.distributionSpec === 'v1.1-referrers-tag'
        ? 'tag'
        : 'auto';
  const opts: Record<string, unknown> = {
    logger: ctx.logger,
    credentials: cred ?? credentialFunc(ctx, flags, CredentialStore),
    referrersMode: mode,
    userAgent: 'wharf',
    plainHttp: flags.plainHttp,
    insecure: flags.insecure,
    caFile: flags.caFile,
    certFile: flags.certFile,
    keyFile: flags.keyFile,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(rules.length > 0 ? { resolve: rules } : {}),
  };
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts;
}

/** Opens a registry by host (`repo ls`, `login`). */
export async function openRegistry(
  ctx: CommandContext,
  host: string,
  flags: RemoteFlags,
  credential?: Credential,
): Promise<Registry> {
  const options = await registryOptions(ctx, flags, credential);
  const { Registry } = await import('@wharf/registry-client');
  return new Registry(host, options);
}

export interface OpenTargetOptions {
  /** Create the layout when missing (writes). */
  readonly create?: boolean;
  /** Allow `name:t1,t2`. */
  readonly multipleTags?: boolean;
  /**
   * Registry targets: referrer pushes return before their tag-schema check, which the caller
   * must await with `repository.settleReferrers()` (`copy -r`).
   */
  readonly deferReferrersVerification?: boolean;
}

/** Opens `raw` as a registry repository or, with `--oci-layout`, an OCI layout. */
export async function openTarget(
  ctx: CommandContext,
  raw: string,
  flags: RemoteFlags,
  options: OpenTargetOptions = {},
): Promise<OpenedTarget> {
  const parts = splitReference(raw);
  if (parts.tags.length > 1 && !options.multipleTags) {
    throw usageError(`"${raw}": only one tag may be given here`);
  }
  if (parts.digest !== undefined && !isDigest(parts.digest)) {
    throw new WharfError('INVALID_REFERENCE', `invalid digest in "${raw}"`);
  }
  const reference = parts.digest ?? parts.tags[0];
  if (flags.ociLayout) {
    const path = isAbsolute(parts.name) ? parts.name : resolve(ctx.deps.cwd, parts.name);
    if (/\.tar$/i.test(path) && !options.create) {
      const store = await OciLayoutStore.openTar(path);
      return layoutTarget(store, undefined, parts.name, reference, parts.tags, raw);
    }
    const store = await OciLayoutStore.open(path, { create: options.create ?? false });
    return layoutTarget(store, store, parts.name, reference, parts.tags, raw);
  }
  const base = parseReference(
    parts.tags.length > 0 ? `${parts.name}:${parts.tags[0] ?? ''}` : parts.name,
  );
  const registry = await openRegistry(ctx, base.registry, flags);
  const repository = registry.repository(
    base.repository,
    options.deferReferrersVerification ? { referrersDeferVerification: true } : {},
  );
  return {
    kind: 'registry',
    store: repository,
    writable: repository,
    repository,
    name: `${base.registry}/${base.repository}`,
    reference,
    tags: parts.tags,
    raw,
    display: `[registry] ${raw}`,
    close: () => registry.close(),
  };
}

function layoutTarget(
  store: ReadTarget,
  writable: WriteTarget | undefined,
  name: string,
  reference: string | undefined,
  tags: readonly string[],
  raw: string,
): OpenedTarget {
  return {
    kind: 'oci-layout',
    store,
    writable,
    repository: undefined,
    name,
    reference,
    tags,
    raw,
    display: `[oci-layout] ${raw}`,
    close: () => Promise.resolve(),
  };
}

/** The writable store, or a usage error for read-only targets. */
export function requireWritable(target: OpenedTarget): WriteTarget {
  if (!target.writable) throw usageError(`${target.raw} is read-only (an OCI layout archive)`);
  return target.writable;
}

/** The reference, or a usage error when the user gave none. */
export function requireReference(target: OpenedTarget): string {
  if (target.reference === undefined) {
    throw usageError(`"${target.raw}": a tag or digest is required`);
  }
  return target.reference;
}

/** Reads a small text file (annotation files, manifests). */
export function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** Resolves and fetches a manifest in one step where the target allows it. */
export async function fetchManifestOf(
  target: OpenedTarget,
  reference: string,
  signal: AbortSignal,
): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  if (target.repository) {
    const got = await target.repository.fetchReference(reference, { signal });
    return { descriptor: got.descriptor, bytes: got.bytes };
  }
  const descriptor = await target.store.resolve(reference, { signal });
  return { descriptor, bytes: await fetchAll(target.store, descriptor, { signal }) };
}
