import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { fetchAll } from '@wharf/content';
import {
  ANNOTATION_ORAS_CONTENT_DIGEST,
  ANNOTATION_ORAS_CONTENT_UNPACK,
  ANNOTATION_TITLE,
  WharfError,
  isManifestMediaType,
  manifestSuccessors,
  parseManifest,
  type Descriptor,
} from '@wharf/core';
import { extract as tarExtract } from 'tar-stream';
import { mapLimit } from './push.js';
import { countBytes, type Progress } from './progress.js';
import type { ReadTarget } from './target.js';

/** Errors of pulling unsafe content: exit code 1. */
function unsafe(message: string): WharfError<'UNSAFE_PATH'> {
  return new WharfError('UNSAFE_PATH', message);
}

function within(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The absolute path a title maps to under `outDir`. Refuses absolute titles and `..` escapes
 * unless `allowTraversal` (oras `-T`).
 */
export function safeJoin(outDir: string, title: string, allowTraversal: boolean): string {
  if (title === '' || title.includes('\0'))
    throw unsafe(`invalid file name ${JSON.stringify(title)}`);
  if (allowTraversal) return resolve(outDir, title);
  if (isAbsolute(title) || /^[a-zA-Z]:[\\/]/.test(title)) {
    throw unsafe(`refusing absolute path ${JSON.stringify(title)} (use --allow-path-traversal)`);
  }
  const target = resolve(outDir, normalize(title));
  if (!within(outDir, target) || target === outDir) {
    throw unsafe(
      `refusing path ${JSON.stringify(title)} outside the output directory (use --allow-path-traversal)`,
    );
  }
  return target;
}

/**
 * Creates `dir` under `root` one component at a time, refusing any existing component that is
 * (or leads through) a symbolic link out of `root`, so nothing is created outside it.
 */
async function safeMkdir(root: string, dir: string, rootReal?: Promise<string>): Promise<string> {
  const realRoot = await (rootReal ?? realpath(root));
  let current = realRoot;
  for (const part of relative(root, dir)
    .split(sep)
    .filter((p) => p !== '' && p !== '.')) {
    const next = join(current, part);
    let st;
    try {
      st = await lstat(next);
    } catch {
      st = undefined;
    }
    if (st === undefined) {
      try {
        await mkdir(next);
        current = next;
        continue;
      } catch (err) {
        // Created meanwhile by a concurrent download: check it like any existing entry.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const real = await realpath(next);
    if (!within(realRoot, real) || !(await lstat(real)).isDirectory()) {
      throw unsafe(`refusing to write through ${next}: it leads out of the output directory`);
    }
    current = real;
  }
  return current;
}

/**
 * Creates the parent of `target` safely; returns its real path. `rootReal` is the real path of
 * `root` when the caller already has it (a pull resolves it once, not once per file).
 */
async function safeParent(
  root: string,
  target: string,
  allowTraversal: boolean,
  rootReal?: Promise<string>,
): Promise<string> {
  const parent = dirname(target);
  if (allowTraversal) {
    await mkdir(parent, { recursive: true });
    return parent;
  }
  return safeMkdir(root, parent, rootReal);
}

/** One file written by pull (the JSON `files[]` entry). */
export interface PulledFile {
  readonly path: string;
  readonly descriptor: Descriptor;
}

export interface PullOptions {
  readonly outDir: string;
  readonly keepOld: boolean;
  readonly allowTraversal: boolean;
  readonly concurrency: number;
  readonly signal: AbortSignal;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Blobs up to this size are collected in memory and written with one call (no stream objects). */
const SMALL_FILE_BYTES = 1024 * 1024;

/** Writes a stream to `target` atomically (temp file + rename, which replaces a link, never follows it). */
async function writeAtomic(
  parent: string,
  target: string,
  source: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  size: number,
): Promise<void> {
  const tmp = join(parent, `.wharf-${randomBytes(6).toString('hex')}.tmp`);
  try {
    if (size <= SMALL_FILE_BYTES) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of source) chunks.push(chunk);
      await writeFile(tmp, Buffer.concat(chunks), { flag: 'wx', signal });
      await rename(tmp, join(parent, target.slice(dirname(target).length + 1)));
      return;
    }
    // A 1 MiB write buffer: while one write is in flight the next 64 KiB socket chunks queue
    // and go out in one writev (16 KiB default: one write syscall per chunk).
    await pipeline(
      Readable.from(source),
      createWriteStream(tmp, { flags: 'wx', highWaterMark: 1024 * 1024 }),
      { signal },
    );
    await rename(tmp, join(parent, target.slice(dirname(target).length + 1)));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Unpacks an oras directory layer (tar+gzip) under `root`, every entry kept inside `dirPath`. */
async function unpack(
  source: AsyncIterable<Uint8Array>,
  root: string,
  dirPath: string,
  expectedTarDigest: string | undefined,
  options: PullOptions,
): Promise<void> {
  const base = dirname(dirPath);
  const hash = createHash('sha256');
  const ex = tarExtract();
  const done = new Promise<void>((resolvePromise, reject) => {
    ex.on('entry', (header, stream, next) => {
      const handle = async (): Promise<void> => {
        const name = header.name.replace(/\/+$/, '');
        const target = options.allowTraversal ? resolve(base, name) : safeJoin(base, name, false);
        if (!options.allowTraversal && !within(dirPath, target)) {
          throw unsafe(`refusing tar entry ${JSON.stringify(header.name)} outside ${dirPath}`);
        }
        if (header.type === 'directory') {
          stream.resume();
          if (options.allowTraversal) await mkdir(target, { recursive: true });
          else await safeMkdir(root, target);
          return;
        }
        const parent = await safeParent(root, target, options.allowTraversal);
        if (header.type === 'file' || header.type === 'contiguous-file') {
          if (await exists(target)) await rm(target, { force: true, recursive: false });
          await pipeline(
            stream,
            createWriteStream(target, { flags: 'wx', mode: (header.mode ?? 0o644) & 0o777 }),
          );
          return;
        }
        stream.resume();
        if (header.type === 'symlink' || header.type === 'link') {
          const link = header.linkname ?? '';
          const resolved = header.type === 'symlink' ? resolve(parent, link) : resolve(base, link);
          if (!options.allowTraversal && (isAbsolute(link) || !within(dirPath, resolved))) {
            throw unsafe(`refusing link ${JSON.stringify(header.name)} -> ${JSON.stringify(link)}`);
          }
          if (await exists(target)) await rm(target, { force: true });
          await symlink(header.type === 'symlink' ? link : relative(parent, resolved), target);
          return;
        }
        throw unsafe(
          `refusing tar entry ${JSON.stringify(header.name)} of type ${header.type ?? '?'}`,
        );
      };
      handle().then(
        () => next(),
        (err: unknown) => next(err as Error),
      );
    });
    ex.on('finish', resolvePromise);
    ex.on('error', reject);
  });
  if (options.allowTraversal) await mkdir(dirPath, { recursive: true });
  else await safeMkdir(root, dirPath);
  await Promise.all([
    pipeline(
      Readable.from(source),
      createGunzip(),
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      }),
      ex as unknown as NodeJS.WritableStream,
      { signal: options.signal },
    ),
    done,
  ]);
  const got = `sha256:${hash.digest('hex')}`;
  if (expectedTarDigest !== undefined && expectedTarDigest !== got) {
    throw new WharfError(
      'DIGEST_MISMATCH',
      `unpacked content of ${dirPath} has digest ${got}, expected ${expectedTarDigest}`,
    );
  }
}

/**
 * Layers (and configs) with a title, found by walking the manifest graph from `root`; with
 * `includeSubject` the subject chain is walked too (oras pull --include-subject).
 */
export async function titledNodes(
  store: ReadTarget,
  root: Descriptor,
  progress: Progress,
  signal: AbortSignal,
  includeSubject = false,
): Promise<{ titled: Descriptor[]; skipped: Descriptor[]; manifests: Descriptor[] }> {
  const titled: Descriptor[] = [];
  const skipped: Descriptor[] = [];
  const manifests: Descriptor[] = [];
  const seen = new Set<string>();
  const visit = async (desc: Descriptor): Promise<void> => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    progress.start(desc);
    const bytes = await fetchAll(store, desc, { signal });
    progress.done(desc, 'processing');
    manifests.push(desc);
    const doc = parseManifest(bytes, { mediaType: desc.mediaType });
    const subject = doc.kind === 'manifest' ? doc.manifest.subject : doc.index.subject;
    for (const child of manifestSuccessors(doc)) {
      if (subject && child.digest === subject.digest) {
        if (includeSubject) await visit(child);
        continue;
      }
      if (isManifestMediaType(child.mediaType)) await visit(child);
      else if (child.annotations?.[ANNOTATION_TITLE] !== undefined) titled.push(child);
      else skipped.push(child);
    }
  };
  await visit(root);
  return { titled, skipped, manifests };
}

/** Downloads titled layers into `outDir`, safely. */
export async function pullFiles(
  store: ReadTarget,
  layers: readonly Descriptor[],
  progress: Progress,
  options: PullOptions,
): Promise<PulledFile[]> {
  const root = resolve(options.outDir);
  await mkdir(root, { recursive: true });
  const titles = new Map<string, string>();
  const plan = layers.map((desc) => {
    const title = desc.annotations?.[ANNOTATION_TITLE] ?? '';
    const target = safeJoin(root, title, options.allowTraversal);
    const prev = titles.get(target);
    if (prev !== undefined && prev !== desc.digest) {
      throw unsafe(`two layers have the title ${JSON.stringify(title)}`);
    }
    titles.set(target, desc.digest);
    return { desc, target, title };
  });
  const seen = new Set<string>();
  const unique = plan.filter((p) => (seen.has(p.target) ? false : (seen.add(p.target), true)));
  const rootReal = realpath(root);
  rootReal.catch(() => undefined); // awaited per file; no file, no unhandled rejection
  return mapLimit(unique, options.concurrency, async ({ desc, target }) => {
    const unpackDir = desc.annotations?.[ANNOTATION_ORAS_CONTENT_UNPACK] === 'true';
    if (options.keepOld && (await exists(target))) {
      throw new WharfError('ALREADY_EXISTS', `${target} already exists (--keep-old-files)`);
    }
    progress.start(desc);
    const source = countBytes(await store.fetch(desc, { signal: options.signal }), (n) =>
      progress.bytes(desc, n),
    );
    try {
      if (unpackDir) {
        await safeParent(root, target, options.allowTraversal);
        await unpack(
          source,
          root,
          target,
          desc.annotations?.[ANNOTATION_ORAS_CONTENT_DIGEST],
          options,
        );
      } else {
        const parent = await safeParent(root, target, options.allowTraversal, rootReal);
        await writeAtomic(parent, target, source, options.signal, desc.size);
      }
    } catch (err) {
      progress.fail(desc);
      throw err;
    }
    progress.done(desc);
    return { path: unpackDir ? `${target}/` : target, descriptor: desc };
  });
}
