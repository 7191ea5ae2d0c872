import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Readable } from 'node:stream';
import type * as Undici from 'undici';
import { noopLogger, type Logger } from '@wharf/core';
import { RegistryClientError, redactUrl } from '../errors.js';
import { abortError, sleep } from './abort.js';
import { discardBody } from './body.js';
import { NodeResponse, type ResponseLike } from './response.js';

export type { ResponseLike } from './response.js';

/**
 * undici's Agent, connector and `request`, loaded from their own modules: undici's index also
 * loads fetch, cookies, the cache, mocks and WebSocket (measured: 0.15 s vs 0.05 s CPU and
 * 58 vs 50 MiB RSS for `node -e "require(…)"`), none of which the client uses. undici has no
 * `exports` map, so Node resolves these internal files; a release that moves them fails every
 * registry-client test (modules.test.ts checks which undici modules a request loads).
 */
const requireCjs = createRequire(import.meta.url);
const Agent = requireCjs('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
const buildConnector = requireCjs('undici/lib/core/connect.js') as typeof Undici.buildConnector;
/** `Dispatcher.prototype.request` (undici's index mixes it in; called with the dispatcher as `this`). */
const dispatcherRequest = requireCjs('undici/lib/api/api-request.js') as (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;
type Dispatcher = Undici.Dispatcher;

/** The subset of WHATWG `fetch` the client needs; inject one for tests or custom stacks. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Retry policy for idempotent requests. */
export interface RetryOptions {
  /** Retries after the first attempt; default 5. */
  readonly maxRetries?: number;
  /** First backoff; doubled per attempt (with ±20 % jitter). Default 250 ms. */
  readonly baseBackoffMs?: number;
  /** Largest computed backoff; default 10 s. */
  readonly maxBackoffMs?: number;
  /** Largest honoured `Retry-After`; default 60 s (oras-go caps it at 3 s). */
  readonly maxRetryAfterMs?: number;
}

/** TLS and transport options. */
export interface TransportOptions {
  /** The fetch to use; default the global `fetch` (or undici's when TLS options need a dispatcher). */
  readonly fetch?: FetchLike;
  /** Skip TLS certificate verification (`--insecure`). */
  readonly insecure?: boolean;
  /** PEM file with extra CA certificates (`--ca-file`). */
  readonly caFile?: string;
  /** PEM client certificate and key files for mutual TLS. */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly retry?: RetryOptions;
  /** Time allowed until response headers arrive, per attempt; default 60 s. */
  readonly timeoutMs?: number;
  /** Redirects followed per request; default 10. */
  readonly maxRedirects?: number;
  /** Debug logger; never receives headers, bodies or secrets. */
  readonly logger?: Logger;
  /** `User-Agent` header; default `wharf`. */
  readonly userAgent?: string;
  /** Extra headers sent with every request (`-H`); they win over the client's own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Connect to another address for a `host:port` (`--resolve`); Host and TLS name stay. */
  readonly resolve?: readonly ResolveRule[];
}

/** One `--resolve host:port:address[:address_port]` rule. */
export interface ResolveRule {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly addressPort: number;
}

/**
 * Parses `host:port:address[:address_port]` (oras/curl `--resolve`); an IPv6 address is written
 * in brackets. Throws `INVALID_OPTION` with the rule quoted.
 */
export function parseResolveRule(rule: string): ResolveRule {
  const m = /^([^:[\]]+):(\d{1,5}):(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rule);
  const port = Number(m?.[2]);
  const addressPort = m?.[4] === undefined ? port : Number(m[4]);
  if (!m || port < 1 || port > 65535 || addressPort < 1 || addressPort > 65535) {
    throw new RegistryClientError(
      'INVALID_OPTION',
      `invalid --resolve "${rule}": expected host:port:address[:address_port]`,
    );
  }
  const address = (m[3] as string).replace(/^\[(.*)\]$/, '$1');
  return { host: (m[1] as string).toLowerCase(), port, address, addressPort };
}

/**
 * A request body: bytes (replayable) or a one-shot stream with a known length. `reusingStream`
 * is the same content from a source that refills its chunk buffers (`FileContent`): the default
 * stack sends it instead of `stream` (see `#streamUpload`); an injected `fetch` gets `stream`.
 */
export type RequestBody =
  | Uint8Array
  | {
      readonly stream: AsyncIterable<Uint8Array>;
      readonly length: number;
      readonly reusingStream?: AsyncIterable<Uint8Array>;
    };

/** One HTTP request. `headers` keys are lowercase. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  readonly signal?: AbortSignal | undefined;
  /** Retry on 408/429/5xx and network errors; default: true unless PATCH or a stream body. */
  readonly retry?: boolean;
}

/** A response with the URL it finally came from (after redirects). */
export interface HttpResponse {
  readonly response: ResponseLike;
  readonly url: URL;
  /** True when a redirect left the request's origin: credentials were not sent there. */
  readonly crossedOrigin: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** In-memory bodies above this size are exempt from the time-to-headers limit. */
const LARGE_BODY = 1024 * 1024;

/**
 * The HTTP layer: manual redirects (loop detection, no credential forwarding across origins,
 * no https→http downgrade), per-attempt header timeouts, retries with exponential backoff and
 * jitter honouring `Retry-After`, and optional TLS settings through an undici dispatcher.
 */
export class Transport {
  /** The injected fetch; undefined for the default stack (undici `request`). */
  readonly #fetch: FetchLike | undefined;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #logger: Logger;
  readonly #retry: Required<RetryOptions>;
  readonly #timeoutMs: number;
  readonly #maxRedirects: number;
  readonly #userAgent: string;
  readonly #extraHeaders: Readonly<Record<string, string>>;

  constructor(options: TransportOptions = {}) {
    this.#logger = options.logger ?? noopLogger;
    this.#retry = {
      maxRetries: options.retry?.maxRetries ?? 5,
      baseBackoffMs: options.retry?.baseBackoffMs ?? 250,
      maxBackoffMs: options.retry?.maxBackoffMs ?? 10_000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 60_000,
    };
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxRedirects = options.maxRedirects ?? 10;
    this.#userAgent = options.userAgent ?? 'wharf';
    this.#extraHeaders = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    this.#dispatcher = makeDispatcher(options);
    this.#fetch = options.fetch;
  }

  /** Closes the TLS dispatcher, if one was created. */
  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }

  /**
   * Sends a request, following redirects and retrying as configured. Non-2xx statuses are
   * returned, not thrown; network failures throw `NETWORK_ERROR`, `TIMEOUT` or `ABORTED`.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const retryable = req.retry ?? (req.method !== 'PATCH' && !isStream(req.body));
    const max = retryable ? this.#retry.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      let result: HttpResponse;
      try {
        result = await this.#sendOnce(req, attempt);
      } catch (err) {
        if (req.signal?.aborted) throw abortError(req.signal);
        if (
          err instanceof RegistryClientError &&
          err.code !== 'NETWORK_ERROR' &&
          err.code !== 'TIMEOUT'
        ) {
          throw err;
        }
        if (attempt >= max) throw err;
        const wait = this.#backoff(attempt);
        this.#logger.debug(
          {
            method: req.method,
            url: redactUrl(req.url),
            attempt,
            waitMs: wait,
            error: String(err),
          },
          'retrying after network error',
        );
        await sleep(wait, req.signal);
        continue;
      }
      const status = result.response.status;
      if (attempt < max && isRetryableStatus(status)) {
        const retryAfter = parseRetryAfter(result.response.headers.get('retry-after'));
        const wait =
          retryAfter === undefined
            ? this.#backoff(attempt)
            : Math.min(retryAfter, this.#retry.maxRetryAfterMs) + jitter(100);
        this.#logger.debug(
          { method: req.method, url: redactUrl(req.url), status, attempt, waitMs: wait },
          'retrying',
        );
        await discardBody(result.response);
        await sleep(wait, req.signal);
        continue;
      }
      return result;
    }
  }

  #backoff(attempt: number): number {
    const base = Math.min(this.#retry.baseBackoffMs * 2 ** attempt, this.#retry.maxBackoffMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async #sendOnce(req: HttpRequest, attempt: number): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    const headers: Record<string, string> = {
      'user-agent': this.#userAgent,
      ...req.headers,
      ...this.#extraHeaders,
    };
    let crossedOrigin = false;
    const visited = new Set<string>([`${method} ${url.href}`]);
    for (let hops = 0; ; hops++) {
      const started = Date.now();
      const response = await this.#fetchWithTimeout(url, method, headers, body, req.signal);
      this.#logger.debug(
        { method, url: redactUrl(url), status: response.status, ms: Date.now() - started, attempt },
        'http',
      );
      if (!REDIRECTS.has(response.status)) return { response, url, crossedOrigin };
      await discardBody(response);
      const location = response.headers.get('location');
      if (!location) {
        throw new RegistryClientError(
          'REDIRECT_INVALID',
          `${method} ${redactUrl(url)}: ${response.status} redirect without a Location header`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (err) {
        throw new RegistryClientError(
          'REDIRECT_INVALID',
          `${method} ${redactUrl(url)}: invalid redirect Location`,
          { cause: err },
        );
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new RegistryClientError(
          'REDIRECT_INVALID',
          `${method} ${redactUrl(url)}: refusing a redirect to ${next.protocol} URL`,
        );
      }
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        throw new RegistryClientError(
          'REDIRECT_INVALID',
          `${method} ${redactUrl(url)}: refusing a redirect from https to http (${redactUrl(next)})`,
        );
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      } else if (isStream(body)) {
        throw new RegistryClientError(
          'REDIRECT_INVALID',
          `${method} ${redactUrl(url)}: cannot replay a streamed body to a redirect`,
        );
      }
      const key = `${method} ${next.href}`;
      if (hops + 1 > this.#maxRedirects || visited.has(key)) {
        throw new RegistryClientError(
          'REDIRECT_LOOP',
          `${req.method} ${redactUrl(req.url)}: redirect loop (${hops + 1} redirects, last to ${redactUrl(next)})`,
        );
      }
      visited.add(key);
      if (next.origin !== url.origin) {
        crossedOrigin = true;
        // Never forward credentials to another origin (GHSA-vh4v-2xq2-g5cg).
        delete headers['authorization'];
      }
      url = next;
    }
  }

  async #fetchWithTimeout(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResponseLike> {
    if (signal?.aborted) throw abortError(signal);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const init: {
      method: string;
      headers: Record<string, string>;
      redirect: 'manual';
      signal: AbortSignal;
      body?: unknown;
      duplex?: 'half';
      dispatcher?: unknown;
    } = {
      method,
      headers,
      redirect: 'manual',
      signal: combined,
    };
    const direct = this.#dispatcher !== undefined && this.#fetch === undefined;
    if (isStream(body) && direct) {
      // The answer to a streamed upload comes after the whole body: a fixed time-to-headers
      // would fail any upload slower than size/timeout. undici's own headers timeout (counted
      // from the end of the body) and body timeout guard against a silent server instead.
      clearTimeout(timer);
      try {
        return await this.#streamUpload(url, method, headers, body, signal);
      } catch (err) {
        throw this.#networkError(err, url, method, signal, timeout.signal);
      } finally {
        clearTimeout(timer);
      }
    }
    if (direct) {
      // A large body (a 64 MiB upload chunk) is answered only after it is sent: as for streams,
      // undici's own timeouts, counted once the body is written, guard a silent server instead.
      if (body instanceof Uint8Array && body.byteLength > LARGE_BODY) clearTimeout(timer);
      try {
        return await this.#request(url, method, headers, body as Uint8Array | undefined, combined);
      } catch (err) {
        throw this.#networkError(err, url, method, signal, timeout.signal);
      } finally {
        clearTimeout(timer);
      }
    }
    if (body !== undefined) {
      if (isStream(body)) {
        init.body = body.stream;
        init.duplex = 'half';
        headers['content-length'] = String(body.length);
      } else {
        // fetch derives Content-Length from the bytes; setting it too makes it invalid.
        init.body = body;
      }
    }
    if (this.#dispatcher) init.dispatcher = this.#dispatcher;
    const injected = this.#fetch;
    if (!injected) {
      throw new RegistryClientError('INVALID_OPTION', 'no fetch and no dispatcher to send with');
    }
    try {
      return await injected(url, init as RequestInit);
    } catch (err) {
      throw this.#networkError(err, url, method, signal, timeout.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  #networkError(
    err: unknown,
    url: URL,
    method: string,
    signal: AbortSignal | undefined,
    timeout: AbortSignal,
  ): unknown {
    if (signal?.aborted) return abortError(signal);
    if (timeout.aborted) {
      return new RegistryClientError(
        'TIMEOUT',
        `${method} ${redactUrl(url)}: no response within ${this.#timeoutMs} ms`,
        { cause: err },
      );
    }
    if (err instanceof RegistryClientError) return err;
    return new RegistryClientError(
      'NETWORK_ERROR',
      `${method} ${redactUrl(url)}: ${describeNetworkError(err)}`,
      { cause: err },
    );
  }

  /**
   * Streamed uploads go through undici's `request`, not `fetch`: fetch held on to the whole
   * request body (measured: ~129 MiB of live ArrayBuffers for a 128 MiB upload; 631 MiB peak
   * RSS for 512 MiB), `request` streams it with socket backpressure (~32 MiB). The answer is a
   * {@link NodeResponse}.
   */
  async #streamUpload(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: {
      readonly stream: AsyncIterable<Uint8Array>;
      readonly length: number;
      readonly reusingStream?: AsyncIterable<Uint8Array>;
    },
    signal: AbortSignal | undefined,
  ): Promise<ResponseLike> {
    // A chunk of `reusingStream` may be overwritten once the next one is asked for. undici sends
    // an iterable body chunk by chunk and asks for the next one only after `socket.write`
    // returned true (the kernel took it) or the socket drained (every write completed). A
    // `Readable` body would be read ahead, so the reusing stream is never wrapped in one.
    return this.#request(
      url,
      method,
      { ...headers, 'content-length': String(body.length) },
      body.reusingStream ?? Readable.from(body.stream, { objectMode: false }),
      signal,
    );
  }

  /**
   * Every request of the default stack goes through undici's `request` (the measured cost of
   * `fetch`'s WHATWG machinery was ~0.5–1 ms CPU per request); `fetch` stays only for an
   * injected `FetchLike`. Redirects are never followed here (the caller's loop does that).
   */
  async #request(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | Readable | AsyncIterable<Uint8Array> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResponseLike> {
    const dispatcher = this.#dispatcher as Dispatcher;
    const res = await dispatcherRequest.call(dispatcher, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      // undici sends any async iterable (its types list only Readable).
      ...(body !== undefined ? { body: body as Readable } : {}),
      ...(signal ? { signal } : {}),
    });
    const empty =
      method === 'HEAD' ||
      res.statusCode === 204 ||
      res.statusCode === 205 ||
      res.statusCode === 304 ||
      res.headers['content-length'] === '0';
    if (empty) await res.body.dump();
    return new NodeResponse(res.statusCode, res.headers, empty ? null : res.body);
  }
}

