import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  MEDIA_TYPE_OCI_INDEX,
  createDigester,
  isValidRepositoryName,
  isValidTag,
  manifestArtifactType,
  manifestSubject,
  manifestSuccessors,
  parseManifest,
  isNonDistributableMediaType,
  isSupportedAlgorithm,
  isWharfError,
  tryParseDigest,
  type DigestAlgorithm,
  type Logger,
} from '@wharf/core';
import { Hono, type Context } from 'hono';
import { pino } from 'pino';
import {
  allowAll,
  anonymousAuthenticator,
  authenticatedAuthorizer,
  HtpasswdAuthenticator,
  type Authenticator,
  type Authorizer,
  type Principal,
  type Scope,
} from './auth.js';
import { parseDuration, type RegistryConfig } from './config.js';
import { RegistryError } from './errors.js';
import { runGc as runGcImpl, type GcOptions, type GcResult } from './gc.js';
import { parseContentRange, parseRangeHeader } from './http/range.js';
import { sendFileRange } from './http/send-file.js';
import { ByteLru } from './internal/lru.js';
import { BlobStore } from './storage/blob-store.js';
import type { MetadataStore } from './storage/metadata.js';
import { SqliteMetadataStore } from './storage/sqlite-metadata.js';
import { UploadManager } from './uploads.js';

/** Injected collaborators; every one has a default built from the config. */
export interface RegistryDeps {
  /** A pino logger (or anything with the same `child`/level methods). Default: pino to stdout. */
  readonly logger?: pino.Logger;
  /** Metadata store. Default: SQLite at `<dataDir>/metadata.db`. */
  readonly metadata?: MetadataStore;
  readonly authenticator?: Authenticator;
  readonly authorizer?: Authorizer;
  /** Clock (epoch ms), for tests. */
  readonly now?: () => number;
}

type Env = {
  Bindings: Partial<HttpBindings>;
  Variables: { status: number; principal: string | undefined; reqId: string };
};

/** A running registry: the Hono app plus its storage and maintenance hooks. */
export interface Registry {
  readonly app: Hono<Env>;
  /** `app.fetch`, for in-process requests. */
  readonly fetch: (request: Request, env?: Partial<HttpBindings>) => Response | Promise<Response>;
  readonly config: Readonly<RegistryConfig>;
  readonly logger: pino.Logger;
  /** Runs garbage collection now (see {@link runGcImpl}). */
  runGc(options?: GcOptions): Promise<GcResult>;
  /** Closes the metadata store. In-flight requests must be finished first. */
  close(): Promise<void>;
}

type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; ref: string }
  | { kind: 'manifest'; name: string; ref: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; ref: string };

const ROUTES: readonly [RegExp, (m: RegExpExecArray) => Route][] = [
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] as string })],
  [
    /^(.+)\/blobs\/uploads\/([^/]+)$/,
    (m) => ({ kind: 'upload', name: m[1] as string, id: m[2] as string }),
  ],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1] as string, ref: m[2] as string })],
  [
    /^(.+)\/manifests\/([^/]+)$/,
    (m) => ({ kind: 'manifest', name: m[1] as string, ref: m[2] as string }),
  ],
  [/^(.+)\/tags\/list\/?$/, (m) => ({ kind: 'tags', name: m[1] as string })],
  [
    /^(.+)\/referrers\/([^/]+)$/,
    (m) => ({ kind: 'referrers', name: m[1] as string, ref: m[2] as string }),
  ],
];

function matchRoute(rawPath: string): Route | undefined {
  if (rawPath === '/v2' || rawPath === '/v2/') return { kind: 'base' };
  if (!rawPath.startsWith('/v2/')) return undefined;
  const rest = rawPath.slice(4);
  if (rest === '_catalog' || rest === '_catalog/') return { kind: 'catalog' };
  for (const [re, build] of ROUTES) {
    const m = re.exec(rest);
    if (m) return build(m);
  }
  return undefined;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const JSON_TYPE = 'application/json';

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      'Content-Type': JSON_TYPE,
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    },
  });
}

function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { 'Content-Length': '0', ...headers } });
}

function errorResponse(err: RegistryError): Response {
  const body = err.toBody();
  return new Response(body, {
    status: err.status,
    headers: {
      'Content-Type': JSON_TYPE,
      'Content-Length': String(Buffer.byteLength(body)),
      ...err.headers,
    },
  });
}

