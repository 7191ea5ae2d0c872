import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@wharf/core';
import { afterAll, describe, expect, it } from 'vitest';
import { dpkgStanza, gzLayer, makeImage, OS_RELEASE, type TestLayer } from '../../test/images.js';
import { catalogSource, layerCacheKey } from '../catalog.js';
import { DEFAULT_CATALOGERS } from '../catalogers/index.js';
import { DEFAULT_CATALOGER_NAMES } from '../catalogers/names.js';
import { ANALYSER_VERSION, DEFAULT_MAX_FILE_BYTES, type LayerAnalysis } from './analyse.js';
import { DirectoryLayerCache, MemoryLayerCache, type LayerCache } from './cache.js';
import { validateAnalysis } from './validate.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempCache(): string {
  const d = mkdtempSync(join(tmpdir(), 'sbom-cache-test-'));
  dirs.push(d);
  return d;
}

/** A layer with declared licenses of every kind: SPDX, fixable, not SPDX, from copyright files. */
const licensed = () =>
  gzLayer([
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    { name: 'var/lib/dpkg/status', content: dpkgStanza('bash', '5.2.15-2+b2') },
    {
      name: 'usr/share/doc/bash/copyright',
      content:
        'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n' +
        'Files: *\nCopyright: 1987 FSF\nLicense: GPL-3+\n',
    },
    {
      name: 'usr/share/nodejs/lodash/package.json',
      content: '{"name":"lodash","version":"4.17.21","license":"MIT"}',
    },
    {
      name: 'usr/share/nodejs/odd/package.json',
      content: '{"name":"odd","version":"1.0.0","license":"  Some Custom Terms "}',
    },
    {
      name: 'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO',
      content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n',
    },
  ]);

async function scan(layers: TestLayer[], cache: LayerCache) {
  const { store, manifest } = await makeImage(layers);
  return catalogSource(
    { kind: 'image', fetcher: store, descriptor: manifest, name: 'test' },
    { platform: 'linux/amd64', cache },
  );
}

function recorder(): Logger & { warnings: { obj: object; msg: string | undefined }[] } {
  const warnings: { obj: object; msg: string | undefined }[] = [];
  const none = () => {};
  return {
    warnings,
    debug: none,
    info: none,
    error: none,
    warn: (obj, msg) => warnings.push({ obj, msg }),
  };
}

/** The one cache file under `dir`. */
function entryFile(dir: string): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.json'),
  );
  expect(files).toHaveLength(1);
  return join(dir, files[0] ?? '');
}

const readEntry = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const writeEntry = (file: string, value: unknown): void =>
  writeFileSync(file, JSON.stringify(value));

