import {
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join, resolve as resolvePath, sep } from 'node:path';
import {
  ContentError,
  isManifestMediaType,
  parseSupportedDigest,
  verifyBytes,
  verifyContent,
  type Descriptor,
} from '@wharf/core';
import { throwIfAborted } from '../internal/abort.js';
import { concatChunks } from '../internal/bytes.js';
import { validateTag } from '../internal/reference.js';
import { isVerifiedFor } from '../internal/verified.js';
import { DEFAULT_MAX_METADATA_BYTES, validateDescriptor } from '../fetch.js';
import type {
  Deleter,
  GraphTarget,
  PushContent,
  ReferencePusher,
  SignalOptions,
  Untagger,
} from '../types.js';
import {
  applyIndexOps,
  BLOBS_DIR,
  emptyIndex,
  INDEX_FILE,
  INGEST_DIR,
  LOCK_FILE,
  OCI_LAYOUT_BYTES,
  OCI_LAYOUT_FILE,
  parseIndex,
  parseOciLayout,
  refName,
  serializeIndex,
  type IndexModel,
  type IndexOp,
} from './format.js';
import {
  errCode,
  ioError,
  writeFully,
  readFileRange,
  tempName,
  writeFileAtomic,
  writeStream,
} from './io.js';
import { withLock } from './lock.js';
import { LayoutReader, type LayoutSource } from './reader.js';
import { OciLayoutTarStore } from './tar.js';

/** Options of {@link OciLayoutStore.open}. */
export interface OciLayoutStoreOptions {
  /** Create the directory, `oci-layout` and `index.json` when missing. Default true (false when readOnly). */
  readonly create?: boolean;
  /** Refuse every write (and never touch the directory). Default false. */
  readonly readOnly?: boolean;
  /** fsync blobs and index.json before renaming them into place. Default true. */
  readonly fsync?: boolean;
  /** Cap for manifests read into memory. Default 4 MiB. */
  readonly maxMetadataBytes?: number;
  /** Lock wait timeout for index.json updates. Default 60 s. */
  readonly lockTimeoutMs?: number;
  /** Age after which a lock file is considered abandoned. Default 30 s. */
  readonly staleLockMs?: number;
}

interface IndexStamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

interface PendingOp {
  readonly op: IndexOp;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

class DirSource implements LayoutSource {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  blobPath(algorithm: string, encoded: string): string {
    const p = join(this.root, BLOBS_DIR, algorithm, encoded);
    if (!p.startsWith(this.root + sep)) {
      throw new ContentError(
        'INVALID_DIGEST',
        `digest escapes the layout: ${algorithm}:${encoded}`,
      );
    }
    return p;
  }

  async blobSize(algorithm: string, encoded: string): Promise<number | undefined> {
    try {
      const st = await stat(this.blobPath(algorithm, encoded));
      return st.isFile() ? st.size : undefined;
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return undefined;
      throw ioError(err, `${algorithm}:${encoded}`);
    }
  }

  blobStream(
    algorithm: string,
    encoded: string,
    size: number,
    signal?: AbortSignal,
  ): AsyncIterable<Uint8Array> {
    return readFileRange(this.blobPath(algorithm, encoded), 0, size, signal);
  }
}

/**
 * An OCI image layout on a directory, interoperable with oras (`--oci-layout`), skopeo (`oci:`) and
 * umoci.
 *
 * - Blobs are streamed to `ingest/`, verified (size and digest) while written, fsync'd and renamed
 *   into `blobs/<alg>/<hex>`: a failed or aborted push leaves nothing behind.
 * - Every read is verified against the descriptor's digest and size.
 * - `index.json` changes are applied as deltas to the current on-disk file under an in-process
 *   mutex and an O_EXCL lock file (`index.json.lock`, with stale-lock detection), then written
 *   atomically, so concurrent writers (threads or processes) never lose tags. Concurrent updates of
 *   one store are batched into one write.
 * - Tags are index entries with `org.opencontainers.image.ref.name`; every pushed manifest without
 *   a tag is listed once without it (oras-go `oci.Store` semantics).
 *
 * @example
 * const store = await OciLayoutStore.open('./layout');
 * const desc = await pushBytes(store, MEDIA_TYPE_OCI_MANIFEST, manifestBytes);
 * await store.tag(desc, 'v1');
 */
export class OciLayoutStore
  extends LayoutReader
  implements GraphTarget, Deleter, Untagger, ReferencePusher
{
  readonly root: string;
  readonly readOnly: boolean;
  readonly #dir: DirSource;
  readonly #fsync: boolean;
  readonly #lockOptions: { timeoutMs?: number; staleMs?: number };
  #stamp: IndexStamp | undefined;
  #pending: PendingOp[] = [];
  #flushing: Promise<void> | undefined;
  readonly #madeDirs = new Set<string>();

  private constructor(
    root: string,
    dir: DirSource,
    index: IndexModel,
    stamp: IndexStamp | undefined,
    options: OciLayoutStoreOptions,
  ) {
    super(dir, index, options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES);
    this.root = root;
    this.#dir = dir;
    this.#stamp = stamp;
    this.readOnly = options.readOnly ?? false;
    this.#fsync = options.fsync ?? true;
    this.#lockOptions = {
      ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
      ...(options.staleLockMs !== undefined ? { staleMs: options.staleLockMs } : {}),
    };
  }

