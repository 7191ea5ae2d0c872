import { createHash, hash } from 'node:crypto';
import type { Cataloger, Evidence, FileMeta } from '../catalogers/types.js';
import { SbomError } from '../errors.js';
import { spdxTable } from '../identity/license.js';
import type { SbomWarning } from '../types.js';
import type { RawEntry } from './entries.js';
import {
  baseName,
  normalizeEntryPath,
  OPAQUE_MARKER,
  parentPath,
  WHITEOUT_PREFIX,
} from './paths.js';

/**
 * Bumped whenever the analysis, its cached form or a cataloger changes, so old cache entries are
 * ignored (3: `licenses`, the declared licenses normalized to SPDX; 5: `digests` of every file).
 */
export const ANALYSER_VERSION = 5;

/** Hex characters per file in {@link LayerAnalysis.digests}: SHA-1 (40) then SHA-256 (64). */
export const DIGEST_RECORD_CHARS = 104;

/** Bytes of recently read files kept for hard links that point at them. */
const HARDLINK_KEEP_BYTES = 8 * 1024 * 1024;

/** Default cap on a buffered file. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The FILE_TOO_LARGE message: sizes in bytes and MiB, and the catalogers that miss the file. */
function tooLarge(path: string, size: number, cap: number, wanted: readonly Cataloger[]): string {
  return (
    `${path} is ${size} bytes (${mib(size)}), over the ${cap}-byte (${mib(cap)}) per-file cap; ` +
    `not cataloged by ${wanted.map((c) => c.name).join(', ')}`
  );
}

/** An entry of the layer's file tree: [path, type, link target]. f=file d=dir l=symlink h=hard link. */
export type EntryRecord = readonly [path: string, type: 'f' | 'd' | 'l' | 'h', link?: string];

/** Everything the squash step needs from one layer. Plain JSON, cached by layer digest. */
export interface LayerAnalysis {
  readonly version: number;
  readonly entries: readonly EntryRecord[];
  /** Paths removed by `.wh.<name>` entries. */
  readonly whiteouts: readonly string[];
  /** Directories whose lower contents are hidden (`.wh..wh..opq`). */
  readonly opaqueDirs: readonly string[];
  readonly evidence: readonly { readonly path: string; readonly evidence: readonly Evidence[] }[];
  readonly warnings: readonly SbomWarning[];
  /**
   * Every declared license string of the evidence (package licenses, Debian copyright files),
   * trimmed, with its SPDX form or null when it is not SPDX: normalized once here, so a run that
   * reads the analysis from the cache does not normalize again.
   */
  readonly licenses: readonly (readonly [declared: string, spdx: string | null])[];
  /**
   * SHA-1 then SHA-256 (lowercase hex, {@link DIGEST_RECORD_CHARS} characters) of every regular
   * file (`f` entry) of the layer, in entry order, in one string (hard links have no record: the
   * squash gives them their target's).
   * SPDX 2.3 requires a SHA-1 for each file element, and the files a package owns are only known
   * after the layers are squashed, so every file is hashed while it streams past. One string
   * rather than an array of records: a warm run parses, validates and keeps it with no object per
   * file (a Debian base layer has about 7000 files).
   */
  readonly digests: string;
}

/** The declared license strings of some evidence, in order (duplicates kept). */
function* declaredLicenses(
  evidence: readonly { readonly evidence: readonly Evidence[] }[],
): Generator<string> {
  for (const { evidence: list } of evidence) {
    for (const e of list) {
      if (e.kind === 'packages') for (const p of e.packages) yield* p.licenses;
      else if (e.kind === 'dpkg-copyright') yield* e.licenses;
    }
  }
}

export interface AnalyseOptions {
  readonly catalogers: readonly Cataloger[];
  readonly maxFileBytes: number;
  /** Layer digest, for warnings. */
  readonly layer?: string;
  readonly signal?: AbortSignal;
}

const EMPTY_DIGESTS = [hash('sha1', '', 'hex'), hash('sha256', '', 'hex')] as const;

/** An event-emitting stream (Node's or streamx's, which tar-stream's entries are). */
interface Emitter {
  on(event: 'data', fn: (chunk: Uint8Array) => void): unknown;
  once(event: 'end' | 'close', fn: () => void): unknown;
  once(event: 'error', fn: (err: unknown) => void): unknown;
}

function isEmitter(v: unknown): v is Emitter {
  return typeof (v as { on?: unknown }).on === 'function';
}

