import { createHash } from 'node:crypto';
import type { Fetcher } from '@wharf/content';
import type { Descriptor } from '@wharf/core';
import { assemblePackages, findDistro, ownedFiles } from './assemble.js';
import { DEFAULT_CATALOGER_NAMES } from './catalogers/names.js';
import type { Cataloger } from './catalogers/types.js';
import { SbomError } from './errors.js';
import { licenseLibraryVersions, type KnownLicenses } from './identity/license.js';
import { openLayout, resolveImage, type SbomSource } from './source.js';
import type { Catalog, LayerSummary, SbomWarning, SourceInfo, WalkOptions } from './types.js';
import {
  analyseEntries,
  ANALYSER_VERSION,
  DEFAULT_MAX_FILE_BYTES,
  type LayerAnalysis,
} from './walker/analyse.js';
import type { LayerCache } from './walker/cache.js';
import { SquashedTree } from './walker/squash.js';

// The catalogers, the tar reader and the decompressors are imported only when a layer is
// actually read: a run that finds every layer in the cache does not pay for loading them.
const loadCatalogers = async (): Promise<readonly Cataloger[]> =>
  (await import('./catalogers/index.js')).DEFAULT_CATALOGERS;

/** Options of {@link catalogSource}. */
export interface CatalogOptions extends WalkOptions {
  /** `os/arch[/variant]` for indexes; default the host's. */
  readonly platform?: string;
  /** Per-layer analysis cache (e.g. a {@link DirectoryLayerCache}). */
  readonly cache?: LayerCache;
  /** Catalogers to run (default all). */
  readonly catalogers?: readonly Cataloger[];
  /** Called before and after each layer is analysed (progress display). */
  readonly onLayer?: (event: LayerProgress) => void;
}

/** A progress event of {@link catalogSource}: layer `index` (0-based) of `total`. */
export interface LayerProgress {
  readonly phase: 'start' | 'done';
  readonly index: number;
  readonly total: number;
  readonly digest: string;
  readonly size: number;
  /** Set when `phase` is `done`: the analysis came from the cache. */
  readonly cached?: boolean;
}

/**
 * The cache key of a layer: analyser version, a hash of the options (file cap, cataloger names,
 * license library versions), and the digest.
 */
export function layerCacheKey(
  digest: string,
  maxFileBytes: number,
  catalogers: readonly Pick<Cataloger, 'name'>[],
): string {
  const h = createHash('sha256')
    .update(JSON.stringify([maxFileBytes, catalogers.map((c) => c.name), licenseLibraryVersions()]))
    .digest('hex');
  return `v${ANALYSER_VERSION}-${h.slice(0, 8)}/${digest}`;
}

async function analyseLayer(
  fetcher: Fetcher,
  layer: Descriptor,
  options: CatalogOptions,
  maxFileBytes: number,
): Promise<{ analysis: LayerAnalysis; cached: boolean }> {
  const names = options.catalogers ?? DEFAULT_CATALOGER_NAMES.map((name) => ({ name }));
  const key = layerCacheKey(layer.digest, maxFileBytes, names);
  const hit = await options.cache?.get(key);
  if (hit !== undefined && hit.version === ANALYSER_VERSION) return { analysis: hit, cached: true };
  const [{ decompressLayer }, { tarEntries }, catalogers] = await Promise.all([
    import('./walker/decompress.js'),
    import('./walker/entries.js'),
    options.catalogers ?? loadCatalogers(),
  ]);
  const signal = options.signal;
  const blob = await fetcher.fetch(layer, signal === undefined ? {} : { signal });
  let tar;
  try {
    tar = await decompressLayer(blob, layer.mediaType);
  } catch (err) {
    if (err instanceof SbomError) throw err;
    throw new SbomError('LAYER_CORRUPT', `layer ${layer.digest} cannot be read`, { cause: err });
  }
  const analysis = await analyseEntries(tarEntries(tar), {
    catalogers,
    maxFileBytes,
    layer: layer.digest,
    ...(signal !== undefined ? { signal } : {}),
  });
  await options.cache?.set(key, analysis);
  return { analysis, cached: false };
}

