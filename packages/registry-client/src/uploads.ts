import {
  ContentError,
  createDigester,
  parseSupportedDigest,
  verifyBytes,
  verifyContent,
  type Descriptor,
} from '@wharf/core';
import { FileContent } from '@wharf/content';
import { repositoryScope } from './auth/scope.js';
import { RegistryClientError, registryErrorFromResponse, redactUrl } from './errors.js';
import type { RepoContext } from './internal/context.js';
import { discardBody } from './internal/body.js';
import type { ResponseLike } from './internal/response.js';

/** Content to upload: bytes, or a one-shot stream. */
export type UploadContent = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Resolves an upload `Location` against the request URL and refuses one that leaves the
 * registry's host (default ports normalised) or downgrades https to http (GHSA-jxpm-75mh-9fp7).
 * Query parameters of the Location are kept.
 *
 * @throws RegistryClientError `LOCATION_REFUSED`, `PROTOCOL_ERROR`
 */
export function resolveLocation(location: string | null, requestUrl: URL): URL {
  if (!location) {
    throw new RegistryClientError(
      'PROTOCOL_ERROR',
      `${redactUrl(requestUrl)}: upload response without a Location header`,
    );
  }
  let url: URL;
  try {
    url = new URL(location, requestUrl);
  } catch (err) {
    throw new RegistryClientError(
      'LOCATION_REFUSED',
      `${redactUrl(requestUrl)}: invalid upload Location`,
      { cause: err },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegistryClientError(
      'LOCATION_REFUSED',
      `refusing upload Location with scheme ${url.protocol}`,
    );
  }
  if (url.host !== requestUrl.host) {
    throw new RegistryClientError(
      'LOCATION_REFUSED',
      `refusing upload Location on another host (${url.host}, expected ${requestUrl.host})`,
      {
        detail: { expected: requestUrl.host, actual: url.host },
      },
    );
  }
  if (requestUrl.protocol === 'https:' && url.protocol === 'http:') {
    throw new RegistryClientError(
      'LOCATION_REFUSED',
      `refusing upload Location that downgrades https to http`,
    );
  }
  // Upload sessions live under /v2/ (distribution spec); a Location that climbs out with dot
  // segments (raw or percent-encoded) or points elsewhere on the host is not an upload URL.
  const rawPath = location.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  if (
    !url.pathname.startsWith('/v2/') ||
    rawPath.split('/').some((seg) => /^(\.|%2e){2}$/i.test(seg))
  ) {
    throw new RegistryClientError(
      'LOCATION_REFUSED',
      `refusing upload Location outside /v2/ (${redactUrl(url)})`,
    );
  }
  return url;
}

function pushScopes(ctx: RepoContext, from?: string): string[] {
  const scopes = [repositoryScope(ctx.name, 'pull', 'push')];
  if (from !== undefined && from !== ctx.name) scopes.push(repositoryScope(from, 'pull'));
  return scopes;
}

/** `POST /v2/<name>/blobs/uploads/` → the session URL and the chunk minimum, if any. */
async function startUpload(
  ctx: RepoContext,
  signal: AbortSignal | undefined,
  query?: URLSearchParams,
  from?: string,
) {
  const url = ctx.url('blobs/uploads/');
  if (query) url.search = query.toString();
  const { response, url: finalUrl } = await ctx.send(
    { method: 'POST', url, body: new Uint8Array(0), signal },
    pushScopes(ctx, from),
  );
  if (response.status !== 202 && response.status !== 201) {
    throw await registryErrorFromResponse('POST', finalUrl.href, response);
  }
  await discardBody(response);
  const min = Number(response.headers.get('oci-chunk-min-length') ?? '0');
  return {
    status: response.status,
    headers: response.headers,
    location:
      response.status === 202
        ? resolveLocation(response.headers.get('location'), finalUrl)
        : undefined,
    chunkMin: Number.isSafeInteger(min) && min > 0 ? min : 0,
  };
}

/**
 * Pushes a blob: monolithic POST → PUT, or chunked PATCHes when the blob is larger than
 * `chunkedUploadThreshold`. Streams are hashed on the way (unless `verify` is off) so a
 * source that does not match the descriptor aborts the upload before it is committed.
 */
export async function pushBlob(
  ctx: RepoContext,
  desc: Descriptor,
  content: UploadContent,
  signal?: AbortSignal,
  { verify = ctx.verifyPushes }: { readonly verify?: boolean } = {},
): Promise<void> {
  parseSupportedDigest(desc.digest);
  if (content instanceof Uint8Array && verify) verifyBytes(content, desc);
  const session = await startUpload(ctx, signal);
  if (!session.location)
    throw new RegistryClientError('PROTOCOL_ERROR', 'registry answered an upload start with 201');
  if (desc.size > ctx.chunkedUploadThreshold) {
    const chunkSize = Math.max(ctx.chunkSize, session.chunkMin);
    await chunkedUpload(ctx, desc, content, session.location, chunkSize, signal);
    return;
  }
  await putMonolithic(ctx, desc, content, session.location, signal, verify);
}

async function putMonolithic(
  ctx: RepoContext,
  desc: Descriptor,
  content: UploadContent,
  location: URL,
  signal: AbortSignal | undefined,
  verify: boolean,
): Promise<void> {
  const url = new URL(location);
  url.searchParams.set('digest', desc.digest);
  const reusing = content instanceof FileContent ? content.reusingChunks() : undefined;
  const body =
    content instanceof Uint8Array
      ? content
      : {
          stream: verify ? verifyContent(content, desc, signal) : content,
          length: desc.size,
          ...(reusing
            ? { reusingStream: verify ? verifyContent(reusing, desc, signal) : reusing }
            : {}),
        };
  let sent;
  try {
    sent = await ctx.send(
      { method: 'PUT', url, headers: { 'content-type': 'application/octet-stream' }, body, signal },
      pushScopes(ctx),
    );
  } catch (err) {
    throw unwrapContentError(err);
  }
  const { response, url: finalUrl } = sent;
  if (response.status !== 201)
    throw await registryErrorFromResponse('PUT', finalUrl.href, response);
  await discardBody(response);
  checkCommittedDigest(response, desc, finalUrl);
}

/** A verification failure inside a streamed body surfaces as the fetch's cause: unwrap it. */
function unwrapContentError(err: unknown): unknown {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof ContentError) return e;
    e = e.cause;
  }
  return err;
}