/**
 * Hashes a file's content to the end (nothing kept), checking it has its declared size. Most of
 * a layer's files go through here: on a stream it listens for `data` instead of async-iterating
 * (an iterator and a promise per chunk cost more than hashing a small file), and a file that
 * arrives in one chunk is hashed with one-shot `crypto.hash`.
 */
async function hashOnly(
  body: AsyncIterable<Uint8Array>,
  size: number,
): Promise<readonly [sha1: string, sha256: string]> {
  if (!isEmitter(body)) {
    const sha1 = createHash('sha1');
    const sha256 = createHash('sha256');
    let total = 0;
    for await (const chunk of body) {
      total += chunk.byteLength;
      sha1.update(chunk);
      sha256.update(chunk);
    }
    if (total < size)
      throw new SbomError('LAYER_CORRUPT', `file ended after ${total} of ${size} bytes`);
    return total === 0 ? EMPTY_DIGESTS : [sha1.digest('hex'), sha256.digest('hex')];
  }
  return new Promise((resolve, reject) => {
    let total = 0;
    let first: Uint8Array | undefined;
    let h1: ReturnType<typeof createHash> | undefined;
    let h2: ReturnType<typeof createHash> | undefined;
    let done = false;
    body.on('data', (chunk) => {
      total += chunk.byteLength;
      if (h1 === undefined || h2 === undefined) {
        if (first === undefined && chunk.byteLength === size) {
          first = chunk;
          return;
        }
        h1 = createHash('sha1');
        h2 = createHash('sha256');
        if (first !== undefined) {
          h1.update(first);
          h2.update(first);
          first = undefined;
        }
      }
      h1.update(chunk);
      h2.update(chunk);
    });
    body.once('end', () => {
      done = true;
      if (total < size) {
        reject(new SbomError('LAYER_CORRUPT', `file ended after ${total} of ${size} bytes`));
      } else if (h1 !== undefined && h2 !== undefined) {
        resolve([h1.digest('hex'), h2.digest('hex')]);
      } else if (first !== undefined) {
        resolve([hash('sha1', first, 'hex'), hash('sha256', first, 'hex')]);
      } else resolve(EMPTY_DIGESTS);
    });
    body.once('error', (err) => {
      done = true;
      reject(err instanceof Error ? err : new Error(String(err)));
    });
    body.once('close', () => {
      if (!done)
        reject(new SbomError('LAYER_CORRUPT', `file ended after ${total} of ${size} bytes`));
    });
  });
}

async function readCapped(
  body: AsyncIterable<Uint8Array>,
  size: number,
  sniff: ((head: Uint8Array) => boolean) | undefined,
): Promise<{ content: Uint8Array | undefined; sha1: string; sha256: string }> {
  // Always reads to the end: breaking out of a tar entry stream would tear down the extractor.
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  const out = new Uint8Array(size);
  let off = 0;
  let declined = false;
  let sniffed = sniff === undefined;
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    sha1.update(chunk);
    sha256.update(chunk);
    if (declined) continue;
    const n = Math.min(chunk.byteLength, size - off);
    out.set(chunk.subarray(0, n), off);
    off += n;
    if (!sniffed && off >= Math.min(16, size)) {
      sniffed = true;
      declined = sniff?.(out.subarray(0, off)) === false;
    }
  }
  if (total < size)
    throw new SbomError('LAYER_CORRUPT', `file ended after ${total} of ${size} bytes`);
  const digests = { sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
  if (declined || (!sniffed && sniff?.(out.subarray(0, off)) === false))
    return { content: undefined, ...digests };
  return { content: out, ...digests };
}

/**
 * Walks the entries of one layer (or a directory tree) and runs the catalogers on the files
 * they ask for. Only matching files are buffered, one at a time, each up to `maxFileBytes`.
 */
