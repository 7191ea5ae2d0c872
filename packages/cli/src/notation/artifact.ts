/**
 * What `sign`, `verify`, `list` and `inspect` share: notation's registry flags on top of the oras
 * remote flags, opening the target (registry or `--oci-layout`), resolving the reference with
 * notation's tag warning, exit code 3 marking, and the HTTP fetcher for OCSP/CRL.
 * @module
 */
import { WharfError, isWharfError, type Descriptor } from '@wharf/core';
import {
  CRL_CACHE_WARNING,
  VERIFICATION_ERROR_CODES,
  createCachingCrlFetcher,
  createRevocationChecker,
  type RevocationChecker,
} from '@wharf/notary';
import { readNotationConfig, type NotationPaths } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { remoteFlags, type RemoteFlags } from '../oras/options.js';
import { openTarget, splitReference, type OpenedTarget } from '../oras/target.js';
import { usageError } from '../usage.js';

/** notation's registry flags as parsed by commander. */
export interface NotationRemoteOptions {
  readonly insecureRegistry?: boolean;
  readonly ociLayout?: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly [key: string]: unknown;
}

export { notationRemoteCommand } from './flags.js';

/** Prints notation v1.3's deprecation warning for `--allow-referrers-api`. */
export function warnDeprecatedFlags(ctx: CommandContext, opts: NotationRemoteOptions): void {
  if (opts['allowReferrersApi'] === true) {
    ctx.deps.stderr.write(
      'Warning: flag "--allow-referrers-api" is deprecated and has no effect: the Referrers API is used when the registry supports it\n',
    );
  }
}

/**
 * The remote flags with notation's defaults applied: `$NOTATION_USERNAME`/`$NOTATION_PASSWORD`
 * when `-u`/`-p` are absent, and plain HTTP for `--insecure-registry` or a registry listed in
 * `config.json` `insecureRegistries`.
 */
export async function notationFlags(
  ctx: CommandContext,
  paths: NotationPaths,
  opts: NotationRemoteOptions,
  reference: string,
  extra: Partial<RemoteFlags> = {},
): Promise<RemoteFlags> {
  warnDeprecatedFlags(ctx, opts);
  const base = remoteFlags(opts);
  const env = ctx.deps.env;
  let username = base.username;
  let password = base.password;
  if (username === undefined && password === undefined && !base.passwordStdin) {
    const u = env['NOTATION_USERNAME'];
    const p = env['NOTATION_PASSWORD'];
    if (p !== undefined && p !== '') {
      username = u ?? '';
      password = p;
    }
  }
  let plainHttp = base.plainHttp === true || opts.insecureRegistry === true;
  if (!plainHttp && !opts.ociLayout) {
    const config = await readNotationConfig(paths);
    const host = splitReference(reference).name.split('/')[0] ?? '';
    const { registryApiHost } = await import('@wharf/registry-client');
    if ((config.insecureRegistries ?? []).some((r) => r === host || registryApiHost(r) === host)) {
      plainHttp = true;
    }
  }
  return {
    ...base,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(plainHttp ? { plainHttp } : {}),
    ...extra,
  };
}

/** An opened target with its resolved subject. */
export interface ResolvedArtifact {
  readonly target: OpenedTarget;
  readonly subject: Descriptor;
  /** `<name>@<digest>`: what notation prints and what trust policy scopes are matched on. */
  readonly reference: string;
}

/**
 * Opens the target and resolves its tag or digest. A tag prints notation's warning (`verb` is
 * `sign`, `verify`, `list` or `inspect`) on stderr.
 *
 * @throws WharfError `USAGE` without a tag or digest
 */
export async function resolveArtifact(
  ctx: CommandContext,
  raw: string,
  flags: RemoteFlags,
  verb: 'sign' | 'verify' | 'list' | 'inspect',
): Promise<ResolvedArtifact> {
  const target = await openTarget(ctx, raw, flags);
  try {
    const ref = target.reference;
    if (ref === undefined) {
      throw usageError(`"${raw}": a tag or digest is required (e.g. ${raw}@sha256:…)`);
    }
    const subject = await target.store.resolve(ref, { signal: ctx.deps.signal });
    if (!ref.includes(':')) {
      const why =
        verb === 'sign'
          ? 'because tags are mutable and a tag reference can point to a different artifact than the one signed'
          : 'because resolved digest may not point to the same signed artifact, as tags are mutable';
      ctx.deps.stderr.write(
        `Warning: Always ${verb} the artifact using digest(@sha256:...) rather than a tag(:${ref}) ${why}.\n`,
      );
    }
    return { target, subject, reference: `${target.name}@${subject.digest}` };
  } catch (err) {
    await target.close();
    throw err;
  }
}

/** Marks an error as "did not verify" so the CLI exits 3, keeping its code and message. */
export function verificationFailure(err: unknown, message?: string): unknown {
  if (
    isWharfError(err) &&
    ((VERIFICATION_ERROR_CODES as readonly string[]).includes(err.code) ||
      err.code === 'SIGNATURE_MANIFEST_INVALID')
  ) {
    return new WharfError(err.code, message ?? err.message, {
      cause: err,
      detail: { ...(err.detail ?? {}), verificationFailed: true },
    });
  }
  return err;
}

/** Reads a response body up to `max` bytes. */
async function readCapped(response: Response, max: number, what: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > max) {
    await response.body?.cancel();
    throw new WharfError('SIZE_LIMIT_EXCEEDED', `${what} is larger than ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > max) {
        throw new WharfError('SIZE_LIMIT_EXCEEDED', `${what} is larger than ${max} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/**
 * notation's revocation fetching over HTTP: OCSP by POST (`application/ocsp-request`, 2 s,
 * ≤ 20 KiB) and CRLs by GET (5 s, ≤ 32 MiB) through notation's CRL file cache
 * (`{cache}/crl`); a discarded cache error prints notation's warning once.
 */
export function httpRevocationChecker(
  ctx: CommandContext,
  paths: NotationPaths,
): RevocationChecker {
  let warned = false;
  return createRevocationChecker({
    async fetchOcsp(url, request) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: Buffer.from(request),
        signal: AbortSignal.timeout(2000),
      });
      if (r.status !== 200) {
        await r.body?.cancel();
        throw new WharfError('REVOCATION_UNKNOWN', `OCSP ${url}: HTTP ${r.status}`);
      }
      return readCapped(r, 20 * 1024, `OCSP response from ${url}`);
    },
    fetchCrl: createCachingCrlFetcher({
      dir: paths.crlCacheDir,
      async fetchCrl(url) {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (r.status !== 200) {
          await r.body?.cancel();
          throw new WharfError('REVOCATION_UNKNOWN', `CRL ${url}: HTTP ${r.status}`);
        }
        return readCapped(r, 32 * 1024 * 1024, `CRL from ${url}`);
      },
      onCacheError(err) {
        ctx.logger.debug({ err: err.message }, 'CRL cache error');
        if (!warned) ctx.deps.stderr.write(`${CRL_CACHE_WARNING}\n`);
        warned = true;
      },
    }),
  });
}

/** `--max-signatures`: a positive integer (default 100). */
export function parseMaxSignatures(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw usageError(`--max-signatures must be a positive integer, got "${value}"`);
  }
  return n;
}
