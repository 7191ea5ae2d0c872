import { ContentError, verifyContent, type Descriptor } from '@wharf/core';
import { repositoryScope } from './auth/scope.js';
import { RegistryClientError, registryErrorFromResponse, redactUrl } from './errors.js';
import type { RepoContext } from './internal/context.js';
import { throwIfAborted } from './internal/abort.js';
import { discardBody } from './internal/body.js';
import { rawBody } from './internal/transport.js';

/**
 * `HEAD /v2/<name>/blobs/<digest>`: true on 200, false on 404. A size that disagrees with the
 * descriptor is an error (`SIZE_MISMATCH`).
 */
export async function blobExists(
  ctx: RepoContext,
  desc: Descriptor,
  signal?: AbortSignal,
): Promise<boolean> {
  const url = ctx.url(`blobs/${desc.digest}`);
  const { response, url: finalUrl } = await ctx.send({ method: 'HEAD', url, signal }, [
    repositoryScope(ctx.name, 'pull'),
  ]);
  await discardBody(response);
  if (response.status === 404) return false;
  if (response.status !== 200)
    throw await registryErrorFromResponse('HEAD', finalUrl.href, response);
  const length = response.headers.get('content-length');
  if (length !== null && Number(length) !== desc.size) {
    throw new ContentError(
      'SIZE_MISMATCH',
      `HEAD ${redactUrl(finalUrl)}: blob ${desc.digest} is ${length} bytes, expected ${desc.size}`,
    );
  }
  return true;
}

/** `DELETE /v2/<name>/blobs/<digest>` (202). */
export async function deleteBlob(
  ctx: RepoContext,
  desc: Descriptor,
  signal?: AbortSignal,
): Promise<void> {
  const url = ctx.url(`blobs/${desc.digest}`);
  const { response, url: finalUrl } = await ctx.send({ method: 'DELETE', url, signal }, [
    repositoryScope(ctx.name, 'delete'),
  ]);
  if (response.status === 202 || response.status === 200 || response.status === 204) {
    await discardBody(response);
    return;
  }
  if (response.status === 404) {
    const cause = await registryErrorFromResponse('DELETE', finalUrl.href, response);
    throw new ContentError('NOT_FOUND', `${ctx.registry}/${ctx.name}@${desc.digest}: not found`, {
      cause,
    });
  }
  throw await registryErrorFromResponse('DELETE', finalUrl.href, response);
}

/**
 * `GET /v2/<name>/blobs/<digest>`, streamed and verified (size and digest). Throws `NOT_FOUND`
 * eagerly. When the registry advertises `Accept-Ranges: bytes`, an interrupted download resumes
 * with `Range: bytes=<offset>-` (up to the retry limit) instead of starting over; the hash runs
 * once over the joined stream.
 */
export async function fetchBlob(
  ctx: RepoContext,
  desc: Descriptor,
  signal?: AbortSignal,
): Promise<AsyncIterable<Uint8Array>> {
  const first = await openBlob(ctx, desc, 0, signal);
  return verifyContent(resumable(ctx, desc, first, signal), desc, signal);
}

interface OpenBlob {
  readonly body: AsyncIterable<Uint8Array>;
  readonly rangeable: boolean;
}

async function openBlob(
  ctx: RepoContext,
  desc: Descriptor,
  offset: number,
  signal: AbortSignal | undefined,
): Promise<OpenBlob> {
  const url = ctx.url(`blobs/${desc.digest}`);
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const { response, url: finalUrl } = await ctx.send({ method: 'GET', url, headers, signal }, [
    repositoryScope(ctx.name, 'pull'),
  ]);
  const where = `GET ${redactUrl(finalUrl)}`;
  if (response.status === 404) {
    const cause = await registryErrorFromResponse('GET', finalUrl.href, response);
    throw new ContentError(
      'NOT_FOUND',
      `${ctx.registry}/${ctx.name}@${desc.digest}: blob not found`,
      { cause, detail: { digest: desc.digest } },
    );
  }
  if (offset > 0 && response.status !== 206) {
    await discardBody(response);
    throw new RegistryClientError(
      'PROTOCOL_ERROR',
      `${where}: resume at byte ${offset} answered ${response.status} instead of 206`,
    );
  }
  if (offset === 0 && response.status !== 200)
    throw await registryErrorFromResponse('GET', finalUrl.href, response);
  // Only the registry's own answer carries a meaningful digest header (not a redirected CDN).
  const headerDigest = response.headers.get('docker-content-digest');
  if (
    headerDigest !== null &&
    finalUrl.origin === ctx.url('').origin &&
    headerDigest !== desc.digest
  ) {
    await discardBody(response);
    throw new ContentError(
      'DIGEST_MISMATCH',
      `${where}: registry sent Docker-Content-Digest ${headerDigest.slice(0, 100)}, expected ${desc.digest}`,
      {
        detail: { expected: desc.digest, actual: headerDigest.slice(0, 100) },
      },
    );
  }
  const length = response.headers.get('content-length');
  if (length !== null && Number(length) !== desc.size - offset) {
    await discardBody(response);
    throw new ContentError(
      'SIZE_MISMATCH',
      `${where}: Content-Length ${length} does not match the descriptor size ${desc.size}${offset ? ` from offset ${offset}` : ''}`,
    );
  }
  if (offset > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== offset) {
      await discardBody(response);
      throw new RegistryClientError(
        'PROTOCOL_ERROR',
        `${where}: resume at byte ${offset} got Content-Range ${JSON.stringify(response.headers.get('content-range'))}`,
      );
    }
  }
  const rangeable = (response.headers.get('accept-ranges') ?? '').toLowerCase().includes('bytes');
  const raw = rawBody(response);
  if (raw) return { body: raw, rangeable };
  if (!response.body) {
    return { body: (async function* () {})(), rangeable: false };
  }
  return { body: lockedBody(response.body), rangeable };
}

/**
 * Locks the body at once and reads it through that reader. undici cancels the unlocked body of
 * a Response that is garbage-collected, and callers keep only the body: a copy that opened the
 * source and then waited for the destination's upload session sometimes read 0 bytes of a
 * 2 MiB blob (SIZE_MISMATCH). An abandoned iteration cancels the stream, freeing the connection.
 */
function lockedBody(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  return (async function* () {
    let done = false;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => undefined);
    }
  })();
}

async function* resumable(
  ctx: RepoContext,
  desc: Descriptor,
  first: OpenBlob,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let current = first;
  let offset = 0;
  let resumes = 0;
  for (;;) {
    try {
      for await (const chunk of current.body) {
        offset += chunk.byteLength;
        yield chunk;
      }
      return;
    } catch (err) {
      throwIfAborted(signal);
      if (!current.rangeable || offset >= desc.size || resumes >= ctx.maxRetries) {
        throw new RegistryClientError(
          'NETWORK_ERROR',
          `downloading ${desc.digest} failed after ${offset} of ${desc.size} bytes`,
          { cause: err },
        );
      }
      resumes++;
      ctx.logger.debug({ digest: desc.digest, offset, attempt: resumes }, 'resuming blob download');
      current = await openBlob(ctx, desc, offset, signal);
    }
  }
}
