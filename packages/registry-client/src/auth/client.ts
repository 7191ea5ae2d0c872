import { noopLogger, type Logger } from '@wharf/core';
import { RegistryClientError, registryErrorFromResponse, redactUrl } from '../errors.js';
import type { HttpRequest, HttpResponse, Transport } from '../internal/transport.js';
import { challengesOf, type Challenge } from './challenge.js';
import { cleanScopes } from './scope.js';
import { TokenCache } from './token-cache.js';
import { fetchToken, type Credential } from './token.js';
import { discardBody } from '../internal/body.js';

/** Looks up the credential of a registry (`host[:port]` as written in references). */
export type CredentialFunc = (registry: string) => Promise<Credential | undefined>;

/** Options of {@link AuthClient}. */
export interface AuthOptions {
  /** A fixed credential, or a lookup such as {@link CredentialStore.get}. Default: anonymous. */
  readonly credentials?: Credential | CredentialFunc;
  /** OAuth2 `client_id`; default `wharf`. */
  readonly clientId?: string;
  /** Use the OAuth2 password grant even without a refresh token. */
  readonly forceOAuth2?: boolean;
  readonly logger?: Logger;
}

interface BearerParams {
  readonly realm: string;
  readonly service: string | undefined;
}

/**
 * Authenticates requests to one registry: anonymous, Basic, or Docker bearer tokens cached per
 * scope set. The scheme and realm learnt from the first challenge are reused, so later requests
 * fetch their token up front instead of collecting a 401 first. A request refused after
 * authenticating is not retried again: it fails with `UNAUTHORIZED`.
 */
export class AuthClient {
  readonly #transport: Transport;
  readonly #registry: string;
  readonly #registryUrl: URL;
  readonly #credentials: CredentialFunc;
  readonly #clientId: string;
  readonly #forceOAuth2: boolean;
  readonly #logger: Logger;
  readonly #tokens = new TokenCache();
  #scheme: 'basic' | 'bearer' | undefined;
  #bearer: BearerParams | undefined;
  #credential: Promise<Credential | undefined> | undefined;

  constructor(transport: Transport, registry: string, registryUrl: URL, options: AuthOptions = {}) {
    this.#transport = transport;
    this.#registry = registry;
    this.#registryUrl = registryUrl;
    const creds = options.credentials;
    this.#credentials = typeof creds === 'function' ? creds : () => Promise.resolve(creds);
    this.#clientId = options.clientId ?? 'wharf';
    this.#forceOAuth2 = options.forceOAuth2 ?? false;
    this.#logger = options.logger ?? noopLogger;
  }

