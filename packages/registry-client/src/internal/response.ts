import type { Readable } from 'node:stream';

/**
 * The part of a WHATWG `Response` the client reads. A real `Response` (from an injected `fetch`)
 * satisfies it; the default stack answers with a {@link NodeResponse} instead.
 */
export interface ResponseLike {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/** Header values as undici's `request` gives them (lowercase names). */
export type RawHeaders = Record<string, string | string[] | undefined>;

/** Read-only headers over undici's header object; `get` joins repeated values with `, `. */
class NodeHeaders {
  readonly #raw: RawHeaders;
  constructor(raw: RawHeaders) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const v = this.#raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

/**
 * A response of the default stack: status, headers and undici's Node body, with the web
 * `body` stream made only when something asks for it. Building a WHATWG `Response` and
 * `Headers` per request cost CPU on every request (and loading Node's bundled fetch, ~60 ms of
 * start-up in a CPU profile of a one-file push) for bodies that are mostly empty or discarded.
 */
export class NodeResponse implements ResponseLike {
  readonly status: number;
  readonly headers: NodeHeaders;
  #raw: Readable | null;
  #web: ReadableStream<Uint8Array> | null | undefined;

  constructor(status: number, headers: RawHeaders, body: Readable | null) {
    this.status = status;
    this.headers = new NodeHeaders(headers);
    this.#raw = body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as a web stream (made on first use); null when there is none or it was taken raw. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#web === undefined) this.#web = this.#raw ? webBody(this.#raw) : null;
    return this.#web;
  }

  /**
   * Takes the Node body for direct reading (no web-stream layer); undefined once `body` was used
   * or the body was taken. Afterwards `body` is null: the taker owns the stream.
   */
  takeRaw(): Readable | undefined {
    if (this.#web !== undefined || !this.#raw) return undefined;
    const raw = this.#raw;
    this.#raw = null;
    this.#web = null;
    return raw;
  }
}

/**
 * A pull-driven web stream over undici's body. Not `Readable.toWeb`: on Node 20 it throws an
 * uncaught "Controller is already closed" when data arrives after the web stream was cancelled
 * (our `discardBody` cancels large bodies). Cancelling destroys the body (and the connection).
 */
function webBody(body: Readable): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        destroyBody(body);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Destroys an unfinished undici body; the AbortError it then emits has no reader. */
export function destroyBody(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** A body read chunk by chunk, and how to abandon it. */
export interface BodyChunks {
  readonly chunks: AsyncIterable<Uint8Array>;
  cancel(): Promise<void>;
}

/**
 * The chunks of a response body: undici's Node stream when the default stack made the response
 * (cheaper than the web stream), else the web body. Undefined when there is no body.
 */
export function bodyChunks(response: ResponseLike): BodyChunks | undefined {
  if (response instanceof NodeResponse) {
    const raw = response.takeRaw();
    if (raw) {
      // Breaking out of the iteration destroys the body, which then emits an AbortError.
      raw.on('error', () => undefined);
      return {
        chunks: raw as AsyncIterable<Uint8Array>,
        cancel: () => {
          destroyBody(raw);
          return Promise.resolve();
        },
      };
    }
  }
  const body = response.body;
  if (!body) return undefined;
  return {
    chunks: body as unknown as AsyncIterable<Uint8Array>,
    cancel: () => body.cancel().catch(() => undefined),
  };
}
