import type { HashAlgorithm } from './algorithms.js';
import { NotaryError, errorMessage } from './errors.js';
import { createTimestampRequest, parseTimestampResponse, type Timestamper } from './timestamp.js';

/** Options for {@link createHttpTimestamper}. */
export interface HttpTimestamperOptions {
  /** TSA URL (`http:` or `https:`), e.g. `--timestamp-url`. */
  readonly url: string;
  /** Injected fetch (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Request timeout in ms; default 15 000 (notation CLI). */
  readonly timeoutMs?: number;
  /** Max response size; default 1 MiB. */
  readonly maxResponseBytes?: number;
}

/**
 * An RFC 3161 client over an injected `fetch`: POSTs a TimeStampReq with
 * `application/timestamp-query`, requires 200 + `application/timestamp-reply`, and validates
 * the reply against the request (imprint, nonce, certReq).
 *
 * @throws NotaryError `INVALID_ARGUMENT` for a non-http(s) URL
 * @example signEnvelope({ …, timestamper: createHttpTimestamper({ url: 'http://timestamp.example' }) })
 */
export function createHttpTimestamper(options: HttpTimestamperOptions): Timestamper {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (err) {
    throw new NotaryError('INVALID_ARGUMENT', 'timestamp URL is not a valid URL', { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NotaryError(
      'INVALID_ARGUMENT',
      `timestamp URL must be http or https, got ${url.protocol}`,
    );
  }
  const doFetch = options.fetch ?? fetch;
  const max = options.maxResponseBytes ?? 1024 * 1024;
  return {
    async timestamp(message: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array> {
      const req = createTimestampRequest(message, hash);
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/timestamp-query' },
          body: req.der,
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (err) {
        throw new NotaryError(
          'TIMESTAMP_FAILED',
          `timestamp: request to ${url.origin} failed: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      if (res.status !== 200)
        throw new NotaryError(
          'TIMESTAMP_FAILED',
          `timestamp: TSA ${url.origin} answered HTTP ${res.status}`,
        );
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith('application/timestamp-reply')) {
        throw new NotaryError(
          'TIMESTAMP_FAILED',
          `timestamp: unexpected response content type ${JSON.stringify(type)}`,
        );
      }
      const body = new Uint8Array(await res.arrayBuffer());
      if (body.length > max)
        throw new NotaryError('TIMESTAMP_FAILED', `timestamp: response larger than ${max} bytes`);
      return parseTimestampResponse(body, req);
    },
  };
}