function checkCommittedDigest(response: ResponseLike, desc: Descriptor, url: URL): void {
  const got = response.headers.get('docker-content-digest');
  if (got !== null && got !== desc.digest) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `PUT ${redactUrl(url)}: registry committed ${got.slice(0, 100)}, expected ${desc.digest}`,
    );
  }
}

/** Reads a stream into fixed-size chunks (the last may be shorter). */
async function* rechunk(
  source: UploadContent,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.byteLength; i += size)
      yield source.subarray(i, Math.min(i + size, source.byteLength));
    return;
  }
  let buf = Buffer.allocUnsafe(size);
  let used = 0;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.byteLength) {
      const n = Math.min(size - used, chunk.byteLength - off);
      buf.set(chunk.subarray(off, off + n), used);
      used += n;
      off += n;
      if (used === size) {
        yield buf;
        buf = Buffer.allocUnsafe(size);
        used = 0;
      }
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

/**
 * Chunked upload: PATCH `Content-Range: <start>-<end>` per chunk (at least `OCI-Chunk-Min-Length`
 * except the last), following the newest Location, then `PUT ?digest=`. A failed PATCH asks the
 * session for its `Range` (`GET <location>` → 204) and resends only what the registry lacks.
 */
async function chunkedUpload(
  ctx: RepoContext,
  desc: Descriptor,
  content: UploadContent,
  start: URL,
  chunkSize: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { algorithm } = parseSupportedDigest(desc.digest);
  const digester = createDigester(algorithm);
  let location = start;
  let offset = 0;
  for await (const chunk of rechunk(content, chunkSize)) {
    if (offset + chunk.byteLength > desc.size) {
      throw new ContentError(
        'SIZE_MISMATCH',
        `content of ${desc.digest} exceeds its size ${desc.size}`,
      );
    }
    digester.update(chunk);
    let sentFrom = offset;
    for (let attempt = 0; ; attempt++) {
      const part = chunk.subarray(sentFrom - offset);
      const end = sentFrom + part.byteLength - 1;
      let failure: unknown;
      try {
        const { response, url: finalUrl } = await ctx.send(
          {
            method: 'PATCH',
            url: location,
            headers: {
              'content-type': 'application/octet-stream',
              'content-range': `${sentFrom}-${end}`,
            },
            body: part,
            signal,
            retry: false,
          },
          pushScopes(ctx),
        );
        if (response.status === 202) {
          await discardBody(response);
          location = resolveLocation(response.headers.get('location'), finalUrl);
          const range = parseRange(response.headers.get('range'));
          if (range === undefined || range === end) break;
          failure = new RegistryClientError(
            'PROTOCOL_ERROR',
            `PATCH acknowledged bytes up to ${range}, expected ${end}`,
          );
        } else {
          failure = await registryErrorFromResponse('PATCH', finalUrl.href, response);
        }
      } catch (err) {
        if (signal?.aborted) throw err;
        failure = err;
      }
      if (attempt >= ctx.maxRetries) throw failure;
      // Ask the session where it stands and resend the rest of this chunk.
      const status = await uploadStatus(ctx, location, signal);
      location = status.location;
      const next = status.end + 1;
      if (next < offset || next > offset + chunk.byteLength) throw failure;
      if (next === offset + chunk.byteLength) break;
      sentFrom = next;
      ctx.logger.debug(
        { digest: desc.digest, offset: next, attempt: attempt + 1 },
        'resuming chunked upload',
      );
    }
    offset += chunk.byteLength;
  }
  if (offset !== desc.size) {
    throw new ContentError(
      'SIZE_MISMATCH',
      `content of ${desc.digest} is ${offset} bytes, expected ${desc.size}`,
    );
  }
  const actual = digester.digest();
  if (actual !== desc.digest) {
    throw new ContentError(
      'DIGEST_MISMATCH',
      `digest mismatch: expected ${desc.digest}, got ${actual}`,
    );
  }
  await putMonolithic(ctx, desc, new Uint8Array(0), location, signal, false);
}

function parseRange(value: string | null): number | undefined {
  if (value === null) return undefined;
  const m = /^(?:bytes=)?(\d+)-(\d+)$/.exec(value.trim());
  return m ? Number(m[2]) : undefined;
}

async function uploadStatus(
  ctx: RepoContext,
  location: URL,
  signal: AbortSignal | undefined,
): Promise<{ location: URL; end: number }> {
  const { response, url } = await ctx.send(
    { method: 'GET', url: location, signal },
    pushScopes(ctx),
  );
  if (response.status !== 204 && response.status !== 202)
    throw await registryErrorFromResponse('GET', url.href, response);
  await discardBody(response);
  const end = parseRange(response.headers.get('range'));
  return {
    location: response.headers.get('location')
      ? resolveLocation(response.headers.get('location'), url)
      : location,
    end: end ?? -1,
  };
}

/**
 * Cross-repository mount: `POST ?mount=<digest>&from=<repo>`. 201 means mounted (the digest
 * header is checked); 202 means the registry opened an upload session instead, which is
 * completed with `getContent()`.
 *
 * @throws ContentError `NOT_FOUND` when the mount is refused and no content source is given
 */
export async function mountBlob(
  ctx: RepoContext,
  desc: Descriptor,
  from: string,
  getContent: (() => Promise<AsyncIterable<Uint8Array>>) | undefined,
  signal?: AbortSignal,
): Promise<'mounted' | 'pushed'> {
  const query = new URLSearchParams({ mount: desc.digest, from });
  const session = await startUpload(ctx, signal, query, from);
  if (session.status === 201) {
    const got = session.headers.get('docker-content-digest');
    if (got !== null && got !== desc.digest) {
      throw new ContentError(
        'DIGEST_MISMATCH',
        `mount of ${desc.digest} returned ${got.slice(0, 100)}`,
      );
    }
    return 'mounted';
  }
  if (!getContent) {
    throw new ContentError(
      'NOT_FOUND',
      `${ctx.registry}: cannot mount ${desc.digest} from ${from} and no content was supplied`,
    );
  }
  const content = await getContent();
  await putMonolithic(ctx, desc, content, session.location as URL, signal, ctx.verifyPushes);
  return 'pushed';
}
