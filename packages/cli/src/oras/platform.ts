import type { Command } from 'commander';
import { fetchAll } from '@wharf/content';
import { WharfError, isIndexMediaType, parseManifest, type Descriptor } from '@wharf/core';
import { usageError } from '../usage.js';
import type { ReadTarget } from './target.js';

/** A `--platform os/arch[/variant]` value. */
export interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** Adds `--platform`. */
export function addPlatformOption(cmd: Command): Command {
  return cmd.option('--platform <os/arch[/variant]>', 'pick this platform from an image index');
}

/** Parses `os/arch[/variant]`. */
export function parsePlatform(value: string | undefined): PlatformSpec | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || variant === '') {
    throw usageError(`--platform must be os/arch[/variant], got "${value}"`);
  }
  return { os, architecture, ...(variant !== undefined ? { variant } : {}) };
}

/**
 * The manifest of `root` for `platform`: the matching entry of an index (variant compared when
 * given), or `root` itself when no platform is asked for.
 */
export async function selectPlatform(
  store: ReadTarget,
  root: Descriptor,
  platform: PlatformSpec | undefined,
  signal: AbortSignal,
): Promise<Descriptor> {
  if (platform === undefined) return root;
  if (!isIndexMediaType(root.mediaType)) {
    throw new WharfError('NOT_FOUND', `${root.digest} is not an image index; --platform needs one`);
  }
  const doc = parseManifest(await fetchAll(store, root, { signal }), { mediaType: root.mediaType });
  if (doc.kind !== 'index') throw new WharfError('NOT_FOUND', `${root.digest} is not an index`);
  const found = doc.index.manifests.find(
    (m) =>
      m.platform?.os === platform.os &&
      m.platform.architecture === platform.architecture &&
      (platform.variant === undefined || m.platform.variant === platform.variant),
  );
  if (!found) {
    const want = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
    throw new WharfError('NOT_FOUND', `no manifest for platform ${want} in ${root.digest}`);
  }
  return found;
}
