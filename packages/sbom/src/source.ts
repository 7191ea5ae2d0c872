import { stat } from 'node:fs/promises';
import { arch, platform } from 'node:process';
import { fetchAll, OciLayoutStore, type Fetcher, type OciLayoutTarStore } from '@wharf/content';
import { parseManifest, type Descriptor, type ImageManifest, type Platform } from '@wharf/core';
import { SbomError } from './errors.js';

/** What {@link generateSbom} can read. */
export type SbomSource =
  /** An image (or index) in any content store: a registry repository, a layout, memory. */
  | {
      readonly kind: 'image';
      readonly fetcher: Fetcher;
      readonly descriptor: Descriptor;
      /** Display name (the reference); defaults to the digest. */
      readonly name?: string;
    }
  /** An OCI image layout directory, or an OCI archive (a layout in a `.tar`). */
  | {
      readonly kind: 'oci-layout';
      readonly path: string;
      readonly reference?: string;
      /** Display name; defaults to `path[:reference]`. */
      readonly name?: string;
    }
  /** An unpacked root filesystem on disk. */
  | { readonly kind: 'rootfs'; readonly path: string; readonly name?: string };

/** `os/arch[/variant]` parsed; throws INVALID_OPTION on malformed input. */
export function parsePlatform(value: string): {
  os: string;
  architecture: string;
  variant?: string;
} {
  const [os = '', architecture = '', variant, extra] = value.split('/');
  if (os === '' || architecture === '' || extra !== undefined || variant === '') {
    throw new SbomError('INVALID_OPTION', `platform "${value}" is not os/arch[/variant]`);
  }
  return { os, architecture, ...(variant !== undefined ? { variant } : {}) };
}

const GOARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
};

/** The host's platform in OCI terms (linux/amd64 on an x64 Linux). */
export function hostPlatform(): string {
  return `${platform === 'win32' ? 'windows' : platform}/${GOARCH[arch] ?? arch}`;
}

function platformMatches(
  p: Platform | undefined,
  want: { os: string; architecture: string; variant?: string },
): boolean {
  if (p === undefined) return false;
  if (p.os !== want.os || p.architecture !== want.architecture) return false;
  return (
    want.variant === undefined ||
    p.variant === want.variant ||
    (p.variant === undefined && want.variant === 'v8')
  );
}

export interface ResolvedImage {
  readonly fetcher: Fetcher;
  readonly name: string;
  readonly manifestDescriptor: Descriptor;
  readonly manifest: ImageManifest;
  readonly config?: Record<string, unknown>;
}

/** Follows an index to the manifest of the wanted platform and reads the config. */
export async function resolveImage(
  fetcher: Fetcher,
  descriptor: Descriptor,
  name: string,
  platformString: string | undefined,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const want = parsePlatform(platformString ?? hostPlatform());
  let desc = descriptor;
  for (let depth = 0; depth < 4; depth++) {
    const bytes = await fetchAll(fetcher, desc, signal === undefined ? {} : { signal });
    const doc = parseManifest(bytes, { mediaType: desc.mediaType });
    if (doc.kind === 'manifest') {
      let config: Record<string, unknown> | undefined;
      try {
        const raw: unknown = JSON.parse(
          new TextDecoder().decode(await fetchAll(fetcher, doc.manifest.config)),
        );
        if (typeof raw === 'object' && raw !== null) config = raw as Record<string, unknown>;
      } catch {
        config = undefined;
      }
      return {
        fetcher,
        name,
        manifestDescriptor: desc,
        manifest: doc.manifest,
        ...(config !== undefined ? { config } : {}),
      };
    }
    const children = doc.index.manifests;
    const match =
      children.find((m) => platformMatches(m.platform, want)) ??
      (children.length === 1 && children[0]?.platform === undefined ? children[0] : undefined);
    if (match === undefined) {
      const have = children.map((m) =>
        m.platform === undefined
          ? '?'
          : `${m.platform.os}/${m.platform.architecture}${m.platform.variant !== undefined ? '/' + m.platform.variant : ''}`,
      );
      throw new SbomError(
        'PLATFORM_NOT_FOUND',
        `no manifest for ${platformString ?? hostPlatform()} in ${desc.digest} (has ${have.join(', ') || 'none'})`,
      );
    }
    desc = match;
  }
  throw new SbomError('INVALID_SOURCE', `index nesting too deep at ${desc.digest}`);
}

/** Opens an OCI layout directory or archive and picks the image to scan. */
export async function openLayout(
  path: string,
  reference: string | undefined,
): Promise<{ fetcher: Fetcher; descriptor: Descriptor }> {
  let store: OciLayoutStore | OciLayoutTarStore;
  try {
    const st = await stat(path);
    store = st.isDirectory()
      ? await OciLayoutStore.open(path, { readOnly: true })
      : await OciLayoutStore.openTar(path);
  } catch (err) {
    throw new SbomError('INVALID_SOURCE', `${path} is not a readable OCI layout or archive`, {
      cause: err,
    });
  }
  if (reference !== undefined)
    return { fetcher: store, descriptor: await store.resolve(reference) };
  const entries = await store.entries();
  const first = entries[0];
  if (entries.length !== 1 || first === undefined) {
    throw new SbomError(
      'INVALID_SOURCE',
      `${path} holds ${entries.length} images; name one with a reference`,
    );
  }
  return { fetcher: store, descriptor: first };
}
