// Child process of walker.test.ts's memory test: catalogs a one-layer image whose layer blob is
// read from stdin, through the built `catalogSource` of @wharf/sbom/lite (what `wharf sbom`
// runs). The fetcher verifies the blob's size and digest while it streams, as a registry pull
// does. Prints one JSON line: peak RSS before and after the scan, and what was found.
//
//   node big-layer-child.mjs <repo root> '<layer descriptor JSON>'
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const [root, layerJson] = process.argv.slice(-2);
const layer = JSON.parse(layerJson);
const dist = (p) => `${root}/packages/${p}`;
const { catalogSource } = await import(dist('sbom/dist/lite.js'));
const { MemoryStore, pushBytes } = await import(dist('content/dist/index.js'));
const { verifyContent } = await import(dist('core/dist/index.js'));
// what a layer cache miss loads, loaded up front so that the baseline includes it
await import(dist('sbom/dist/catalogers/index.js'));
await import(dist('sbom/dist/walker/entries.js'));
await import(dist('sbom/dist/walker/decompress.js'));

const store = new MemoryStore();
const json = (v) => Buffer.from(JSON.stringify(v));
const config = await pushBytes(
  store,
  'application/vnd.oci.image.config.v1+json',
  json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
);
const manifest = await pushBytes(
  store,
  'application/vnd.oci.image.manifest.v1+json',
  json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: [layer],
  }),
);
let bytesIn = 0;
async function* stdin() {
  for await (const chunk of process.stdin) {
    bytesIn += chunk.byteLength;
    yield chunk;
  }
}
const fetcher = {
  fetch: async (desc, options) =>
    desc.digest === layer.digest ? verifyContent(stdin(), layer) : store.fetch(desc, options),
};

const baselineKiB = process.resourceUsage().maxRSS;
const started = performance.now();
const catalog = await catalogSource(
  { kind: 'image', fetcher, descriptor: manifest, name: 'big' },
  { platform: 'linux/amd64' },
);
const maxRSSKiB = process.resourceUsage().maxRSS;
process.stdout.write(
  JSON.stringify({
    baselineKiB,
    maxRSSKiB,
    ms: Math.round(performance.now() - started),
    bytesIn,
    distro: catalog.distro?.id,
    purls: catalog.packages.map((p) => p.purl).sort(),
    warnings: catalog.warnings.map((w) => ({ code: w.code, path: w.path, message: w.message })),
  }) + '\n',
);
