import { verifyContent, type Descriptor } from '@wharf/core';

// Module-private brand: only this package can mark a stream as self-verifying.
const VERIFIED = Symbol('wharf.content.verified');

interface Branded {
  readonly [VERIFIED]?: { readonly digest: string; readonly size: number };
}

/**
 * A stream that verifies itself: it throws (SIZE_MISMATCH / DIGEST_MISMATCH) before finishing when
 * the bytes do not match `desc`, so a consumer that commits only after the last chunk never keeps bad
 * data. Stores that receive such a stream for the same digest skip hashing it a second time.
 */
export function verifiedStream(
  source: AsyncIterable<Uint8Array>,
  desc: Descriptor,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  return brand(verifyContent(source, desc, signal), desc);
}

/** Marks a stream whose end-of-stream success already implies it matches `desc`. */
export function brand<T extends AsyncIterable<Uint8Array>>(stream: T, desc: Descriptor): T {
  Object.defineProperty(stream, VERIFIED, { value: { digest: desc.digest, size: desc.size } });
  return stream;
}

/** True when `content` is a branded stream for exactly this digest and size. */
export function isVerifiedFor(content: unknown, desc: Descriptor): boolean {
  if (typeof content !== 'object' || content === null) return false;
  const mark = (content as Branded)[VERIFIED];
  return mark !== undefined && mark.digest === desc.digest && mark.size === desc.size;
}

/** Wraps a stream, keeping its brand when it had one for `desc`. */
export function preserveBrand(
  from: AsyncIterable<Uint8Array>,
  to: AsyncIterable<Uint8Array>,
  desc: Descriptor,
): AsyncIterable<Uint8Array> {
  return isVerifiedFor(from, desc) ? brand(to, desc) : to;
}
