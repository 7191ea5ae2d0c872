// A warm `wharf sbom` (every layer in the on-disk cache) in a fresh process: the same bytes as the
// cold run, without loading the catalogers, the tar reader or the SPDX license libraries, and a
// corrupt cache entry is a miss with a warning. Runs the built binary (packages/cli/dist/bin.js).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { debianEntries, writeLayout } from './sbom-images.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stderr: string;
}

describe('warm wharf sbom', () => {
  const dir = tempDir('wharf-sbom-warm-');
  const layout = join(dir.path, 'layout');
  const cache = join(dir.path, 'cache');
  afterAll(() => dir.remove());

  beforeAll(async () => {
    await writeLayout(layout, 'v1', [
      debianEntries([
        {
          name: 'usr/share/doc/bash/copyright',
          content: 'Files: *\nCopyright: 1987 FSF\nLicense: GPL-3+\n',
        },
        {
          name: 'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO',
          content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n',
        },
      ]),
    ]);
  });

  /** `wharf sbom -q layout:v1` writing SPDX and CycloneDX to `<name>.*`; NODE_DEBUG=module on. */
  const sbom = (name: string): Promise<Run> =>
    new Promise((done) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: dir.path,
        XDG_CACHE_HOME: cache,
        SOURCE_DATE_EPOCH: '0',
        NODE_DEBUG: 'module',
      };
      delete env.NODE_EXTRA_CA_CERTS;
      execFile(
        process.execPath,
        [
          BIN,
          'sbom',
          '-q',
          `${layout}:v1`,
          '-o',
          `spdx-json=${join(dir.path, `${name}.spdx.json`)}`,
          '-o',
          `cyclonedx-json=${join(dir.path, `${name}.cdx.json`)}`,
        ],
        { env, maxBuffer: 64 * 1024 * 1024 },
        (err, _stdout, stderr) =>
          done({
            code: err === null ? 0 : typeof err.code === 'number' ? err.code : null,
            stderr,
          }),
      );
    });

  /** CommonJS files the run loaded (`NODE_DEBUG=module` prints `load "<file>"` for each). */
  const cjsLoaded = (r: Run): string[] =>
    [...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1] ?? '');
  const LAZY = [
    '/node_modules/spdx-correct/index.js',
    '/node_modules/spdx-expression-parse/index.js',
    '/node_modules/tar-stream/index.js',
  ];
  const output = (name: string) =>
    ['spdx.json', 'cdx.json'].map((ext) => readFileSync(join(dir.path, `${name}.${ext}`), 'utf8'));

  it('writes the cold run bytes and loads no license library or tar reader', async () => {
    const cold = await sbom('cold');
    expect(cold.code, cold.stderr.slice(-2000)).toBe(0);
    // Control: the cold run does load them, so their absence below means something.
    for (const lib of LAZY)
      expect(
        cjsLoaded(cold).some((f) => f.endsWith(lib)),
        lib,
      ).toBe(true);

    const warm = await sbom('warm');
    expect(warm.code, warm.stderr.slice(-2000)).toBe(0);
    expect(cjsLoaded(warm).some((f) => f.endsWith('/node_modules/commander/index.js'))).toBe(true);
    expect(LAZY.filter((lib) => cjsLoaded(warm).some((f) => f.endsWith(lib)))).toEqual([]);

    const [spdx, cdx] = output('warm');
    expect(spdx === output('cold')[0], 'SPDX differs between cold and warm').toBe(true);
    expect(cdx === output('cold')[1], 'CycloneDX differs between cold and warm').toBe(true);
    const doc = JSON.parse(spdx ?? '') as {
      packages: { name: string; licenseDeclared?: string }[];
    };
    expect(doc.packages.find((p) => p.name === 'requests')?.licenseDeclared).toBe('Apache-2.0');
    expect(doc.packages.find((p) => p.name === 'bash')?.licenseDeclared).toBe('GPL-3.0-or-later');
  });

  it('treats a corrupt cache entry as a miss with a warning, and writes the same SBOM', async () => {
    const files = readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files).toHaveLength(1);
    writeFileSync(join(cache, files[0] ?? ''), 'not JSON');
    const r = await sbom('corrupt');
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/^warn: layer cache entry unreadable; analysing the layer again /m);
    expect(output('corrupt')).toEqual(output('cold'));
    const again = await sbom('again');
    expect(again.stderr).not.toMatch(/^warn:/m);
    expect(LAZY.filter((lib) => cjsLoaded(again).some((f) => f.endsWith(lib)))).toEqual([]);
  });
});
