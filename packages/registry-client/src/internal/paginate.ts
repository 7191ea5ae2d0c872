import { RegistryClientError, registryErrorFromResponse, type RegistryError } from '../errors.js';
import { readBodyCapped } from './body.js';
import { nextLink } from './link.js';
import type { HttpResponse } from './transport.js';

/** Options of a paginated listing. */
export interface PageOptions {
  /** Page size sent as `n`; default: the server's. */
  readonly pageSize?: number;
  /** Start after this entry (`last`). */
  readonly last?: string;
  /** Stop with `PAGINATION_INVALID` after this many pages; default 1,000. */
  readonly maxPages?: number;
  readonly signal?: AbortSignal;
}

/**
 * Walks a `Link`-paginated JSON listing. `send` performs one authenticated GET; `pick` extracts
 * the entries of a page. Links must stay on the same origin; bodies are capped at `maxBytes`.
 * A 404 on the first page calls `onNotFound` when given.
 */
export async function* paginate<T>(
  first: URL,
  send: (url: URL) => Promise<HttpResponse>,
  pick: (body: unknown, url: URL) => T[],
  options: PageOptions & { maxBytes: number; onNotFound?: (err: RegistryError) => T[] },
): AsyncGenerator<T[], void, undefined> {
  const maxPages = options.maxPages ?? 1000;
  let url: URL | undefined = first;
  for (let page = 0; url; page++) {
    if (page >= maxPages) {
      throw new RegistryClientError(
        'PAGINATION_INVALID',
        `listing ${first.pathname} exceeded ${maxPages} pages`,
      );
    }
    const { response, url: finalUrl } = await send(url);
    if (response.status !== 200) {
      const err = await registryErrorFromResponse('GET', finalUrl.href, response);
      if (page === 0 && response.status === 404 && options.onNotFound) {
        yield options.onNotFound(err);
        return;
      }
      throw err;
    }
    const bytes = await readBodyCapped(
      response,
      options.maxBytes,
      () =>
        new RegistryClientError(
          'PROTOCOL_ERROR',
          `GET ${finalUrl.pathname}: listing page exceeds ${options.maxBytes} bytes`,
        ),
    );
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (err) {
      throw new RegistryClientError(
        'PROTOCOL_ERROR',
        `GET ${finalUrl.pathname}: listing is not JSON`,
        { cause: err },
      );
    }
    yield pick(body, finalUrl);
    url = nextLink(response.headers.get('link'), url);
  }
}

/** Reads a string array field of a listing page. */
export function stringArray(body: unknown, field: string, where: URL): string[] {
  const value =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new RegistryClientError(
      'PROTOCOL_ERROR',
      `GET ${where.pathname}: "${field}" is not a list of strings`,
    );
  }
  return value;
}
