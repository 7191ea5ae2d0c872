import { ContentError } from '@wharf/core';
import { throwIfAborted } from './abort.js';

/** Wraps a byte array as a one-chunk async iterable. */
export async function* iterateBytes(data: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  await Promise.resolve();
  yield data;
}

/** Normalises push content to an async iterable. */
export function toAsyncIterable(
  content: Uint8Array | AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  return content instanceof Uint8Array ? iterateBytes(content) : content;
}

/** Concatenates chunks; returns the only chunk as is (no copy) when there is one. */
export function concatChunks(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const size = total ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Reads a stream fully, failing with `SIZE_LIMIT_EXCEEDED` past `maxBytes`.
 */
export async function readAll(
  source: AsyncIterable<Uint8Array>,
  maxBytes = Number.MAX_SAFE_INTEGER,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    throwIfAborted(signal);
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new ContentError('SIZE_LIMIT_EXCEEDED', `content exceeds ${maxBytes} bytes`, {
        detail: { maxBytes },
      });
    }
    chunks.push(chunk);
  }
  return concatChunks(chunks, total);
}
