import { ContentError, isValidRegistry, noopLogger, type Logger } from '@wharf/core';
import { AuthClient, type AuthOptions } from './auth/client.js';
import { CATALOG_SCOPE } from './auth/scope.js';
import { RegistryClientError, registryErrorFromResponse } from './errors.js';
import { paginate, stringArray, type PageOptions } from './internal/paginate.js';
import {
  Transport,
  type HttpRequest,
  type HttpResponse,
  type TransportOptions,
} from './internal/transport.js';
import { RemoteRepository, type RepositoryOptions } from './repository.js';
import { discardBody } from './internal/body.js';

/** Options of a {@link Registry}: transport, TLS, auth and per-repository defaults. */
export interface RegistryOptions extends TransportOptions, AuthOptions, RepositoryOptions {
  /**
   * Use plain HTTP. Default: true for `localhost`, `127.0.0.1` and `[::1]` (any port), as oras
   * does, else false.
   */
  readonly plainHttp?: boolean;
  /** Share one transport (connection pool, TLS settings) between registries. */
  readonly transport?: Transport;
}

/** The hosts oras talks plain HTTP to by default. */
export function isLocalhost(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** The API host of a registry name: Docker Hub's aliases map to `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io'
    ? 'registry-1.docker.io'
    : registry;
}

/**
 * One registry: its base URL, transport and auth state (token cache) shared by every
 * repository obtained from {@link Registry.repository}.
 *
 * @example
 * const reg = new Registry('localhost:5000');
 * const repo = reg.repository('acme/app');
 * const desc = await repo.resolve('v1');
 */
export class Registry {
  readonly name: string;
  readonly baseUrl: URL;
  readonly logger: Logger;
  readonly options: RegistryOptions;
  readonly #auth: AuthClient;
  readonly #ownTransport: Transport | undefined;

  constructor(name: string, options: RegistryOptions = {}) {
    if (!isValidRegistry(name)) {
      throw new ContentError(
        'INVALID_REFERENCE',
        `invalid registry ${JSON.stringify(name.slice(0, 200))}: must be host[:port]`,
      );
    }
    this.name = name;
    this.options = options;
    this.logger = options.logger ?? noopLogger;
    const plain = options.plainHttp ?? isLocalhost(name);
    this.baseUrl = new URL(`${plain ? 'http' : 'https'}://${registryApiHost(name)}/`);
    const transport = options.transport ?? new Transport(options);
    if (!options.transport) this.#ownTransport = transport;
    this.#auth = new AuthClient(transport, name, this.baseUrl, options);
  }

  /** Sends an authenticated request for `scopes` (used by repositories). */
  send(req: HttpRequest, scopes: readonly string[]): Promise<HttpResponse> {
    return this.#auth.send(req, scopes);
  }

  /** A repository of this registry. */
  repository(name: string, options: RepositoryOptions = {}): RemoteRepository {
    return new RemoteRepository(this, name, { ...this.options, ...options });
  }

  /**
   * `GET /v2/`: checks that the registry speaks the distribution API and that the configured
   * credentials are accepted.
   * @throws RegistryClientError `UNAUTHORIZED`, RegistryError
   */
  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    const url = new URL('/v2/', this.baseUrl);
    const { response, url: finalUrl } = await this.send(
      { method: 'GET', url, signal: options.signal },
      [],
    );
    if (response.status === 200) {
      await discardBody(response);
      return;
    }
    const err = await registryErrorFromResponse('GET', finalUrl.href, response);
    if (response.status === 401) {
      throw new RegistryClientError(
        'UNAUTHORIZED',
        `${this.name}: authentication required (run login)`,
        { cause: err },
      );
    }
    throw err;
  }

  /** Pages of repository names from `GET /v2/_catalog` (Link pagination, same origin only). */
  catalogPages(options: PageOptions = {}): AsyncGenerator<string[], void, undefined> {
    const first = new URL('/v2/_catalog', this.baseUrl);
    if (options.pageSize !== undefined) first.searchParams.set('n', String(options.pageSize));
    if (options.last !== undefined) first.searchParams.set('last', options.last);
    return paginate(
      first,
      (url) => this.send({ method: 'GET', url, signal: options.signal }, [CATALOG_SCOPE]),
      (body, url) => stringArray(body, 'repositories', url),
      { ...options, maxBytes: this.options.maxMetadataBytes ?? 4 * 1024 * 1024 },
    );
  }

  /** All repository names of the catalog. */
  async catalog(options: PageOptions = {}): Promise<string[]> {
    const out: string[] = [];
    for await (const page of this.catalogPages(options)) out.push(...page);
    return out;
  }

  /** Releases the transport this registry created (not a shared one). */
  async close(): Promise<void> {
    await this.#ownTransport?.close();
  }
}