  /** The transport requests go through. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Sends `req` with the credentials for `scopes`, answering one 401 challenge.
   * @throws RegistryClientError `UNAUTHORIZED` when the registry refuses the credentials
   */
  async send(req: HttpRequest, scopes: readonly string[]): Promise<HttpResponse> {
    const authorization = await this.#cachedAuthorization(scopes, req.signal);
    const first = await this.#transport.send(withAuth(req, authorization));
    if (first.response.status !== 401 || first.crossedOrigin) return first;
    const challenge = pickChallenge(challengesOf(first.response.headers));
    if (!challenge) return first;
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    if (!replayable) return first;
    await discardBody(first.response);
    const retryAuth = await this.#answer(challenge, scopes, req.signal, authorization);
    const second = await this.#transport.send(withAuth(req, retryAuth));
    if (second.response.status !== 401 || second.crossedOrigin) return second;
    // Refused after authenticating: forget what we sent and stop (no retry storm).
    this.#forget(challenge, scopes);
    const cause = await registryErrorFromResponse(req.method, second.url.href, second.response);
    const cred = await this.#credential;
    const hint = cred?.username
      ? `the credentials of user ${JSON.stringify(cred.username)} were rejected`
      : cred?.refreshToken || cred?.accessToken
        ? 'the stored token was rejected'
        : 'no credentials are configured (run login)';
    throw new RegistryClientError(
      'UNAUTHORIZED',
      `${req.method} ${redactUrl(second.url)}: 401 UNAUTHORIZED: authentication required: ${hint}`,
      { cause, detail: { registry: this.#registry, status: 401 } },
    );
  }

  /** Forgets cached tokens and the learnt scheme (e.g. after login). */
  reset(): void {
    this.#scheme = undefined;
    this.#bearer = undefined;
    this.#credential = undefined;
  }

  #getCredential(): Promise<Credential | undefined> {
    this.#credential ??= this.#credentials(this.#registry).catch((err: unknown) => {
      this.#credential = undefined;
      throw err;
    });
    return this.#credential;
  }

  async #cachedAuthorization(
    scopes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    if (this.#scheme === 'basic') return basicHeader(await this.#getCredential());
    if (this.#scheme === 'bearer' && this.#bearer) {
      const key = cleanScopes(scopes).join(' ');
      return `Bearer ${await this.#token(this.#bearer, key, signal)}`;
    }
    return undefined;
  }

  async #answer(
    challenge: Challenge,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
    previous: string | undefined,
  ): Promise<string> {
    if (challenge.scheme === 'basic') {
      const header = basicHeader(await this.#getCredential());
      if (header === undefined) {
        throw new RegistryClientError(
          'UNAUTHORIZED',
          `${this.#registry}: basic authentication required, but no username and password are configured (run login)`,
          {
            detail: { registry: this.#registry },
          },
        );
      }
      if (header === previous) {
        throw new RegistryClientError(
          'UNAUTHORIZED',
          `${this.#registry}: the registry refused the credentials of the configured user; check the username and password`,
          {
            detail: { registry: this.#registry },
          },
        );
      }
      this.#scheme = 'basic';
      return header;
    }
    const realm = challenge.params['realm'];
    if (!realm) {
      throw new RegistryClientError(
        'AUTH_CHALLENGE_INVALID',
        `${this.#registry}: bearer challenge without a realm`,
      );
    }
    const params: BearerParams = { realm, service: challenge.params['service'] };
    const challenged = challenge.params['scope']?.split(' ') ?? [];
    const requestKey = cleanScopes(scopes).join(' ');
    const mergedKey = cleanScopes([...scopes, ...challenged]).join(' ');
    // A cached token for this key was just refused: fetch a fresh one.
    this.#tokens.delete(requestKey);
    this.#tokens.delete(mergedKey);
    this.#scheme = 'bearer';
    this.#bearer = params;
    const token = await this.#token(params, mergedKey, signal);
    if (mergedKey !== requestKey) this.#tokens.set(requestKey, token, 55);
    return `Bearer ${token}`;
  }

  async #token(
    params: BearerParams,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    return this.#tokens.getOrFetch(key, async () => {
      const credential = await this.#getCredential();
      this.#logger.debug({ registry: this.#registry, scopes: key }, 'fetching token');
      return fetchToken(this.#transport, {
        realm: params.realm,
        service: params.service,
        scopes: key === '' ? [] : key.split(' '),
        credential,
        registryUrl: this.#registryUrl,
        registry: this.#registry,
        clientId: this.#clientId,
        forceOAuth2: this.#forceOAuth2,
        signal,
      });
    });
  }

  #forget(challenge: Challenge, scopes: readonly string[]): void {
    if (challenge.scheme === 'bearer') {
      const challenged = challenge.params['scope']?.split(' ') ?? [];
      this.#tokens.delete(cleanScopes(scopes).join(' '));
      this.#tokens.delete(cleanScopes([...scopes, ...challenged]).join(' '));
    }
  }
}

function withAuth(req: HttpRequest, authorization: string | undefined): HttpRequest {
  if (authorization === undefined) return req;
  return { ...req, headers: { ...req.headers, authorization } };
}

function basicHeader(cred: Credential | undefined): string | undefined {
  if (!cred?.username || cred.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
  );
}
