/**
 * One in-process `generateSbom` of an OCI layout with a `DirectoryLayerCache`, timed after the
 * modules are loaded: prints `{"ms": …, "cachedLayers": …}`. bench/sbom/run.ts runs it in a fresh
 * process for the cold and the warm case, so the figure excludes Node startup and module loading.
 *
 * Usage: node --import tsx bench/sbom/catalog-once.ts <layout> <cache dir>
 */
import { performance } from 'node:perf_hooks';
import { DirectoryLayerCache, generateSbom, serializeSbom } from '@wharf/sbom';

const [layout, cacheDir] = process.argv.slice(2);
if (layout === undefined || cacheDir === undefined) {
  process.stderr.write('usage: catalog-once.ts <layout> <cache dir>\n');
  process.exit(2);
}
const t0 = performance.now();
const result = await generateSbom(
  { kind: 'oci-layout', path: layout },
  { format: 'spdx-json', cache: new DirectoryLayerCache(cacheDir), created: new Date(0) },
);
const text = serializeSbom(result);
const ms = performance.now() - t0;
process.stdout.write(
  JSON.stringify({
    ms,
    bytes: text.length,
    cachedLayers: result.catalog.source.layers.filter((l) => l.cached).length,
  }) + '\n',
);