export async function analyseEntries(
  entries: AsyncIterable<RawEntry>,
  options: AnalyseOptions,
): Promise<LayerAnalysis> {
  const records: EntryRecord[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const evidence: { path: string; evidence: Evidence[] }[] = [];
  const warnings: SbomWarning[] = [];
  const digests: string[] = [];
  const layer = options.layer === undefined ? {} : { layer: options.layer };
  // content of captured files by path, for hard links that point at them later in the layer
  const captured = new Map<string, { meta: FileMeta; content: Uint8Array }>();
  let keptBytes = 0;

  const runCatalogers = (
    meta: FileMeta,
    content: Uint8Array,
    which: readonly Cataloger[],
  ): void => {
    const found: Evidence[] = [];
    for (const c of which) {
      try {
        found.push(...c.parse(meta, content));
      } catch (err) {
        warnings.push({
          code: 'PARSE_FAILED',
          message: `${c.name}: ${meta.path}: ${err instanceof Error ? err.message : String(err)}`,
          path: meta.path,
          ...layer,
        });
      }
    }
    if (found.length > 0) evidence.push({ path: meta.path, evidence: found });
  };

  try {
    for await (const entry of entries) {
      if (options.signal?.aborted === true) {
        throw new SbomError('ABORTED', 'the scan was aborted', { cause: options.signal.reason });
      }
      const path = normalizeEntryPath(entry.name);
      if (path === undefined) {
        warnings.push({
          code: 'PATH_UNSAFE',
          message: `entry "${entry.name}" climbs out of the image root; ignored`,
          ...layer,
        });
        entry.skip();
        continue;
      }
      if (path === '/') {
        entry.skip();
        continue;
      }
      const base = baseName(path);
      if (base === OPAQUE_MARKER) {
        opaqueDirs.push(parentPath(path));
        entry.skip();
        continue;
      }
      if (base.startsWith(WHITEOUT_PREFIX) && base.length > WHITEOUT_PREFIX.length) {
        const dir = parentPath(path);
        whiteouts.push((dir === '/' ? '' : dir) + '/' + base.slice(WHITEOUT_PREFIX.length));
        entry.skip();
        continue;
      }
      const meta: FileMeta = { path, size: entry.size, mode: entry.mode };
      switch (entry.type) {
        case 'directory':
          records.push([path, 'd']);
          entry.skip();
          continue;
        case 'symlink':
          records.push([path, 'l', entry.linkname ?? '']);
          entry.skip();
          continue;
        case 'link': {
          const target = normalizeEntryPath(entry.linkname ?? '');
          entry.skip();
          if (target === undefined) {
            warnings.push({
              code: 'PATH_UNSAFE',
              message: `hard link ${path} -> "${entry.linkname ?? ''}" climbs out of the root; ignored`,
              path,
              ...layer,
            });
            continue;
          }
          records.push([path, 'h', target]);
          const wanted = options.catalogers.filter((c) => c.match({ ...meta, path }));
          const src = captured.get(target);
          if (wanted.length > 0 && src !== undefined) {
            runCatalogers({ ...src.meta, path }, src.content, wanted);
          }
          continue;
        }
        case 'other':
          entry.skip();
          continue;
        case 'file':
          break;
      }
      records.push([path, 'f']);
      const wanted = options.catalogers.filter((c) => c.match(meta));
      if (wanted.length > 0 && entry.size > options.maxFileBytes) {
        warnings.push({
          code: 'FILE_TOO_LARGE',
          message: tooLarge(path, entry.size, options.maxFileBytes, wanted),
          path,
          ...layer,
        });
      }
      if (wanted.length === 0 || entry.size > options.maxFileBytes) {
        const [sha1, sha256] = await hashOnly(entry.body(), entry.size);
        digests.push(sha1 + sha256);
        continue;
      }
      const sniffers = wanted.filter((c) => c.sniff !== undefined);
      const sniff =
        sniffers.length === wanted.length
          ? (head: Uint8Array) => sniffers.some((c) => c.sniff?.(head) === true)
          : undefined;
      const body = entry.body();
      const read = await readCapped(body, entry.size, sniff);
      digests.push(read.sha1 + read.sha256);
      const content = read.content;
      if (content === undefined) continue;
      // keep recent small files for hard links later in the layer, within a fixed budget
      if (content.byteLength <= HARDLINK_KEEP_BYTES) {
        captured.set(path, { meta, content });
        keptBytes += content.byteLength;
        while (keptBytes > HARDLINK_KEEP_BYTES) {
          const oldest = captured.keys().next().value;
          if (oldest === undefined) break;
          keptBytes -= captured.get(oldest)?.content.byteLength ?? 0;
          captured.delete(oldest);
        }
      }
      runCatalogers(meta, content, wanted);
    }
  } catch (err) {
    if (err instanceof SbomError) throw err;
    throw new SbomError(
      'LAYER_CORRUPT',
      `layer ${options.layer ?? '(directory)'} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, detail: layer },
    );
  }
  return {
    version: ANALYSER_VERSION,
    entries: records,
    whiteouts,
    opaqueDirs,
    evidence,
    warnings,
    licenses: spdxTable(declaredLicenses(evidence)),
    digests: digests.join(''),
  };
}
