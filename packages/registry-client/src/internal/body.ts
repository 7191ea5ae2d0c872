import type { WharfError } from '@wharf/core';
import { bodyChunks, type ResponseLike } from './response.js';

/**
 * Reads a whole response body, refusing more than `cap` bytes (checked against Content-Length
 * first, then while reading). The body is cancelled when the cap is hit.
 */
export async function readBodyCapped(
  response: ResponseLike,
  cap: number,
  tooLarge: (size: number | undefined) => WharfError,
): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  const body = bodyChunks(response);
  if (declared !== null && Number(declared) > cap) {
    await body?.cancel();
    throw tooLarge(Number(declared));
  }
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body.chunks) {
    total += chunk.byteLength;
    if (total > cap) {
      await body.cancel();
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
export async function discardBody(response: ResponseLike): Promise<void> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  const body = bodyChunks(response);
  if (!body) return;
  if (Number.isFinite(declared) && declared <= DRAIN_LIMIT) {
    try {
      for await (const _chunk of body.chunks) {
        // read and drop
      }
      return;
    } catch {
      return;
    }
  }
  await body.cancel();
}
