import type { Descriptor } from '@wharf/core';
import { isGraphNode, parseNode } from './internal/manifest.js';
import { DEFAULT_MAX_METADATA_BYTES, fetchAll } from './fetch.js';
import type { Fetcher, SignalOptions } from './types.js';

/** Options of {@link successors}. */
export interface SuccessorsOptions extends SignalOptions {
  /** Largest manifest read. Default 4 MiB. */
  readonly maxBytes?: number;
}

/**
 * The nodes `desc` points at (oras-go `content.Successors`): for an image manifest its config,
 * layers and subject; for an index its manifests and subject; for the withdrawn artifact manifest
 * its blobs and subject; nothing for other blobs. The manifest is fetched and verified.
 *
 * @throws ContentError from the fetch, DocumentError for a malformed manifest
 * @example
 * for (const child of await successors(store, manifestDesc)) console.log(child.digest);
 */
export async function successors(
  fetcher: Fetcher,
  desc: Descriptor,
  options: SuccessorsOptions = {},
): Promise<Descriptor[]> {
  if (!isGraphNode(desc)) return [];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const bytes = await fetchAll(fetcher, desc, {
    maxBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return [...parseNode(desc, bytes, maxBytes).successors];
}
