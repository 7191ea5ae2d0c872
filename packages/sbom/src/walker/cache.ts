import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDigest, type Logger } from '@wharf/core';
import { SbomError } from '../errors.js';
import type { LayerAnalysis } from './analyse.js';
import { validateAnalysis } from './validate.js';

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

/** Options of {@link DirectoryLayerCache}. */
export interface DirectoryLayerCacheOptions {
  /** Told (`warn`) about entries that exist but cannot be read or are corrupt. */
  readonly logger?: Logger;
}

/**
 * A cache of JSON files under `dir` (`<dir>/<key>.json`), written atomically (temp file +
 * rename). Not compressed: gunzip was about 16 ms of a 0.26 s warm run of a Debian base image,
 * for an entry of 1.6 MB (0.5 MB gzip'd). Every entry read is validated in full; an unreadable or malformed one
 * counts as a miss (with a warning to the logger) and is overwritten by the fresh analysis.
 */
export class DirectoryLayerCache implements LayerCache {
  readonly dir: string;
  readonly #logger: Logger | undefined;
  constructor(dir: string, options: DirectoryLayerCacheOptions = {}) {
    this.dir = dir;
    this.#logger = options.logger;
  }

  #file(key: string): string {
    if (!KEY.test(key)) {
      throw new SbomError('CACHE_ERROR', `malformed layer cache key: ${key}`);
    }
    const [prefix = '', digest = ''] = key.split('/');
    const d = parseDigest(digest);
    return join(this.dir, prefix, d.algorithm, `${d.encoded}.json`);
  }

  async get(key: string): Promise<LayerAnalysis | undefined> {
    const file = this.#file(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#corrupt(file, err);
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.#corrupt(file, err);
      return undefined;
    }
    const checked = validateAnalysis(value);
    if (!checked.ok) {
      this.#corrupt(file, checked.reason);
      return undefined;
    }
    return checked.analysis;
  }

  #corrupt(file: string, why: unknown): void {
    const reason = why instanceof Error ? why.message : String(why);
    this.#logger?.warn({ file, reason }, 'layer cache entry unreadable; analysing the layer again');
  }

  async set(key: string, analysis: LayerAnalysis): Promise<void> {
    const file = this.#file(key);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(tmp, JSON.stringify(analysis));
      await rename(tmp, file);
    } catch (err) {
      throw new SbomError('CACHE_ERROR', `cannot write layer cache ${file}`, { cause: err });
    }
  }
}
