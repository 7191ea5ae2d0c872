import {
  ContentError,
  MEDIA_TYPE_OCI_INDEX,
  digestBytes,
  isWharfError,
  referrersTagFor,
  type Descriptor,
} from '@wharf/core';
import { repositoryScope } from './auth/scope.js';
import { RegistryClientError, registryErrorFromResponse, redactUrl } from './errors.js';
import { sleep } from './internal/abort.js';
import { readBodyCapped, discardBody } from './internal/body.js';
import type { RepoContext } from './internal/context.js';
import { nextLink } from './internal/link.js';
import { fetchManifestByReference, pushManifest } from './manifests.js';

/** How referrers are found and maintained (`--distribution-spec v1.1-referrers-api|tag`). */
export type ReferrersMode = 'api' | 'tag' | 'auto';

/** Whether a repository's registry has the referrers API, learnt once per repository. */
export type ReferrersSupport = 'unknown' | 'supported' | 'unsupported';

/** Per-repository referrers state: the detected support and the in-process update locks. */
export class ReferrersState {
  readonly mode: ReferrersMode;
  #support: ReferrersSupport;
  readonly #locks = new Map<string, Promise<void>>();
  /** Per tag: the batch of changes waiting for the lock (not started yet). */
  readonly #waiting = new Map<string, TagBatch>();
  /** Per tag and digest: the newest change this process made (older ones are superseded). */
  readonly #newest = new Map<string, TagIndexChange>();

  constructor(mode: ReferrersMode) {
    this.mode = mode;
    this.#support = mode === 'api' ? 'supported' : mode === 'tag' ? 'unsupported' : 'unknown';
  }

  get support(): ReferrersSupport {
    return this.#support;
  }

