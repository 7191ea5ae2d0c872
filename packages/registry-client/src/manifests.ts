import {
  ContentError,
  digestBytes,
  isDigest,
  parseSupportedDigest,
  verifyBytes,
  type Descriptor,
} from '@wharf/core';
import { repositoryScope } from './auth/scope.js';
import {
  RegistryClientError,
  registryErrorFromResponse,
  redactUrl,
  type RegistryError,
} from './errors.js';
import { readBodyCapped, discardBody } from './internal/body.js';
import type { RepoContext } from './internal/context.js';

/** A manifest read by reference: its pinned descriptor, exact bytes and response headers. */
export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  /** The `ETag` of the response, for conditional updates. */
  readonly etag: string | undefined;
}

function essence(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function notFound(ctx: RepoContext, reference: string, cause: RegistryError): ContentError {
  const sep = isDigest(reference) ? '@' : ':';
  return new ContentError('NOT_FOUND', `${ctx.registry}/${ctx.name}${sep}${reference}: not found`, {
    cause,
    detail: { reference },
  });
}

function tooLarge(ctx: RepoContext, where: string) {
  return (size: number | undefined) =>
    new ContentError(
      'SIZE_LIMIT_EXCEEDED',
      `${where}: manifest${size === undefined ? '' : ` of ${size} bytes`} exceeds the limit of ${ctx.maxMetadataBytes} bytes`,
      { detail: { maxBytes: ctx.maxMetadataBytes } },
    );
}

/**
 * `HEAD /v2/<name>/manifests/<reference>`: resolves a tag or digest to a descriptor. Needs
 * `Docker-Content-Digest` and `Content-Length`; without them it falls back to a GET and hashes
 * the body. A digest reference must come back with the same digest.
 */
export async function resolveManifest(
  ctx: RepoContext,
  reference: string,
  signal?: AbortSignal,
): Promise<Descriptor> {
  const url = ctx.url(`manifests/${reference}`);
  const { response, url: finalUrl } = await ctx.send(
    { method: 'HEAD', url, headers: { accept: ctx.manifestMediaTypes.join(', ') }, signal },
    [repositoryScope(ctx.name, 'pull')],
  );
  if (response.status === 404)
    throw notFound(
      ctx,
      reference,
      await registryErrorFromResponse('HEAD', finalUrl.href, response),
    );
  if (response.status !== 200)
    throw await registryErrorFromResponse('HEAD', finalUrl.href, response);
  await discardBody(response);
  const digest = response.headers.get('docker-content-digest');
  const length = response.headers.get('content-length');
  const mediaType = essence(response.headers.get('content-type'));
  if (
    digest === null ||
    length === null ||
    !/^\d+$/.test(length) ||
    mediaType === '' ||
    !isDigest(digest)
  ) {
    return (await fetchManifestByReference(ctx, reference, signal)).descriptor;
  }
  if (isDigest(reference) && digest !== reference) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `HEAD ${redactUrl(finalUrl)}: registry answered ${digest}, expected ${reference}`,
    );
  }
  return { mediaType, digest, size: Number(length) };
}

/**
 * `GET /v2/<name>/manifests/<reference>`: the exact bytes (capped at `maxMetadataBytes`) and a
 * descriptor pinned to their digest. `Docker-Content-Digest`, when sent, must match the bytes.
 */
export async function fetchManifestByReference(
  ctx: RepoContext,
  reference: string,
  signal?: AbortSignal,
  accept: readonly string[] = ctx.manifestMediaTypes,
): Promise<FetchedManifest> {
  const url = ctx.url(`manifests/${reference}`);
  const { response, url: finalUrl } = await ctx.send(
    { method: 'GET', url, headers: { accept: accept.join(', ') }, signal },
    [repositoryScope(ctx.name, 'pull')],
  );
  const where = `GET ${redactUrl(finalUrl)}`;
  if (response.status === 404)
    throw notFound(ctx, reference, await registryErrorFromResponse('GET', finalUrl.href, response));
  if (response.status !== 200)
    throw await registryErrorFromResponse('GET', finalUrl.href, response);
  const bytes = await readBodyCapped(response, ctx.maxMetadataBytes, tooLarge(ctx, where));
  const header = response.headers.get('docker-content-digest');
  const expected = isDigest(reference) ? reference : header;
  let digest: string;
  if (expected !== null) {
    const { algorithm } = parseSupportedDigest(expected);
    digest = digestBytes(bytes, algorithm);
    if (digest !== expected) {
      throw new ContentError(
        'DIGEST_MISMATCH',
        `${where}: manifest hashes to ${digest}, expected ${expected.slice(0, 200)}`,
        {
          detail: { expected: expected.slice(0, 200), actual: digest },
        },
      );
    }
    if (header !== null && header !== expected) {
      throw new ContentError(
        'DIGEST_MISMATCH',
        `${where}: Docker-Content-Digest ${header.slice(0, 200)} does not match ${expected}`,
      );
    }
  } else {
    digest = digestBytes(bytes);
  }
  const mediaType = essence(response.headers.get('content-type')) || mediaTypeOfBody(bytes);
  if (mediaType === '') {
    throw new RegistryClientError(
      'PROTOCOL_ERROR',
      `${where}: manifest without Content-Type or mediaType`,
    );
  }
  return {
    descriptor: { mediaType, digest, size: bytes.byteLength },
    bytes,
    etag: response.headers.get('etag') ?? undefined,
  };
}

