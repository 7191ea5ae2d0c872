import {
  ContentError,
  digestBytes,
  parseSupportedDigest,
  verifyBytes,
  verifyContent,
  type Descriptor,
} from '@wharf/core';
import { throwIfAborted } from './internal/abort.js';
import { isVerifiedFor } from './internal/verified.js';
import type { Fetcher, Pusher, SignalOptions } from './types.js';

/** Default cap for manifests and other metadata read into memory (4 MiB, as oras-go). */
export const DEFAULT_MAX_METADATA_BYTES = 4 * 1024 * 1024;

/** Options of {@link fetchAll}. */
export interface FetchAllOptions extends SignalOptions {
  /** Refuse content larger than this (checked on the descriptor first). Default 4 MiB. */
  readonly maxBytes?: number;
}

/**
 * Fetches a whole blob into memory and verifies its size and digest, whatever the fetcher does.
 * Uses the descriptor's embedded `data` when present and valid.
 *
 * @throws ContentError `SIZE_LIMIT_EXCEEDED`, `SIZE_MISMATCH`, `DIGEST_MISMATCH`, `NOT_FOUND`, `ABORTED`
 * @example
 * const bytes = await fetchAll(store, manifestDesc, { maxBytes: 4 << 20 });
 */
export async function fetchAll(
  fetcher: Fetcher,
  desc: Descriptor,
  options: FetchAllOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const { signal } = options;
  throwIfAborted(signal);
  if (desc.size > maxBytes) {
    throw new ContentError(
      'SIZE_LIMIT_EXCEEDED',
      `content ${desc.digest} of ${desc.size} bytes exceeds the limit of ${maxBytes} bytes`,
      { detail: { digest: desc.digest, size: desc.size, maxBytes } },
    );
  }
  const embedded = embeddedData(desc);
  if (embedded) return embedded;
  const stream = await fetcher.fetch(desc, signal ? { signal } : {});
  // Single preallocated buffer: one copy per chunk, or none when the fetcher yields one chunk.
  let out: Uint8Array | undefined;
  let single: Uint8Array | undefined;
  let offset = 0;
  const verified = isVerifiedFor(stream, desc) ? stream : verifyContent(stream, desc, signal);
  for await (const chunk of verified) {
    if (offset === 0 && chunk.byteLength === desc.size) {
      single = chunk;
    } else {
      if (!out) {
        out = new Uint8Array(desc.size);
        if (single) {
          out.set(single, 0);
          single = undefined;
        }
      }
      out.set(chunk, offset);
    }
    offset += chunk.byteLength;
  }
  return single ?? out ?? new Uint8Array(0);
}

/** Returns the descriptor's embedded `data` when it verifies, else undefined. */
export function embeddedData(desc: Descriptor): Uint8Array | undefined {
  if (typeof desc.data !== 'string') return undefined;
  const bytes = Buffer.from(desc.data, 'base64');
  try {
    verifyBytes(bytes, desc);
  } catch {
    return undefined;
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Options of {@link pushBytes}. */
export interface PushBytesOptions extends SignalOptions {
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
}

/**
 * Describes `bytes` (sha256) and pushes them. Content that is already present counts as success.
 *
 * @example
 * const desc = await pushBytes(store, 'application/vnd.oci.image.config.v1+json', configBytes);
 */
export async function pushBytes(
  pusher: Pusher,
  mediaType: string,
  bytes: Uint8Array,
  options: PushBytesOptions = {},
): Promise<Descriptor> {
  const desc = describeBytes(mediaType, bytes, options);
  try {
    await pusher.push(desc, bytes, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    if (!(err instanceof ContentError && err.code === 'ALREADY_EXISTS')) throw err;
  }
  return desc;
}

/** Builds a sha256 descriptor for bytes (pure). */
export function describeBytes(
  mediaType: string,
  bytes: Uint8Array,
  extra: {
    readonly annotations?: Readonly<Record<string, string>>;
    readonly artifactType?: string;
  } = {},
): Descriptor {
  return {
    mediaType,
    digest: digestBytes(bytes),
    size: bytes.byteLength,
    ...(extra.artifactType !== undefined ? { artifactType: extra.artifactType } : {}),
    ...(extra.annotations !== undefined ? { annotations: extra.annotations } : {}),
  };
}

/** Validates a descriptor's digest and size fields (no content check). */
export function validateDescriptor(desc: Descriptor): void {
  parseSupportedDigest(desc.digest);
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw new ContentError('SIZE_MISMATCH', `invalid descriptor size ${String(desc.size)}`);
  }
}