/**
 * The Node stream behind a response's body, for the blob download hot path: reading it directly
 * skips the web-stream layer (a promise chain per 64 KiB chunk). Use either this or
 * `response.body`, never both. Undefined for a response made by an injected `fetch`. Breaking
 * out of its iteration destroys it (and the connection), like cancelling the web body.
 */
export function rawBody(response: ResponseLike): AsyncIterable<Uint8Array> | undefined {
  if (!(response instanceof NodeResponse)) return undefined;
  const raw = response.takeRaw();
  raw?.on('error', () => undefined);
  return raw;
}

function isStream(body: RequestBody | undefined): body is Exclude<RequestBody, Uint8Array> {
  return body !== undefined && !(body instanceof Uint8Array);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function jitter(maxMs: number): number {
  return Math.floor(Math.random() * maxMs);
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

/**
 * undici closes the connection after every HEAD (to survive servers that wrongly send a body),
 * so each `exists` check cost a new TCP connection, and the POST after it another. Registries
 * answer HEAD without a body, as Go's net/http (oras) assumes too, so HEAD keeps the connection.
 */
function keepAliveOnHead(agent: Undici.Agent): Dispatcher {
  return agent.compose(
    (dispatch) => (opts, handler) =>
      dispatch(opts.method === 'HEAD' ? { ...opts, reset: false } : opts, handler),
  );
}

/**
 * The dispatcher: our own keep-alive-friendly Agent with the default `fetch`, plus TLS options
 * when given; none for an injected `fetch` without TLS options (tests).
 */
function makeDispatcher(options: TransportOptions): Dispatcher | undefined {
  const tls = options.insecure || options.caFile || options.certFile || options.keyFile;
  const rules = options.resolve ?? [];
  if (!tls && rules.length === 0) {
    return options.fetch ? undefined : keepAliveOnHead(new Agent());
  }
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new RegistryClientError(
      'INVALID_OPTION',
      'a client certificate needs both a certificate and a key file',
    );
  }
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new RegistryClientError('INVALID_OPTION', `cannot read ${what} ${path}`, {
        cause: err,
      });
    }
  };
  const connectOptions = {
    rejectUnauthorized: !options.insecure,
    ...(options.caFile
      ? { ca: [...rootCertificates, read(options.caFile, 'CA file').toString('utf8')] }
      : {}),
    ...(options.certFile ? { cert: read(options.certFile, 'client certificate') } : {}),
    ...(options.keyFile ? { key: read(options.keyFile, 'client key') } : {}),
  };
  if (rules.length === 0) return keepAliveOnHead(new Agent({ connect: connectOptions }));
  const base = buildConnector(connectOptions);
  const connect: Undici.buildConnector.connector = (opts, callback) => {
    const port = Number(opts.port || (opts.protocol === 'https:' ? 443 : 80));
    const rule = rules.find((r) => r.host === opts.hostname.toLowerCase() && r.port === port);
    if (!rule) return base(opts, callback);
    return base(
      {
        ...opts,
        hostname: rule.address,
        port: String(rule.addressPort),
        ...(opts.servername === undefined && isIP(opts.hostname) === 0
          ? { servername: opts.hostname }
          : {}),
      },
      callback,
    );
  };
  return keepAliveOnHead(new Agent({ connect }));
}