  /** Records the detected support; only the first detection counts (unknown → known). */
  detect(support: 'supported' | 'unsupported'): void {
    if (this.#support === 'unknown') this.#support = support;
  }

  /** Runs `fn` after any earlier update of the same tag in this process finished. */
  async withLock<T>(tag: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(tag) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => current);
    this.#locks.set(tag, chained);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(tag) === chained) this.#locks.delete(tag);
    }
  }

  /**
   * Queues `change` for the next read-modify-write of `tag`: it joins the batch already waiting
   * for the lock (unless that batch changes the same digest), else starts one. `write` runs
   * once per batch, under the lock, with all of its changes in arrival order.
   */
  enqueue(
    tag: string,
    change: TagIndexChange,
    write: (changes: readonly TagIndexChange[]) => Promise<boolean>,
  ): TagBatch {
    this.#newest.set(`${tag} ${changeDigest(change)}`, change);
    const waiting = this.#waiting.get(tag);
    if (waiting && !waiting.changes.some((c) => changeDigest(c) === changeDigest(change))) {
      waiting.changes.push(change);
      return waiting;
    }
    const batch: TagBatch = { changes: [change], written: Promise.resolve(false) };
    this.#waiting.set(tag, batch);
    batch.written = this.withLock(tag, () => {
      if (this.#waiting.get(tag) === batch) this.#waiting.delete(tag);
      return write(batch.changes);
    });
    return batch;
  }

  /** False once a later change of the same digest in this process replaced `change`. */
  isNewest(tag: string, change: TagIndexChange): boolean {
    return this.#newest.get(`${tag} ${changeDigest(change)}`) === change;
  }

  /** Forgets `change` when it is still the newest of its digest (it is settled). */
  settle(tag: string, change: TagIndexChange): void {
    const key = `${tag} ${changeDigest(change)}`;
    if (this.#newest.get(key) === change) this.#newest.delete(key);
  }
}

/** Changes written to a tag index in one read-modify-write. */
interface TagBatch {
  readonly changes: TagIndexChange[];
  /** Settles when the batch's PUT is done: true, or false when nothing needed writing. */
  written: Promise<boolean>;
  /** The shared verification read, after the delay (made by the first waiter). */
  verified?: Promise<readonly Descriptor[]>;
}

function changeDigest(change: TagIndexChange): string {
  return 'add' in change ? change.add.digest : change.remove;
}

/** Options of {@link listReferrers}. */
export interface ListReferrersOptions {
  readonly artifactType?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Page cap for the referrers API; default 1,000. */
  readonly maxPages?: number | undefined;
}

/**
 * Lists the referrers of `subject`: through the referrers API when the registry has it, else
 * from the `sha256-<hex>` tag index. Filters by `artifactType` on the client unless the server
 * says it did (`OCI-Filters-Applied`).
 */
export async function listReferrers(
  ctx: RepoContext,
  state: ReferrersState,
  subject: Descriptor,
  options: ListReferrersOptions = {},
): Promise<Descriptor[]> {
  if (state.support !== 'unsupported') {
    const viaApi = await listViaApi(ctx, state, subject, options);
    if (viaApi !== undefined) return viaApi;
  }
  const { entries } = await readTagIndex(ctx, subject, options.signal);
  return filterByType(entries, options.artifactType);
}

function filterByType(
  entries: readonly Descriptor[],
  artifactType: string | undefined,
): Descriptor[] {
  return artifactType === undefined
    ? [...entries]
    : entries.filter((d) => d.artifactType === artifactType);
}

async function listViaApi(
  ctx: RepoContext,
  state: ReferrersState,
  subject: Descriptor,
  options: ListReferrersOptions,
): Promise<Descriptor[] | undefined> {
  const first = ctx.url(`referrers/${subject.digest}`);
  if (options.artifactType !== undefined)
    first.searchParams.set('artifactType', options.artifactType);
  const out: Descriptor[] = [];
  let filtered = true;
  let url: URL | undefined = first;
  const maxPages = options.maxPages ?? 1000;
  for (let page = 0; url; page++) {
    if (page >= maxPages)
      throw new RegistryClientError(
        'PAGINATION_INVALID',
        `referrers of ${subject.digest}: more than ${maxPages} pages`,
      );
    const { response, url: finalUrl } = await ctx.send(
      { method: 'GET', url, headers: { accept: MEDIA_TYPE_OCI_INDEX }, signal: options.signal },
      [repositoryScope(ctx.name, 'pull')],
    );
    const where = `GET ${redactUrl(finalUrl)}`;
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim();
    if (page === 0 && state.mode !== 'api') {
      if (response.status === 404) {
        const err = await registryErrorFromResponse('GET', finalUrl.href, response);
        if (err.errors.some((e) => e.code === 'NAME_UNKNOWN')) {
          throw new ContentError('NOT_FOUND', `${ctx.registry}/${ctx.name}: repository not found`, {
            cause: err,
          });
        }
        state.detect('unsupported');
        return undefined;
      }
      if (response.status === 200 && contentType !== MEDIA_TYPE_OCI_INDEX) {
        await discardBody(response);
        state.detect('unsupported');
        return undefined;
      }
    }
    if (response.status !== 200)
      throw await registryErrorFromResponse('GET', finalUrl.href, response);
    if (contentType !== MEDIA_TYPE_OCI_INDEX) {
      await discardBody(response);
      throw new RegistryClientError(
        'PROTOCOL_ERROR',
        `${where}: referrers answered with Content-Type ${JSON.stringify(contentType)}`,
      );
    }
    state.detect('supported');
    const applied = (response.headers.get('oci-filters-applied') ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!applied.includes('artifactType')) filtered = false;
    const bytes = await readBodyCapped(
      response,
      ctx.maxMetadataBytes,
      () =>
        new ContentError(
          'SIZE_LIMIT_EXCEEDED',
          `${where}: referrers page exceeds ${ctx.maxMetadataBytes} bytes`,
        ),
    );
    out.push(...parseReferrersIndex(bytes, where));
    url = nextLink(response.headers.get('link'), url);
  }
  return filtered ? out : filterByType(out, options.artifactType);
}

/**
 * Validates a referrers index body and returns its entries. Each entry needs `mediaType`,
 * `digest` and `size`.
 * @throws RegistryClientError `PROTOCOL_ERROR`
 */
export function parseReferrersIndex(bytes: Uint8Array, where: string): Descriptor[] {
  const entries = indexEntries(bytes);
  if (entries === undefined)
    throw new RegistryClientError('PROTOCOL_ERROR', `${where}: not a valid referrers index`);
  return entries;
}

function indexEntries(bytes: Uint8Array): Descriptor[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const doc = value as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
  if (doc.mediaType !== undefined && doc.mediaType !== MEDIA_TYPE_OCI_INDEX) return undefined;
  if (!Array.isArray(doc.manifests)) return undefined;
  const out: Descriptor[] = [];
  for (const m of doc.manifests as unknown[]) {
    if (typeof m !== 'object' || m === null) return undefined;
    const d = m as Record<string, unknown>;
    if (
      typeof d['mediaType'] !== 'string' ||
      typeof d['digest'] !== 'string' ||
      typeof d['size'] !== 'number'
    )
      return undefined;
    out.push(d as unknown as Descriptor);
  }
  return out;
}

/** The tag index as read: entries (validated) and the ETag for a conditional update. */
interface TagIndex {
  readonly entries: Descriptor[];
  readonly etag: string | undefined;
  /** False when the tag does not exist. */
  readonly exists: boolean;
}

/**
 * Reads the `sha256-<hex>` tag index of `subject`. A missing tag means no referrers. The result
 * must be an OCI index whose entries all carry `artifactType` and which is not the subject
 * itself (registries such as GitLab resolve `sha256-<hex>` as the digest: oras#2148); anything
 * else is reported as no referrers, with a warning.
 */
export async function readTagIndex(
  ctx: RepoContext,
  subject: Descriptor,
  signal?: AbortSignal,
): Promise<TagIndex> {
  const tag = referrersTagFor(subject.digest);
  let fetched;
  try {
    fetched = await fetchManifestByReference(ctx, tag, signal, [MEDIA_TYPE_OCI_INDEX]);
  } catch (err) {
    if (isWharfError(err, 'NOT_FOUND')) return { entries: [], etag: undefined, exists: false };
    throw err;
  }
  const reason = tagIndexProblem(fetched.bytes, fetched.descriptor, subject);
  if (reason !== undefined) {
    ctx.logger.warn({ repository: ctx.name, tag, reason }, 'ignoring invalid referrers tag index');
    return { entries: [], etag: fetched.etag, exists: true };
  }
  return { entries: indexEntries(fetched.bytes) ?? [], etag: fetched.etag, exists: true };
}

function tagIndexProblem(
  bytes: Uint8Array,
  desc: Descriptor,
  subject: Descriptor,
): string | undefined {
  if (desc.digest === subject.digest || digestBytes(bytes) === subject.digest) {
    return 'the registry returned the subject itself for the referrers tag';
  }
  if (desc.mediaType !== MEDIA_TYPE_OCI_INDEX)
    return `tag holds ${desc.mediaType}, not an OCI index`;
  const entries = indexEntries(bytes);
  if (entries === undefined) return 'tag holds a malformed index';
  if (entries.some((e) => typeof e.artifactType !== 'string'))
    return 'index entries lack artifactType: not a referrers index';
  return undefined;
}

/** A change to the tag index: add a referrer, or remove one by digest. */
export type TagIndexChange = { readonly add: Descriptor } | { readonly remove: string };

/** Whether `entries` already reflect `change`. */
function applies(entries: readonly Descriptor[], change: TagIndexChange): boolean {
  return 'add' in change
    ? entries.some((e) => e.digest === change.add.digest)
    : !entries.some((e) => e.digest === change.remove);
}

/**
 * Read-modify-write of the tag index. Uses `If-Match` when the registry sent an ETag; either
 * way it re-reads after a short random delay to catch a concurrent writer that overwrote the
 * change (registries that ignore `If-Match`, as distribution does), and re-applies it, up to
 * `attempts` times.
 *
 * Cost and guarantee: the in-process lock covers only read → PUT, and changes queued for the
 * same tag meanwhile go in one PUT (a `copy -r` pushing three referrers of one image at once
 * writes the index twice, not three times). The wait and the verifying read happen outside
 * the lock, so the waits of consecutive batches overlap instead of adding up (before: one full
 * delay per referrer, serialized). The guarantee is unchanged: each change is verified by a
 * read made at least the delay after the PUT that carried it, and a lost one is written again.
 * In-process writers cannot lose each other's changes (each reads after the previous PUT), and
 * a change superseded by a later one of the same digest (add, then remove) is not re-applied.
 *
 * @throws RegistryClientError `REFERRERS_CONFLICT` when the change keeps getting lost
 */
export async function updateTagIndex(
  ctx: RepoContext,
  state: ReferrersState,
  subject: Descriptor,
  change: TagIndexChange,
  options: {
    signal?: AbortSignal | undefined;
    attempts?: number;
    verifyDelayMs?: number;
    /** Called once, when the first PUT carrying `change` landed (before the verification). */
    onWritten?: () => void;
  } = {},
): Promise<void> {
  const tag = referrersTagFor(subject.digest);
  const attempts = options.attempts ?? 5;
  const delay = options.verifyDelayMs ?? 150;
  let onWritten = options.onWritten;
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const batch = state.enqueue(tag, change, (changes) =>
        writeTagIndex(ctx, subject, tag, changes, attempts, options.signal),
      );
      // Nothing written: every change was already in the index (another writer verifies it).
      if (!(await batch.written)) return;
      onWritten?.();
      onWritten = undefined;
      // Give a concurrent writer that read before our PUT time to land, then check.
      batch.verified ??= (async () => {
        await sleep(Math.round(delay * (0.5 + Math.random())), options.signal);
        return (await readTagIndex(ctx, subject, options.signal)).entries;
      })();
      const after = await batch.verified;
      if (applies(after, change) || !state.isNewest(tag, change)) return;
      ctx.logger.debug(
        { repository: ctx.name, tag, attempt },
        'referrers tag index update lost; retrying',
      );
    }
  } finally {
    state.settle(tag, change);
  }
  throw new RegistryClientError(
    'REFERRERS_CONFLICT',
    `${ctx.registry}/${ctx.name}:${tag}: concurrent updates kept overwriting the referrers index`,
  );
}

/**
 * One read-modify-write of the tag index with `changes`, retried on `412` (If-Match failed);
 * false when every change was already there (nothing written).
 */
async function writeTagIndex(
  ctx: RepoContext,
  subject: Descriptor,
  tag: string,
  changes: readonly TagIndexChange[],
  attempts: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await readTagIndex(ctx, subject, signal);
    let entries = current.entries;
    for (const change of changes) {
      if (applies(entries, change)) continue;
      entries =
        'add' in change
          ? [...entries, change.add]
          : entries.filter((e) => e.digest !== change.remove);
    }
    if (entries === current.entries) return false;
    const bytes = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: entries }),
    );
    const desc: Descriptor = {
      mediaType: MEDIA_TYPE_OCI_INDEX,
      digest: digestBytes(bytes),
      size: bytes.byteLength,
    };
    try {
      await pushManifest(ctx, desc, bytes, tag, { signal, ifMatch: current.etag });
      return true;
    } catch (err) {
      if (isWharfError(err) && 'status' in err && err.status === 412) continue;
      throw err;
    }
  }
  throw new RegistryClientError(
    'REFERRERS_CONFLICT',
    `${ctx.registry}/${ctx.name}:${tag}: concurrent updates kept overwriting the referrers index`,
  );
}
