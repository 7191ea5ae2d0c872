import type { WharfError } from '@wharf/core';

/**
 * Reads a whole response body, refusing more than `cap` bytes (checked against Content-Length
 * first, then while reading). The body is cancelled when the cap is hit.
 */
export async function readBodyCapped(
  response: Response,
  cap: number,
  tooLarge: (size: number | undefined) => WharfError,
): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > cap) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(Number(declared));
  }
  const body = response.body;
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > cap) {
      await body.cancel().catch(() => undefined);
      throw tooLarge(undefined);
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** An async iterable yielding `bytes` once. */
export function iterateOnce(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
      let done = false;
      return {
        next: () => {
          if (done) return Promise.resolve({ done: true, value: undefined });
          done = true;
          return Promise.resolve({ done: false, value: bytes });
        },
        return: () => {
          done = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

/** Bodies up to this size are read to the end when discarded, so the connection stays reusable. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Discards a response body. Cancelling a body that undici has not finished receiving destroys
 * the socket, so a small body (declared Content-Length ≤ 64 KiB: the empty 201/202/204 answers
 * and JSON errors of a registry) is read to the end instead, keeping the keep-alive connection
 * for the next request; larger or unsized bodies are cancelled.
 */
export async function discardBody(response: Response): Promise<void> {
  const body = response.body;
  if (!body) return;
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared <= DRAIN_LIMIT) {
    try {
      for await (const _chunk of body as unknown as AsyncIterable<Uint8Array>) {
        // read and drop
      }
      return;
    } catch {
      return;
    }
  }
  await body.cancel().catch(() => undefined);
}