function mediaTypeOfBody(bytes: Uint8Array): string {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown };
    return typeof value.mediaType === 'string' ? value.mediaType : '';
  } catch {
    return '';
  }
}

/** Fetches a manifest by descriptor and verifies its size and digest. */
export async function fetchManifest(
  ctx: RepoContext,
  desc: Descriptor,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (desc.size > ctx.maxMetadataBytes) throw tooLarge(ctx, desc.digest)(desc.size);
  const fetched = await fetchManifestByReference(
    ctx,
    desc.digest,
    signal,
    acceptFor(ctx, desc.mediaType),
  );
  verifyBytes(fetched.bytes, desc);
  return fetched.bytes;
}

function acceptFor(ctx: RepoContext, mediaType: string): readonly string[] {
  return ctx.manifestMediaTypes.includes(mediaType)
    ? ctx.manifestMediaTypes
    : [mediaType, ...ctx.manifestMediaTypes];
}

/** What a manifest PUT told us. */
export interface PushedManifest {
  /** `OCI-Subject` of the response: the registry indexed the subject (referrers API). */
  readonly subject: string | undefined;
}

/**
 * `PUT /v2/<name>/manifests/<reference>` with the exact bytes and `Content-Type: mediaType`.
 * The bytes are verified against the descriptor first, and the registry's
 * `Docker-Content-Digest` must equal it.
 */
export async function pushManifest(
  ctx: RepoContext,
  desc: Descriptor,
  bytes: Uint8Array,
  reference: string = desc.digest,
  options: { signal?: AbortSignal | undefined; ifMatch?: string | undefined } = {},
): Promise<PushedManifest> {
  if (bytes.byteLength > ctx.maxMetadataBytes) throw tooLarge(ctx, desc.digest)(bytes.byteLength);
  verifyBytes(bytes, desc);
  const url = ctx.url(`manifests/${reference}`);
  const headers: Record<string, string> = { 'content-type': desc.mediaType };
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  const { response, url: finalUrl } = await ctx.send(
    { method: 'PUT', url, headers, body: bytes, signal: options.signal },
    [repositoryScope(ctx.name, 'pull', 'push')],
  );
  if (response.status !== 201 && response.status !== 200 && response.status !== 204) {
    throw await registryErrorFromResponse('PUT', finalUrl.href, response);
  }
  await discardBody(response);
  const got = response.headers.get('docker-content-digest');
  if (got !== null && got !== desc.digest) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `PUT ${redactUrl(finalUrl)}: registry stored ${got.slice(0, 200)}, expected ${desc.digest}`,
    );
  }
  return { subject: response.headers.get('oci-subject') ?? undefined };
}

/** `DELETE /v2/<name>/manifests/<reference>` (202). */
export async function deleteManifest(
  ctx: RepoContext,
  reference: string,
  signal?: AbortSignal,
): Promise<void> {
  const url = ctx.url(`manifests/${reference}`);
  const { response, url: finalUrl } = await ctx.send({ method: 'DELETE', url, signal }, [
    repositoryScope(ctx.name, 'delete'),
  ]);
  if (response.status === 404)
    throw notFound(
      ctx,
      reference,
      await registryErrorFromResponse('DELETE', finalUrl.href, response),
    );
  if (response.status !== 202 && response.status !== 200 && response.status !== 204) {
    throw await registryErrorFromResponse('DELETE', finalUrl.href, response);
  }
  await discardBody(response);
}