/**
 * Reads a source and catalogs it: layers are analysed one at a time (cached by digest), then
 * squashed with whiteouts, and the visible evidence is turned into packages.
 */
export async function catalogSource(
  source: SbomSource,
  options: CatalogOptions = {},
): Promise<Catalog> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (source.kind === 'rootfs') {
    const [{ directoryEntries }, catalogers] = await Promise.all([
      import('./walker/entries.js'),
      options.catalogers ?? loadCatalogers(),
    ]);
    const analysis = await analyseEntries(directoryEntries(source.path), {
      catalogers,
      maxFileBytes,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    }).catch((err: unknown) => {
      throw new SbomError('INVALID_SOURCE', `cannot read directory ${source.path}`, { cause: err });
    });
    return finish([analysis], [undefined], {
      kind: 'directory',
      name: source.name ?? source.path,
      layers: [],
    });
  }
  let fetcher;
  let descriptor;
  let name;
  if (source.kind === 'oci-layout') {
    ({ fetcher, descriptor } = await openLayout(source.path, source.reference));
    name =
      source.name ??
      (source.reference !== undefined ? `${source.path}:${source.reference}` : source.path);
  } else {
    ({ fetcher, descriptor } = source);
    name = source.name ?? descriptor.digest;
  }
  const image = await resolveImage(fetcher, descriptor, name, options.platform, options.signal);
  const analyses: LayerAnalysis[] = [];
  const layers: LayerSummary[] = [];
  const total = image.manifest.layers.length;
  for (const [index, layer] of image.manifest.layers.entries()) {
    const at = { index, total, digest: layer.digest, size: layer.size };
    options.onLayer?.({ phase: 'start', ...at });
    const { analysis, cached } = await analyseLayer(fetcher, layer, options, maxFileBytes);
    options.onLayer?.({ phase: 'done', ...at, cached });
    analyses.push(analysis);
    layers.push({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, cached });
    options.logger?.debug(
      { layer: layer.digest, cached, evidence: analysis.evidence.length },
      'layer analysed',
    );
  }
  const cfg = image.config ?? {};
  const os = typeof cfg.os === 'string' ? cfg.os : undefined;
  const architecture = typeof cfg.architecture === 'string' ? cfg.architecture : undefined;
  const variant = typeof cfg.variant === 'string' ? cfg.variant : undefined;
  const info: SourceInfo = {
    kind: 'image',
    name: image.name,
    manifestDigest: image.manifestDescriptor.digest,
    manifest: {
      mediaType: image.manifestDescriptor.mediaType,
      digest: image.manifestDescriptor.digest,
      size: image.manifestDescriptor.size,
    },
    imageId: image.manifest.config.digest,
    ...(os !== undefined && architecture !== undefined
      ? { platform: { os, architecture, ...(variant !== undefined ? { variant } : {}) } }
      : {}),
    layers,
  };
  return finish(
    analyses,
    layers.map((l) => l.digest),
    info,
  );
}

function finish(
  analyses: readonly LayerAnalysis[],
  digests: readonly (string | undefined)[],
  source: SourceInfo,
): Catalog {
  const tree = SquashedTree.build(analyses);
  const warnings: SbomWarning[] = analyses.flatMap((a) => a.warnings);
  const distro = findDistro(tree, warnings);
  // licenses the layers already normalized (from the cache on a warm run)
  const known: KnownLicenses = new Map(analyses.flatMap((a) => a.licenses));
  const packages = assemblePackages(tree, digests, distro, known);
  const files = ownedFiles(tree, packages, digests);
  return { source, ...(distro !== undefined ? { distro } : {}), packages, files, warnings };
}