  /**
   * Opens (and by default creates) a layout directory.
   *
   * @throws ContentError `INVALID_LAYOUT` (missing or malformed `oci-layout` / `index.json`), `IO_ERROR`
   */
  static async open(path: string, options: OciLayoutStoreOptions = {}): Promise<OciLayoutStore> {
    const root = resolvePath(path);
    const readOnly = options.readOnly ?? false;
    const create = !readOnly && (options.create ?? true);
    const fsync = options.fsync ?? true;
    const read = async (name: string): Promise<Uint8Array | undefined> => {
      try {
        return await readFile(join(root, name));
      } catch (err) {
        if (errCode(err) === 'ENOENT') return undefined;
        throw ioError(err, join(root, name));
      }
    };
    let st;
    try {
      st = await stat(root);
    } catch (err) {
      if (errCode(err) !== 'ENOENT' || !create) {
        throw new ContentError('INVALID_LAYOUT', `${root}: not an OCI layout (no such directory)`, {
          cause: err,
        });
      }
      await mkdir(root, { recursive: true }).catch((e: unknown) => {
        throw ioError(e, root);
      });
    }
    if (st && !st.isDirectory())
      throw new ContentError('INVALID_LAYOUT', `${root}: not a directory`);

    let layout = await read(OCI_LAYOUT_FILE);
    let indexBytes = await read(INDEX_FILE);
    if (layout === undefined) {
      if (!create || indexBytes !== undefined) {
        throw new ContentError('INVALID_LAYOUT', `${root}: missing ${OCI_LAYOUT_FILE} file`);
      }
      await writeFileAtomic(join(root, OCI_LAYOUT_FILE), OCI_LAYOUT_BYTES, fsync);
      layout = OCI_LAYOUT_BYTES;
    }
    parseOciLayout(layout);
    if (indexBytes === undefined) {
      if (!create) throw new ContentError('INVALID_LAYOUT', `${root}: missing ${INDEX_FILE}`);
      const fresh = serializeIndex(emptyIndex());
      // O_EXCL so two creators do not clobber each other.
      try {
        const fh = await open(join(root, INDEX_FILE), 'wx', 0o644);
        try {
          await fh.writeFile(fresh);
          if (fsync) await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw ioError(err, join(root, INDEX_FILE));
      }
      indexBytes = (await read(INDEX_FILE)) ?? fresh;
    }
    const index = parseIndex(indexBytes);
    const stamp = await stampOf(join(root, INDEX_FILE));
    return new OciLayoutStore(root, new DirSource(root), index, stamp, { ...options, readOnly });
  }

  /** Opens a layout from a `.tar` archive, read-only, streaming blobs from the file. */
  static async openTar(
    path: string,
    options: { readonly maxMetadataBytes?: number } = {},
  ): Promise<OciLayoutTarStore> {
    return OciLayoutTarStore.open(path, options);
  }

  protected override async refreshIndex(): Promise<void> {
    const path = join(this.root, INDEX_FILE);
    const stamp = await stampOf(path);
    if (stamp && this.#stamp && sameStamp(stamp, this.#stamp)) return;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw ioError(err, path);
    }
    this.index = parseIndex(bytes);
    this.#stamp = stamp;
  }

  #assertWritable(): void {
    if (this.readOnly)
      throw new ContentError('UNSUPPORTED', `${this.root}: layout opened read-only`);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#madeDirs.has(dir)) return;
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(err, dir);
    }
    this.#madeDirs.add(dir);
  }

  /**
   * Pushes a blob or manifest. Manifests are also listed in `index.json` (untagged) and indexed in
   * the predecessor graph.
   *
   * @throws ContentError `ALREADY_EXISTS`, `DIGEST_MISMATCH`, `SIZE_MISMATCH`, `ABORTED`, `IO_ERROR`
   */
  async push(desc: Descriptor, content: PushContent, options: SignalOptions = {}): Promise<void> {
    await this.#pushBlob(desc, content, options, true);
    if (isManifestMediaType(desc.mediaType)) await this.#updateIndex({ kind: 'add', desc });
  }

  /**
   * Pushes a manifest and tags it with one index update. Content already present is just tagged.
   * @throws ContentError `INVALID_REFERENCE`, `DIGEST_MISMATCH`, `SIZE_MISMATCH`, `ABORTED`, `IO_ERROR`
   */
  async pushReference(
    desc: Descriptor,
    content: PushContent,
    reference: string,
    options: SignalOptions = {},
  ): Promise<void> {
    this.#assertWritable();
    validateTag(reference);
    await this.#pushBlob(desc, content, options, false);
    await this.#updateIndex({ kind: 'tag', desc, ref: reference });
  }

  async #pushBlob(
    desc: Descriptor,
    content: PushContent,
    options: SignalOptions,
    failIfExists: boolean,
  ): Promise<void> {
    this.#assertWritable();
    validateDescriptor(desc);
    const { signal } = options;
    throwIfAborted(signal);
    const { algorithm, encoded } = parseSupportedDigest(desc.digest);
    const target = this.#dir.blobPath(algorithm, encoded);
    if ((await this.#dir.blobSize(algorithm, encoded)) === desc.size) {
      if (!failIfExists) return;
      throw new ContentError('ALREADY_EXISTS', `${desc.digest}: already exists`, {
        detail: { digest: desc.digest },
      });
    }
    const isManifest = isManifestMediaType(desc.mediaType);
    const keep: Uint8Array[] | undefined =
      isManifest && desc.size <= this.maxMetadataBytes && !(content instanceof Uint8Array)
        ? []
        : undefined;

    const ingest = join(this.root, INGEST_DIR);
    await this.#ensureDir(ingest);
    const tmp = join(ingest, tempName(encoded.slice(0, 16)));
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, 'wx', 0o644);
      if (content instanceof Uint8Array) {
        // Hash on this thread while the write runs on the libuv pool; the rename waits for both.
        const written = writeFully(fh, content, 0);
        try {
          verifyBytes(content, desc);
        } catch (err) {
          await written.catch(() => undefined);
          throw err;
        }
        await written;
      } else {
        // A self-verifying stream for this digest (from a Wharf store) is not hashed twice.
        const verified = isVerifiedFor(content, desc)
          ? content
          : verifyContent(content, desc, signal);
        await writeStream(fh, keep ? tee(verified, keep) : verified, signal);
      }
      throwIfAborted(signal);
      if (this.#fsync) await fh.sync();
      await fh.close();
      fh = undefined;
      await this.#ensureDir(join(this.root, BLOBS_DIR, algorithm));
      throwIfAborted(signal);
      await rename(tmp, target);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw ioError(err, desc.digest);
    }
    if (isManifest) {
      const bytes =
        content instanceof Uint8Array ? content : keep ? concatChunks(keep, desc.size) : undefined;
      if (bytes) this.graph.indexBytes(desc, bytes);
    }
  }

  /**
   * Tags a manifest present in the layout (replacing the tag's previous target).
   * @throws ContentError `INVALID_REFERENCE`, `NOT_FOUND`
   */
  async tag(desc: Descriptor, reference: string, options: SignalOptions = {}): Promise<void> {
    this.#assertWritable();
    validateDescriptor(desc);
    validateTag(reference);
    throwIfAborted(options.signal);
    if (!(await this.exists(desc))) {
      throw new ContentError('NOT_FOUND', `${desc.digest}: not found`, {
        detail: { digest: desc.digest },
      });
    }
    await this.#updateIndex({ kind: 'tag', desc, ref: reference });
  }

  /** Removes a tag; the manifest stays listed untagged. */
  async untag(reference: string): Promise<void> {
    this.#assertWritable();
    await this.refreshIndex();
    if (!this.index.manifests.some((d) => refName(d) === reference)) {
      throw new ContentError('NOT_FOUND', `${reference}: not found`, { detail: { reference } });
    }
    await this.#updateIndex({ kind: 'untag', ref: reference });
  }

  /** Deletes a blob; for manifests also every index entry (tags included). No garbage collection. */
  async delete(desc: Descriptor): Promise<void> {
    this.#assertWritable();
    const { algorithm, encoded } = parseSupportedDigest(desc.digest);
    await this.refreshIndex();
    const listed = this.index.manifests.some((d) => d.digest === desc.digest);
    if (listed) await this.#updateIndex({ kind: 'delete', digest: desc.digest });
    try {
      await unlink(this.#dir.blobPath(algorithm, encoded));
    } catch (err) {
      if (errCode(err) === 'ENOENT' && listed) return;
      throw ioError(err, desc.digest);
    }
    this.graph.remove(desc.digest);
  }

  /** Lists `ingest/` leftovers (e.g. from a killed process); `clean` removes those older than `olderThanMs`. */
  async ingestFiles(
    options: { readonly clean?: boolean; readonly olderThanMs?: number } = {},
  ): Promise<string[]> {
    const dir = join(this.root, INGEST_DIR);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return [];
      throw ioError(err, dir);
    }
    if (options.clean) {
      this.#assertWritable();
      const cutoff = Date.now() - (options.olderThanMs ?? 60 * 60 * 1000);
      const kept: string[] = [];
      for (const n of names) {
        const st = await stat(join(dir, n)).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) await unlink(join(dir, n)).catch(() => undefined);
        else kept.push(n);
      }
      return kept;
    }
    return names;
  }

  /** Lists every blob file present (digest and size), sorted by path. */
  async blobs(): Promise<Array<{ digest: string; size: number }>> {
    const out: Array<{ digest: string; size: number }> = [];
    const base = join(this.root, BLOBS_DIR);
    let algs: string[];
    try {
      algs = (await readdir(base)).sort();
    } catch (err) {
      if (errCode(err) === 'ENOENT') return out;
      throw ioError(err, base);
    }
    for (const alg of algs) {
      let names: string[];
      try {
        names = (await readdir(join(base, alg))).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        const digest = `${alg}:${name}`;
        try {
          parseSupportedDigest(digest);
        } catch {
          continue; // unknown extra files are tolerated
        }
        const st = await stat(join(base, alg, name)).catch(() => undefined);
        if (st?.isFile()) out.push({ digest, size: st.size });
      }
    }
    return out;
  }

  /** Applies an index change, batched with concurrent ones into one locked read-modify-write. */
  #updateIndex(op: IndexOp): Promise<void> {
    // Fast path: the manifest is already listed.
    if (op.kind === 'add' && this.index.manifests.some((d) => d.digest === op.desc.digest)) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ op, resolve, reject });
      this.#flushing ??= this.#flushLoop().finally(() => {
        this.#flushing = undefined;
      });
    });
  }

  async #flushLoop(): Promise<void> {
    // Let callers of the same tick join the batch.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await withLock(
          join(this.root, LOCK_FILE),
          () => this.#applyLocked(batch.map((p) => p.op)),
          this.#lockOptions,
        );
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  async #applyLocked(ops: readonly IndexOp[]): Promise<void> {
    const path = join(this.root, INDEX_FILE);
    // Always re-read under the lock: another process may have written since our last look.
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw ioError(err, path);
    }
    const current = parseIndex(bytes);
    const next = applyIndexOps(current.manifests, ops);
    if (!next) {
      this.index = current;
      this.#stamp = await stampOf(path);
      return;
    }
    const model: IndexModel = { extra: current.extra, manifests: next };
    await writeFileAtomic(path, serializeIndex(model), this.#fsync);
    this.index = model;
    this.#stamp = await stampOf(path);
  }

  /** Waits for pending index writes. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }
}

async function* tee(
  source: AsyncIterable<Uint8Array>,
  keep: Uint8Array[],
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    keep.push(chunk);
    yield chunk;
  }
}

async function stampOf(path: string): Promise<IndexStamp | undefined> {
  try {
    const st = await stat(path);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function sameStamp(a: IndexStamp, b: IndexStamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