/** Parses `n` for tags list / catalog / referrers. */
function parseN(value: string | undefined, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    throw new RegistryError(
      'PAGINATION_NUMBER_INVALID',
      `invalid page size ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return Math.min(Number(value), max);
}

function scopesFor(route: Route, method: string, from: string | undefined): Scope[] {
  switch (route.kind) {
    case 'base':
      return [{ type: 'registry', name: 'base' }];
    case 'catalog':
      return [{ type: 'registry', name: 'catalog' }];
    case 'uploads': {
      const s: Scope[] = [{ type: 'repository', name: route.name, actions: ['pull', 'push'] }];
      if (from !== undefined && isValidRepositoryName(from))
        s.push({ type: 'repository', name: from, actions: ['pull'] });
      return s;
    }
    case 'upload':
      return [{ type: 'repository', name: route.name, actions: ['pull', 'push'] }];
    case 'blob':
    case 'manifest':
      if (method === 'DELETE')
        return [{ type: 'repository', name: route.name, actions: ['delete'] }];
      if (method === 'PUT')
        return [{ type: 'repository', name: route.name, actions: ['pull', 'push'] }];
      return [{ type: 'repository', name: route.name, actions: ['pull'] }];
    case 'tags':
    case 'referrers':
      return [{ type: 'repository', name: route.name, actions: ['pull'] }];
  }
}

const ALLOWED: Readonly<Record<Route['kind'], readonly string[]>> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  uploads: ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  tags: ['GET'],
  referrers: ['GET'],
};

/**
 * Builds the registry: storage, metadata, auth and the Hono app serving the whole
 * distribution-spec v1.1 API plus `_catalog`. Await it, then call `fetch` (in-process) or hand
 * `app.fetch` to a server (see `startServer`).
 */
export async function createRegistryApp(
  config: Readonly<RegistryConfig>,
  deps: RegistryDeps = {},
): Promise<Registry> {
  const logger = deps.logger ?? pino({ level: config.log.level });
  const now = deps.now ?? Date.now;
  const blobs = new BlobStore(config.dataDir, { fsync: config.storage.fsync });
  await blobs.init();
  const meta = deps.metadata ?? new SqliteMetadataStore(path.join(config.dataDir, 'metadata.db'));
  const uploads = new UploadManager(meta, blobs, { ttlMs: config.uploads.ttl, now });
  const authenticator =
    deps.authenticator ??
    (config.auth.type === 'basic'
      ? new HtpasswdAuthenticator(config.auth.htpasswd as string, config.auth.realm)
      : anonymousAuthenticator);
  const authorizer =
    deps.authorizer ??
    (config.auth.type === 'basic'
      ? authenticatedAuthorizer({ anonymousPull: config.auth.anonymousPull })
      : allowAll);
  const manifestCache = new ByteLru(64 * 1024 * 1024);
  const reqPrefix = randomBytes(4).toString('hex');
  let reqCounter = 0;

  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const reqId = `${reqPrefix}-${(++reqCounter).toString(36)}`;
    c.set('reqId', reqId);
    await next();
    if (config.log.accessLog) {
      const status = c.get('status') ?? c.res.status;
      const url = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
      logger.info(
        {
          reqId,
          method: c.req.method,
          url: url.length > 512 ? `${url.slice(0, 512)}…` : url,
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          user: c.get('principal'),
          remote: c.env?.incoming?.socket.remoteAddress,
        },
        'request',
      );
    }
  });

  app.onError((err, c) => {
    if (err instanceof RegistryError) return errorResponse(err);
    if (isWharfError(err, 'INVALID_DIGEST')) {
      return errorResponse(new RegistryError('DIGEST_INVALID', err.message));
    }
    logger.error({ reqId: c.get('reqId'), err }, 'internal error');
    return errorResponse(new RegistryError('INTERNAL', 'internal server error'));
  });

  app.notFound(() =>
    errorResponse(new RegistryError('UNSUPPORTED', 'no such endpoint', { status: 404 })),
  );

  // ---- helpers ----------------------------------------------------------------------------

  function rawUrl(c: Context<Env>): { path: string; query: string } {
    const raw = c.env?.incoming?.url;
    const u =
      raw ??
      (() => {
        const url = new URL(c.req.url);
        return url.pathname + url.search;
      })();
    const q = u.indexOf('?');
    return q < 0 ? { path: u, query: '' } : { path: u.slice(0, q), query: u.slice(q + 1) };
  }

  function hasBody(c: Context<Env>): boolean {
    const inc = c.env?.incoming;
    if (inc) {
      const len = inc.headers['content-length'];
      if (len !== undefined) return Number(len) > 0;
      return inc.headers['transfer-encoding'] !== undefined;
    }
    return c.req.raw.body !== null;
  }

  function body(c: Context<Env>): AsyncIterable<Uint8Array> | null {
    if (!hasBody(c)) return null;
    const inc = c.env?.incoming;
    if (inc) return inc;
    const b = c.req.raw.body;
    return b === null ? null : Readable.fromWeb(b as WebReadableStream<Uint8Array>);
  }

  function contentLength(c: Context<Env>): number | undefined {
    const v = c.req.header('content-length');
    if (v === undefined || !/^\d+$/.test(v)) return undefined;
    return Number(v);
  }

  async function readBody(c: Context<Env>, max: number): Promise<Buffer> {
    const src = body(c);
    if (!src) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of src) {
      total += chunk.byteLength;
      if (total > max) {
        throw new RegistryError('SIZE_INVALID', `manifest exceeds ${max} bytes`, { status: 413 });
      }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return Buffer.concat(chunks, total);
  }

  function validName(name: string): string {
    if (!isValidRepositoryName(name)) {
      throw new RegistryError('NAME_INVALID', 'invalid repository name', {
        detail: name.length > 300 ? `${name.slice(0, 300)}…` : name,
      });
    }
    return name;
  }

  function validDigest(ref: string, what = 'digest'): { digest: string; algorithm: string } {
    const d = tryParseDigest(ref);
    if (!d) {
      throw new RegistryError('DIGEST_INVALID', `invalid ${what}`, { detail: ref.slice(0, 200) });
    }
    return { digest: ref, algorithm: d.algorithm };
  }

  async function authorize(
    c: Context<Env>,
    route: Route,
    method: string,
    from: string | undefined,
  ): Promise<void> {
    const result = await authenticator.authenticate({
      authorization: c.req.header('authorization'),
    });
    const scopes = scopesFor(route, method, from);
    const challenge = { 'WWW-Authenticate': authenticator.challenge(scopes) };
    if (result.kind === 'invalid') {
      throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: challenge });
    }
    const principal: Principal | undefined =
      result.kind === 'authenticated' ? result.principal : undefined;
    c.set('principal', principal?.name);
    // A mount source the caller cannot read is simply not mounted (the spec's 202 fallback).
    const required = route.kind === 'uploads' ? scopes.slice(0, 1) : scopes;
    for (const scope of required) {
      if (!(await authorizer.authorize(principal, scope))) {
        if (!principal)
          throw new RegistryError('UNAUTHORIZED', 'authentication required', {
            headers: challenge,
          });
        throw new RegistryError('DENIED', 'requested access to the resource is denied');
      }
    }
  }

  async function canPull(c: Context<Env>, name: string): Promise<boolean> {
    const p = c.get('principal');
    return authorizer.authorize(p === undefined ? undefined : { name: p }, {
      type: 'repository',
      name,
      actions: ['pull'],
    });
  }

  async function sendFile(
    c: Context<Env>,
    status: number,
    headers: Record<string, string>,
    digest: string,
    size: number,
    range?: { start: number; end: number },
  ): Promise<Response> {
    const out = c.env?.outgoing;
    if (!out) {
      const stream = await blobs.openRead(digest, range);
      if (!stream)
        throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: digest });
      return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
        status,
        headers,
      });
    }
    const file = await blobs.openHandle(digest);
    if (!file)
      throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: digest });
    out.writeHead(status, headers);
    c.set('status', status);
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    try {
      const sent = await sendFileRange(file, out, start, end);
      if (sent.kind === 'short')
        logger.error({ digest, expected: end - start + 1, sent: sent.bytes }, 'blob file is short');
    } catch (err) {
      logger.error({ digest, err }, 'blob read failed');
    }
    return RESPONSE_ALREADY_SENT;
  }

  // ---- handlers -----------------------------------------------------------------------------

  async function blobGet(
    c: Context<Env>,
    name: string,
    ref: string,
    head: boolean,
  ): Promise<Response> {
    const { digest, algorithm } = validDigest(ref);
    const blob = isSupportedAlgorithm(algorithm)
      ? await meta.getRepositoryBlob(name, digest)
      : undefined;
    if (!blob)
      throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: digest });
    const base: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      ETag: `"${digest}"`,
      'Cache-Control': 'max-age=31536000',
    };
    const range = parseRangeHeader(c.req.header('range'), blob.size);
    if (range === 'unsatisfiable') {
      throw new RegistryError('RANGE_INVALID', 'requested range not satisfiable', {
        headers: { 'Content-Range': `bytes */${blob.size}` },
      });
    }
    if (range === 'none') {
      const headers = { ...base, 'Content-Length': String(blob.size) };
      if (head) return new Response(null, { status: 200, headers });
      return sendFile(c, 200, headers, digest, blob.size);
    }
    const headers = {
      ...base,
      'Content-Length': String(range.end - range.start + 1),
      'Content-Range': `bytes ${range.start}-${range.end}/${blob.size}`,
    };
    if (head) return new Response(null, { status: 206, headers });
    return sendFile(c, 206, headers, digest, blob.size, range);
  }

  function uploadHeaders(name: string, id: string, offset: number): Record<string, string> {
    const h: Record<string, string> = {
      Location: `/v2/${name}/blobs/uploads/${id}`,
      Range: UploadManager.rangeHeader(offset),
      'Docker-Upload-UUID': id,
    };
    if (config.uploads.chunkMinLength > 0)
      h['OCI-Chunk-Min-Length'] = String(config.uploads.chunkMinLength);
    return h;
  }

  function blobCreated(name: string, digest: string): Response {
    return emptyResponse(201, {
      Location: `/v2/${name}/blobs/${digest}`,
      'Docker-Content-Digest': digest,
    });
  }

  async function drain(c: Context<Env>): Promise<void> {
    const src = body(c);
    if (src) for await (const _ of src) void _;
  }

  async function uploadsPost(c: Context<Env>, name: string): Promise<Response> {
    const q = c.req.queries();
    const mount = q.mount?.[0];
    const from = q.from?.[0];
    const digestParam = q.digest?.[0];
    if (mount !== undefined) {
      const { digest } = validDigest(mount, 'mount digest');
      let mounted = false;
      if (from !== undefined) {
        if (isValidRepositoryName(from) && from !== name && (await canPull(c, from))) {
          if (await meta.getRepositoryBlob(from, digest))
            mounted = (await meta.linkBlob(name, digest, now())) !== undefined;
        } else if (from === name) {
          mounted = (await meta.getRepositoryBlob(name, digest)) !== undefined;
        }
      } else if (config.mount.automatic) {
        if (await meta.getRepositoryBlob(name, digest)) mounted = true;
        else {
          for (const repo of await meta.repositoriesWithBlob(digest, 20)) {
            if (await canPull(c, repo)) {
              mounted = (await meta.linkBlob(name, digest, now())) !== undefined;
              break;
            }
          }
        }
      }
      if (mounted) {
        await drain(c);
        return blobCreated(name, digest);
      }
    }
    const algParam = q['digest-algorithm']?.[0];
    let algorithm: DigestAlgorithm | undefined;
    if (algParam !== undefined) {
      if (!isSupportedAlgorithm(algParam)) {
        throw new RegistryError(
          'DIGEST_INVALID',
          `unsupported digest algorithm ${algParam.slice(0, 40)}`,
        );
      }
      algorithm = algParam;
    }
    if (digestParam !== undefined && mount === undefined) {
      const { digest, algorithm: alg } = validDigest(digestParam);
      if (!isSupportedAlgorithm(alg))
        throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm ${alg}`);
      const session = await uploads.create(name);
      const result = await uploads.write(name, session.id, body(c), {
        contentLength: contentLength(c),
        finalDigest: digest,
      });
      if (result.done) return blobCreated(name, digest);
    }
    await drain(c);
    const session = await uploads.create(name);
    if (algorithm !== undefined) {
      await uploads.write(name, session.id, null, { algorithm });
    }
    return emptyResponse(202, uploadHeaders(name, session.id, 0));
  }

  async function uploadPatch(c: Context<Env>, name: string, id: string): Promise<Response> {
    const cr = c.req.header('content-range');
    let start: number | undefined;
    let end: number | undefined;
    if (cr !== undefined) {
      const r = parseContentRange(cr);
      if (!r) {
        const s = await uploads.get(name, id);
        throw new RegistryError('RANGE_INVALID', 'invalid Content-Range', {
          headers: uploadHeaders(name, id, s.offset),
        });
      }
      start = r.start;
      end = r.end;
    }
    try {
      const result = await uploads.write(name, id, body(c), {
        start,
        end,
        contentLength: contentLength(c),
      });
      const offset = result.done ? 0 : result.session.offset;
      return emptyResponse(202, uploadHeaders(name, id, offset));
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'RANGE_INVALID') {
        const s = await uploads.get(name, id);
        throw new RegistryError('RANGE_INVALID', err.message, {
          headers: uploadHeaders(name, id, s.offset),
        });
      }
      throw err;
    }
  }

  async function uploadPut(c: Context<Env>, name: string, id: string): Promise<Response> {
    const digestParam = c.req.query('digest');
    if (digestParam === undefined) {
      await uploads.get(name, id);
      throw new RegistryError('DIGEST_INVALID', 'digest query parameter is required');
    }
    const { digest, algorithm } = validDigest(digestParam);
    if (!isSupportedAlgorithm(algorithm))
      throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm ${algorithm}`);
    const cr = c.req.header('content-range');
    let start: number | undefined;
    let end: number | undefined;
    if (cr !== undefined && hasBody(c)) {
      const r = parseContentRange(cr);
      if (!r) throw new RegistryError('RANGE_INVALID', 'invalid Content-Range');
      start = r.start;
      end = r.end;
    }
    try {
      await uploads.write(name, id, body(c), {
        start,
        end,
        contentLength: contentLength(c),
        finalDigest: digest,
      });
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'RANGE_INVALID') {
        const s = await uploads.get(name, id);
        throw new RegistryError('RANGE_INVALID', err.message, {
          headers: uploadHeaders(name, id, s.offset),
        });
      }
      throw err;
    }
    return blobCreated(name, digest);
  }

  async function manifestGet(name: string, ref: string, head: boolean): Promise<Response> {
    // An invalid tag cannot exist: 404 (the v1.1.1 suite probes `.INVALID_MANIFEST_NAME`).
    const m = ref.includes(':')
      ? await meta.getManifest(name, validDigest(ref).digest)
      : isValidTag(ref)
        ? await meta.resolveTag(name, ref)
        : undefined;
    if (!m) {
      if (!(await meta.repositoryExists(name)))
        throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry');
      throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', {
        detail: ref.slice(0, 200),
      });
    }
    const headers = {
      'Content-Type': m.mediaType,
      'Content-Length': String(m.size),
      'Docker-Content-Digest': m.digest,
      ETag: `"${m.digest}"`,
    };
    if (head) return new Response(null, { status: 200, headers });
    let bytes = manifestCache.get(m.digest);
    if (!bytes) {
      bytes = await blobs.readAll(m.digest);
      if (!bytes)
        throw new RegistryError('MANIFEST_UNKNOWN', 'manifest content missing', {
          detail: m.digest,
        });
      manifestCache.set(m.digest, bytes);
    }
    return new Response(bytes, { status: 200, headers });
  }

  async function manifestPut(c: Context<Env>, name: string, ref: string): Promise<Response> {
    const max = config.limits.maxManifestBytes;
    const declared = contentLength(c);
    if (declared !== undefined && declared > max) {
      throw new RegistryError('SIZE_INVALID', `manifest exceeds ${max} bytes`, { status: 413 });
    }
    let refDigest: string | undefined;
    let algorithm: DigestAlgorithm = 'sha256';
    const tags: string[] = [];
    if (ref.includes(':')) {
      const d = validDigest(ref);
      if (!isSupportedAlgorithm(d.algorithm))
        throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm ${d.algorithm}`);
      refDigest = d.digest;
      algorithm = d.algorithm;
    } else {
      if (!isValidTag(ref))
        throw new RegistryError('TAG_INVALID', 'invalid tag', { detail: ref.slice(0, 200) });
      tags.push(ref);
    }
    const tagParams = c.req.queries('tag') ?? [];
    if (tagParams.length > config.limits.maxTagsPerPush) {
      throw new RegistryError(
        'TAG_INVALID',
        `too many tags (max ${config.limits.maxTagsPerPush})`,
        { status: 414 },
      );
    }
    for (const t of tagParams) {
      if (!isValidTag(t))
        throw new RegistryError('TAG_INVALID', 'invalid tag', { detail: t.slice(0, 200) });
      if (!tags.includes(t)) tags.push(t);
    }
    const bytes = await readBody(c, max);
    const contentType = c.req.header('content-type')?.split(';')[0]?.trim();
    let doc;
    try {
      doc = parseManifest(bytes, {
        ...(contentType ? { mediaType: contentType } : {}),
        maxBytes: max,
        maxDepth: config.limits.maxJsonDepth,
      });
    } catch (err) {
      if (isWharfError(err)) {
        const field = (err.detail as { field?: unknown } | undefined)?.field;
        throw new RegistryError('MANIFEST_INVALID', `manifest invalid: ${err.message}`, {
          ...(typeof field === 'string' ? { detail: field } : {}),
          cause: err,
        });
      }
      throw err;
    }
    const digester = createDigester(algorithm);
    digester.update(bytes);
    const digest = digester.digest();
    if (refDigest !== undefined && refDigest !== digest) {
      throw new RegistryError(
        'DIGEST_INVALID',
        `manifest digest ${digest} does not match ${refDigest}`,
      );
    }
    const requiredBlobs: string[] = [];
    const optionalBlobs: string[] = [];
    const requiredManifests: string[] = [];
    // The subject need not exist (it may be pushed later); everything else must.
    const subjectDesc = manifestSubject(doc);
    for (const d of manifestSuccessors(doc)) {
      if (d === subjectDesc) continue;
      if (doc.kind === 'index') requiredManifests.push(d.digest);
      else if (
        isNonDistributableMediaType(d.mediaType) ||
        (d.urls !== undefined && d.urls.length > 0)
      ) {
        optionalBlobs.push(d.digest);
      } else requiredBlobs.push(d.digest);
    }
    const body0 = doc.kind === 'manifest' ? doc.manifest : doc.index;
    const subject = subjectDesc?.digest;
    const artifactType = manifestArtifactType(doc);
    const result = await blobs.lock.run(digest, async () => {
      await blobs.writeBytes(digest, bytes);
      const r = await meta.putManifest({
        repository: name,
        digest,
        mediaType: doc.mediaType,
        size: bytes.byteLength,
        subject,
        artifactType,
        annotations: body0.annotations,
        requiredBlobs: [...new Set(requiredBlobs)],
        optionalBlobs: [...new Set(optionalBlobs)],
        requiredManifests: [...new Set(requiredManifests)],
        tags,
        now: now(),
      });
      if (!r.ok && !(await meta.hasBlobRow(digest))) await blobs.delete(digest);
      return r;
    });
    if (!result.ok) {
      const missing = [...result.missingBlobs, ...result.missingManifests];
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'manifest references unknown content', {
        detail: missing.slice(0, 10).join(', '),
      });
    }
    manifestCache.set(digest, bytes);
    const headers: Record<string, string> = {
      Location: `/v2/${name}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
    };
    if (subject !== undefined) headers['OCI-Subject'] = subject;
    if (tagParams.length > 0)
      headers['OCI-Tag'] = tags.filter((t) => tagParams.includes(t)).join(', ');
    return emptyResponse(201, headers);
  }

  async function manifestDelete(name: string, ref: string): Promise<Response> {
    if (!config.delete.enabled) throw new RegistryError('UNSUPPORTED', 'deletes are disabled');
    if (!(await meta.repositoryExists(name)))
      throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry');
    if (ref.includes(':')) {
      const { digest } = validDigest(ref);
      const deleted = await meta.deleteManifest(name, digest);
      if (!deleted)
        throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', { detail: digest });
      return emptyResponse(202);
    }
    if (!isValidTag(ref))
      throw new RegistryError('TAG_INVALID', 'invalid tag', { detail: ref.slice(0, 200) });
    if (!(await meta.deleteTag(name, ref)))
      throw new RegistryError('MANIFEST_UNKNOWN', 'tag unknown', { detail: ref });
    return emptyResponse(202);
  }

  async function blobDelete(name: string, ref: string): Promise<Response> {
    if (!config.delete.enabled) throw new RegistryError('UNSUPPORTED', 'deletes are disabled');
    const { digest } = validDigest(ref);
    if (!(await meta.unlinkBlob(name, digest)))
      throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: digest });
    return emptyResponse(202);
  }

  function nextLink(pathname: string, params: Record<string, string | undefined>): string {
    const qs = Object.entries(params)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    return `<${pathname}?${qs}>; rel="next"`;
  }

  async function tagsList(c: Context<Env>, name: string): Promise<Response> {
    const max = config.limits.maxPageSize;
    const n = parseN(c.req.query('n'), max);
    const last = c.req.query('last');
    if (n === 0) {
      if (!(await meta.repositoryExists(name)))
        throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry');
      return jsonResponse(200, { name, tags: [] });
    }
    const limit = n ?? max;
    const page = await meta.listTags(name, { last, limit });
    if (!page)
      throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', {
        detail: name,
      });
    const headers: Record<string, string> = {};
    const lastItem = page.items[page.items.length - 1];
    if (page.more && lastItem !== undefined) {
      headers.Link = nextLink(`/v2/${name}/tags/list`, { n: String(limit), last: lastItem });
    }
    return jsonResponse(200, { name, tags: page.items }, headers);
  }

  async function catalog(c: Context<Env>): Promise<Response> {
    const max = config.limits.maxPageSize;
    const n = parseN(c.req.query('n'), max);
    if (n === 0) return jsonResponse(200, { repositories: [] });
    const limit = n ?? max;
    const page = await meta.listRepositories({ last: c.req.query('last'), limit });
    const headers: Record<string, string> = {};
    const lastItem = page.items[page.items.length - 1];
    if (page.more && lastItem !== undefined)
      headers.Link = nextLink('/v2/_catalog', { n: String(limit), last: lastItem });
    return jsonResponse(200, { repositories: page.items }, headers);
  }

  async function referrers(c: Context<Env>, name: string, ref: string): Promise<Response> {
    const { digest } = validDigest(ref);
    const artifactType = c.req.query('artifactType');
    const pageSize = config.limits.referrersPageSize;
    const n = parseN(c.req.query('n'), pageSize);
    const limit = n === undefined || n === 0 ? pageSize : n;
    const last = c.req.query('last');
    const page = await meta.listReferrers(name, digest, {
      artifactType: artifactType || undefined,
      last,
      limit,
    });
    const manifests = page.items.map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType !== undefined ? { artifactType: r.artifactType } : {}),
      ...(r.annotations !== undefined ? { annotations: r.annotations } : {}),
    }));
    const headers: Record<string, string> = { 'Content-Type': MEDIA_TYPE_OCI_INDEX };
    if (artifactType) headers['OCI-Filters-Applied'] = 'artifactType';
    const lastItem = page.items[page.items.length - 1];
    if (page.more && lastItem !== undefined) {
      headers.Link = nextLink(`/v2/${name}/referrers/${digest}`, {
        n: n === undefined ? undefined : String(limit),
        last: lastItem.digest,
        artifactType: artifactType || undefined,
      });
    }
    return jsonResponse(
      200,
      { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests },
      headers,
    );
  }

  // ---- dispatch -----------------------------------------------------------------------------

  async function dispatch(c: Context<Env>): Promise<Response> {
    const { path: rawPath } = rawUrl(c);
    const route = matchRoute(rawPath);
    if (!route) throw new RegistryError('UNSUPPORTED', 'no such endpoint', { status: 404 });
    const method = c.req.method;
    const allowed = ALLOWED[route.kind];
    if (!allowed.includes(method)) {
      throw new RegistryError('UNSUPPORTED', `method ${method} not allowed`, {
        status: 405,
        headers: { Allow: allowed.join(', ') },
      });
    }
    if (route.kind !== 'base' && route.kind !== 'catalog') validName(route.name);
    const from = route.kind === 'uploads' ? c.req.query('from') : undefined;
    await authorize(c, route, method, from);
    switch (route.kind) {
      case 'base':
        return jsonResponse(200, {}, { 'Docker-Distribution-API-Version': 'registry/2.0' });
      case 'catalog':
        return catalog(c);
      case 'uploads':
        return uploadsPost(c, route.name);
      case 'upload': {
        const id = decodeSegment(route.id);
        if (method === 'GET') {
          const s = await uploads.get(route.name, id);
          return new Response(null, {
            status: 204,
            headers: uploadHeaders(route.name, id, s.offset),
          });
        }
        if (method === 'PATCH') return uploadPatch(c, route.name, id);
        if (method === 'PUT') return uploadPut(c, route.name, id);
        await uploads.cancel(route.name, id);
        return new Response(null, { status: 204 });
      }
      case 'blob': {
        const ref = decodeSegment(route.ref);
        if (method === 'DELETE') return blobDelete(route.name, ref);
        return blobGet(c, route.name, ref, method === 'HEAD');
      }
      case 'manifest': {
        const ref = decodeSegment(route.ref);
        if (method === 'PUT') return manifestPut(c, route.name, ref);
        if (method === 'DELETE') return manifestDelete(route.name, ref);
        return manifestGet(route.name, ref, method === 'HEAD');
      }
      case 'tags':
        return tagsList(c, route.name);
      case 'referrers':
        return referrers(c, route.name, decodeSegment(route.ref));
    }
  }

  app.all('/v2', dispatch);
  app.all('/v2/*', dispatch);

  // Maintenance: `POST /_wharf/gc[?gracePeriod=1h]` runs GC now (what `wharf gc` calls when a
  // server is running). Needs the registry:admin scope (any authenticated user with basic auth;
  // anyone in anonymous mode, which binds 127.0.0.1 by default).
  app.post('/_wharf/gc', async (c) => {
    const result = await authenticator.authenticate({
      authorization: c.req.header('authorization'),
    });
    const scope: Scope = { type: 'registry', name: 'admin' };
    const principal = result.kind === 'authenticated' ? result.principal : undefined;
    if (result.kind === 'invalid' || !(await authorizer.authorize(principal, scope))) {
      if (principal)
        throw new RegistryError('DENIED', 'requested access to the resource is denied');
      throw new RegistryError('UNAUTHORIZED', 'authentication required', {
        headers: { 'WWW-Authenticate': authenticator.challenge([scope]) },
      });
    }
    const grace = c.req.query('gracePeriod');
    let gracePeriodMs: number | undefined;
    try {
      gracePeriodMs = grace === undefined ? undefined : parseDuration(grace);
    } catch {
      throw new RegistryError('UNSUPPORTED', 'invalid gracePeriod', { status: 400 });
    }
    const gc = await registry.runGc(gracePeriodMs === undefined ? {} : { gracePeriodMs });
    return jsonResponse(200, gc);
  });

  const gcLogger: Logger = logger;
  // eslint-disable-next-line prefer-const -- assigned once below, read by the /_wharf/gc handler
  let registry: Registry;
  let gcRunning: Promise<GcResult> | undefined;
  registry = {
    app,
    fetch: (request, env) => app.fetch(request, env),
    config,
    logger,
    runGc(options = {}) {
      gcRunning ??= runGcImpl(
        {
          meta,
          blobs,
          uploads,
          logger: gcLogger,
          now,
          onManifestDeleted: (d) => manifestCache.delete(d),
        },
        {
          gracePeriodMs: options.gracePeriodMs ?? config.gc.gracePeriod,
          uploadTtlMs: options.uploadTtlMs ?? config.uploads.ttl,
        },
      ).finally(() => {
        gcRunning = undefined;
      });
      return gcRunning;
    },
    close: () => meta.close(),
  };
  return registry;
}

/**
 * Runs garbage collection once on a data directory and closes it: `wharf gc` for a stopped
 * server. For a running server use `POST /_wharf/gc` instead (the server's in-process locks
 * are what make GC safe against concurrent pushes).
 */
export async function collectGarbage(
  config: Readonly<RegistryConfig>,
  options: GcOptions & { readonly logger?: pino.Logger } = {},
): Promise<GcResult> {
  const registry = await createRegistryApp(
    config,
    options.logger ? { logger: options.logger } : {},
  );
  try {
    return await registry.runGc(options);
  } finally {
    await registry.close();
  }
}
