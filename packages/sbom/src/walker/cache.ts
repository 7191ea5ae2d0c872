import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseDigest } from '@wharf/core';
import { SbomError } from '../errors.js';
import type { LayerAnalysis } from './analyse.js';

/**
 * Stores per-layer analyses by key (layer digest plus analyser version and options), so layers
 * shared between images are read once. Implementations may drop entries at any time.
 */
export interface LayerCache {
  get(key: string): Promise<LayerAnalysis | undefined>;
  set(key: string, analysis: LayerAnalysis): Promise<void>;
}

/** An in-process cache (tests, one-off runs scanning several images). */
export class MemoryLayerCache implements LayerCache {
  readonly #map = new Map<string, LayerAnalysis>();
  get(key: string): Promise<LayerAnalysis | undefined> {
    return Promise.resolve(this.#map.get(key));
  }
  set(key: string, analysis: LayerAnalysis): Promise<void> {
    this.#map.set(key, analysis);
    return Promise.resolve();
  }
  get size(): number {
    return this.#map.size;
  }
}

const KEY = /^v\d+-[0-9a-f]{8}\/(sha256|sha512):[0-9a-f]+$/;

function isAnalysis(v: unknown): v is LayerAnalysis {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.version === 'number' &&
    Array.isArray(o.entries) &&
    Array.isArray(o.whiteouts) &&
    Array.isArray(o.opaqueDirs) &&
    Array.isArray(o.evidence) &&
    Array.isArray(o.warnings)
  );
}

/**
 * A cache of gzip'd JSON files under `dir` (`<dir>/<key>.json.gz`), written atomically
 * (temp file + rename). Unreadable or malformed entries count as misses.
 */
export class DirectoryLayerCache implements LayerCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  #file(key: string): string {
    if (!KEY.test(key)) {
      throw new SbomError('CACHE_ERROR', `malformed layer cache key: ${key}`);
    }
    const [prefix = '', digest = ''] = key.split('/');
    const d = parseDigest(digest);
    return join(this.dir, prefix, d.algorithm, `${d.encoded}.json.gz`);
  }

  async get(key: string): Promise<LayerAnalysis | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#file(key));
    } catch {
      return undefined;
    }
    try {
      const value: unknown = JSON.parse(gunzipSync(bytes).toString('utf8'));
      return isAnalysis(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, analysis: LayerAnalysis): Promise<void> {
    const file = this.#file(key);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(tmp, gzipSync(JSON.stringify(analysis), { level: 1 }));
      await rename(tmp, file);
    } catch (err) {
      throw new SbomError('CACHE_ERROR', `cannot write layer cache ${file}`, { cause: err });
    }
  }
}