describe('layer cache', () => {
  it('names the default catalogers in the cache key without loading them', () => {
    expect(DEFAULT_CATALOGER_NAMES).toEqual(DEFAULT_CATALOGERS.map((c) => c.name));
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(layerCacheKey(digest, DEFAULT_MAX_FILE_BYTES, DEFAULT_CATALOGERS)).toBe(
      layerCacheKey(
        digest,
        DEFAULT_MAX_FILE_BYTES,
        DEFAULT_CATALOGER_NAMES.map((name) => ({ name })),
      ),
    );
    expect(layerCacheKey(digest, 1, DEFAULT_CATALOGERS)).not.toBe(
      layerCacheKey(digest, 2, DEFAULT_CATALOGERS),
    );
    expect(layerCacheKey(digest, 1, DEFAULT_CATALOGERS)).toMatch(
      new RegExp(`^v${ANALYSER_VERSION}-[0-9a-f]{8}/${digest}$`),
    );
  });

  it('stores each declared license with its SPDX form, and a warm run uses them', async () => {
    const memory = new MemoryLayerCache();
    const layer = await licensed();
    const cold = await scan([layer], memory);
    const digest = cold.source.layers[0]?.digest ?? '';
    const analysis = await memory.get(
      layerCacheKey(digest, DEFAULT_MAX_FILE_BYTES, DEFAULT_CATALOGERS),
    );
    expect(new Map(analysis?.licenses)).toEqual(
      new Map([
        ['GPL-3+', 'GPL-3.0-or-later'],
        ['MIT', 'MIT'],
        ['Some Custom Terms', null],
        ['Apache 2.0', 'Apache-2.0'],
      ]),
    );
    const lic = (c: typeof cold, name: string) => {
      const p = c.packages.find((x) => x.name === name);
      return [p?.licenseExpression, p?.licenseNames];
    };
    expect(lic(cold, 'bash')).toEqual(['GPL-3.0-or-later', []]);
    expect(lic(cold, 'odd')).toEqual([undefined, ['Some Custom Terms']]);
    expect(lic(cold, 'requests')).toEqual(['Apache-2.0', []]);

    // On disk, a warm run takes the normalized form from the entry, not from spdx-correct: an
    // entry saying "Apache 2.0" is BSD-3-Clause is believed (it is what the analysis stored).
    const dir = tempCache();
    const disk = new DirectoryLayerCache(dir);
    await scan([layer], disk);
    const file = entryFile(dir);
    const stored = readEntry(file) as unknown as LayerAnalysis;
    writeEntry(file, {
      ...stored,
      licenses: stored.licenses.map(([k, v]) => [k, k === 'Apache 2.0' ? 'BSD-3-Clause' : v]),
    });
    const warm = await scan([layer], disk);
    expect(warm.source.layers[0]?.cached).toBe(true);
    expect(lic(warm, 'requests')).toEqual(['BSD-3-Clause', []]);
    expect(lic(warm, 'bash')).toEqual(['GPL-3.0-or-later', []]);
  });

  it('reads back from disk exactly what was analysed', async () => {
    const dir = tempCache();
    const disk = new DirectoryLayerCache(dir);
    const layer = await licensed();
    const cold = await scan([layer], disk);
    const warm = await scan([layer], disk);
    expect(cold.source.layers[0]?.cached).toBe(false);
    expect(warm.source.layers[0]?.cached).toBe(true);
    const strip = (c: typeof cold) => ({
      ...c,
      source: { ...c.source, layers: c.source.layers.map((l) => ({ ...l, cached: false })) },
    });
    expect(strip(warm)).toEqual(strip(cold));
  });

  const corruptions: [string, (file: string) => void][] = [
    ['not JSON', (f) => writeFileSync(f, 'plain text')],
    ['truncated JSON', (f) => writeFileSync(f, readFileSync(f).subarray(0, 40))],
    ['binary garbage', (f) => writeFileSync(f, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]))],
    ['a JSON array', (f) => writeEntry(f, [])],
    ['an older analyser version', (f) => writeEntry(f, { ...readEntry(f), version: 2 })],
    [
      'a file digest that is not hex',
      (f) => {
        const e = readEntry(f);
        const d = String(e['digests']);
        expect(d.length).toBeGreaterThan(0);
        writeEntry(f, { ...e, digests: 'z' + d.slice(1) });
      },
    ],
    [
      'file digests of the wrong length',
      (f) => {
        const e = readEntry(f);
        writeEntry(f, { ...e, digests: String(e['digests']).slice(2) });
      },
    ],
    [
      'no licenses table (the version 2 shape)',
      (f) => {
        const { licenses: _, ...rest } = readEntry(f);
        writeEntry(f, rest);
      },
    ],
    [
      'an entry with an unknown type',
      (f) => {
        const e = readEntry(f) as unknown as LayerAnalysis;
        writeEntry(f, { ...e, entries: [...e.entries, ['/x', 'z']] });
      },
    ],
    [
      'a symlink without a target',
      (f) => {
        const e = readEntry(f) as unknown as LayerAnalysis;
        writeEntry(f, { ...e, entries: [...e.entries, ['/x', 'l']] });
      },
    ],
    [
      'a package without a name',
      (f) => {
        const e = readEntry(f) as unknown as LayerAnalysis;
        const evidence = e.evidence.map((x) => ({
          ...x,
          evidence: x.evidence.map((v) =>
            v.kind === 'packages'
              ? { ...v, packages: v.packages.map(({ name: _, ...p }) => p) }
              : v,
          ),
        }));
        writeEntry(f, { ...e, evidence });
      },
    ],
    [
      'a package of an unknown type',
      (f) => {
        const e = readEntry(f) as unknown as LayerAnalysis;
        const evidence = e.evidence.map((x) => ({
          ...x,
          evidence: x.evidence.map((v) =>
            v.kind === 'packages'
              ? { ...v, packages: v.packages.map((p) => ({ ...p, type: 'nonesuch' })) }
              : v,
          ),
        }));
        writeEntry(f, { ...e, evidence });
      },
    ],
    [
      'evidence of an unknown kind',
      (f) => {
        const e = readEntry(f) as unknown as LayerAnalysis;
        writeEntry(f, { ...e, evidence: [{ path: '/x', evidence: [{ kind: 'other' }] }] });
      },
    ],
    [
      'a license mapped to a number',
      (f) => writeEntry(f, { ...readEntry(f), licenses: [['MIT', 7]] }),
    ],
    [
      'a warning with an unknown code',
      (f) => writeEntry(f, { ...readEntry(f), warnings: [{ code: 'NOPE', message: 'x' }] }),
    ],
  ];

  it.each(corruptions)(
    'a corrupt entry (%s) is a miss with a warning, then rewritten',
    async (_what, corrupt) => {
      const dir = tempCache();
      const logger = recorder();
      const disk = new DirectoryLayerCache(dir, { logger });
      const layer = await licensed();
      const cold = await scan([layer], disk);
      const file = entryFile(dir);
      const good = readFileSync(file);
      corrupt(file);
      expect(readFileSync(file).equals(good)).toBe(false);

      const again = await scan([layer], disk);
      expect(again.source.layers[0]?.cached).toBe(false);
      expect(again.packages).toEqual(cold.packages);
      expect(logger.warnings).toHaveLength(1);
      const warned = logger.warnings[0]?.obj as { file?: unknown; reason?: unknown } | undefined;
      expect(warned?.file).toBe(file);
      expect(typeof warned?.reason === 'string' && warned.reason.length > 0).toBe(true);
      expect(logger.warnings[0]?.msg).toMatch(/layer cache entry unreadable/);

      // the fresh analysis replaced the bad entry
      expect(readFileSync(file).equals(good)).toBe(true);
      const third = await scan([layer], disk);
      expect(third.source.layers[0]?.cached).toBe(true);
      expect(logger.warnings).toHaveLength(1);
    },
  );

  it('a missing entry is a plain miss, without a warning', async () => {
    const logger = recorder();
    const disk = new DirectoryLayerCache(tempCache(), { logger });
    expect(await disk.get(`v${ANALYSER_VERSION}-00000000/sha256:${'b'.repeat(64)}`)).toBe(
      undefined,
    );
    expect(logger.warnings).toEqual([]);
  });

  it('validateAnalysis names the first bad field', () => {
    const ok: LayerAnalysis = {
      version: ANALYSER_VERSION,
      entries: [
        ['/a', 'd'],
        ['/a/b', 'l', '/c'],
        ['/a/c', 'f'],
      ],
      whiteouts: [],
      opaqueDirs: [],
      evidence: [],
      warnings: [],
      licenses: [['MIT', 'MIT']],
      digests: 'a'.repeat(40) + 'b'.repeat(64),
    };
    expect(validateAnalysis(ok)).toEqual({ ok: true, analysis: ok });
    expect(validateAnalysis({ ...ok, digests: 'a'.repeat(40) + 'B'.repeat(64) })).toEqual({
      ok: false,
      reason: 'digests is not lowercase hex',
    });
    expect(validateAnalysis({ ...ok, digests: 'a'.repeat(40) })).toEqual({
      ok: false,
      reason: 'digests has 40 characters for 1 files',
    });
    const { digests: _d, ...v3 } = ok;
    expect(validateAnalysis(v3)).toEqual({ ok: false, reason: 'digests is not a string' });
    expect(
      validateAnalysis({
        ...ok,
        entries: [
          ['/a', 'd'],
          ['relative', 'f'],
        ],
      }),
    ).toEqual({
      ok: false,
      reason: 'entries[1] is malformed',
    });
    expect(validateAnalysis({ ...ok, whiteouts: 'x' })).toEqual({
      ok: false,
      reason: 'whiteouts is not an array',
    });
    expect(validateAnalysis(null)).toEqual({ ok: false, reason: 'not a JSON object' });
  });
});
