import { isIP } from 'node:net';
import { RegistryClientError, redactUrl } from '../errors.js';
import { readBodyCapped, discardBody } from '../internal/body.js';
import type { ResponseLike } from '../internal/response.js';
import type { Transport } from '../internal/transport.js';

/** Credentials for one registry (oras-go `auth.Credential`). */
export interface Credential {
  readonly username?: string;
  readonly password?: string;
  /** An identity / refresh token (docker `identitytoken`); used with the OAuth2 POST flow. */
  readonly refreshToken?: string;
  /** A bearer token used as is (docker `registrytoken`). */
  readonly accessToken?: string;
}

/** Largest accepted token response (oras-go: 128 KiB). */
export const MAX_TOKEN_RESPONSE_BYTES = 128 * 1024;

/** A fetched token with its lifetime in seconds, and a refresh token when the server sent one. */
export interface TokenResult {
  readonly token: string;
  readonly expiresIn: number;
  readonly refreshToken?: string;
}

/** Parameters of one token request. */
export interface TokenRequest {
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  readonly credential: Credential | undefined;
  /** The registry URL the challenge came from (for realm validation). */
  readonly registryUrl: URL;
  readonly registry: string;
  readonly clientId: string;
  readonly forceOAuth2: boolean;
  /** Ask for a refresh token (login). */
  readonly offline?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Validates a token realm: http(s) only, no https→http downgrade from the registry, and no
 * private, loopback or link-local IP literal unless the registry itself is on that host.
 *
 * @throws RegistryClientError `AUTH_CHALLENGE_INVALID`
 */
export function validateRealm(realm: string, registryUrl: URL): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch (err) {
    throw new RegistryClientError(
      'AUTH_CHALLENGE_INVALID',
      `invalid token realm ${JSON.stringify(realm.slice(0, 200))}`,
      { cause: err },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryClientError(
      'AUTH_CHALLENGE_INVALID',
      `refusing token realm with scheme ${url.protocol}`,
    );
  }
  if (registryUrl.protocol === 'https:' && url.protocol === 'http:') {
    throw new RegistryClientError(
      'AUTH_CHALLENGE_INVALID',
      `refusing plain-http token realm ${redactUrl(url)} for a registry reached over https`,
    );
  }
  if (url.username || url.password) {
    throw new RegistryClientError(
      'AUTH_CHALLENGE_INVALID',
      'refusing a token realm with embedded credentials',
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isInternalIp(host) && host !== registryUrl.hostname.replace(/^\[|\]$/g, '')) {
    throw new RegistryClientError(
      'AUTH_CHALLENGE_INVALID',
      `refusing token realm on internal address ${host}`,
    );
  }
  return url;
}

function isInternalIp(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  const lower = ip.toLowerCase();
  if (lower === '::' || lower === '::1') return true;
  if (lower.startsWith('::ffff:')) return isInternalIp(lower.slice(7));
  return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/**
 * Fetches a bearer token: the credential's access token as is; OAuth2 POST with a refresh token
 * (or with a password when `forceOAuth2`), falling back to GET on 404; else the GET flow with
 * Basic credentials (anonymous without them).
 *
 * @throws RegistryClientError `UNAUTHORIZED`, `TOKEN_RESPONSE_INVALID`, `AUTH_CHALLENGE_INVALID`
 */
export async function fetchToken(transport: Transport, req: TokenRequest): Promise<TokenResult> {
  const cred = req.credential;
  if (cred?.accessToken) return { token: cred.accessToken, expiresIn: 3600 };
  const realm = validateRealm(req.realm, req.registryUrl);
  const hasPassword = Boolean(cred?.username) && cred?.password !== undefined;
  if (cred?.refreshToken || (req.forceOAuth2 && hasPassword)) {
    const result = await postToken(transport, realm, req);
    if (result !== undefined) return result;
    if (!hasPassword) {
      throw new RegistryClientError(
        'UNAUTHORIZED',
        `token server ${redactUrl(realm)} does not support OAuth2 and no password is available for ${req.registry}`,
      );
    }
  }
  return getToken(transport, realm, req);
}

async function getToken(transport: Transport, realm: URL, req: TokenRequest): Promise<TokenResult> {
  const url = new URL(realm);
  if (req.service !== undefined) url.searchParams.set('service', req.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  if (req.offline) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', req.clientId);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  const cred = req.credential;
  if (cred?.username && cred.password !== undefined) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
  }
  const { response } = await transport.send({ method: 'GET', url, headers, signal: req.signal });
  return parseTokenResponse(response, 'GET', url, req);
}

async function postToken(
  transport: Transport,
  realm: URL,
  req: TokenRequest,
): Promise<TokenResult | undefined> {
  const form = new URLSearchParams();
  const cred = req.credential;
  if (cred?.refreshToken) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', cred.refreshToken);
  } else {
    form.set('grant_type', 'password');
    form.set('username', cred?.username ?? '');
    form.set('password', cred?.password ?? '');
  }
  if (req.service !== undefined) form.set('service', req.service);
  form.set('client_id', req.clientId);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  if (req.offline) form.set('access_type', 'offline');
  const { response } = await transport.send({
    method: 'POST',
    url: realm,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new TextEncoder().encode(form.toString()),
    signal: req.signal,
  });
  if (response.status === 404) {
    await discardBody(response);
    return undefined;
  }
  return parseTokenResponse(response, 'POST', realm, req);
}

async function parseTokenResponse(
  response: ResponseLike,
  method: string,
  url: URL,
  req: TokenRequest,
): Promise<TokenResult> {
  const shown = redactUrl(url);
  if (response.status === 401 || response.status === 403) {
    await discardBody(response);
    const who = req.credential?.username
      ? `user ${JSON.stringify(req.credential.username)}`
      : 'anonymous access';
    throw new RegistryClientError(
      'UNAUTHORIZED',
      `${req.registry}: authentication failed: the token server refused ${who} (${method} ${shown}: ${response.status}); check the username and password`,
      { detail: { registry: req.registry, status: response.status } },
    );
  }
  if (response.status !== 200) {
    await discardBody(response);
    throw new RegistryClientError(
      'TOKEN_RESPONSE_INVALID',
      `${method} ${shown}: unexpected status ${response.status} from the token server`,
    );
  }
  const bytes = await readBodyCapped(
    response,
    MAX_TOKEN_RESPONSE_BYTES,
    () =>
      new RegistryClientError(
        'TOKEN_RESPONSE_INVALID',
        `${method} ${shown}: token response exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`,
      ),
  );
  let body: {
    token?: unknown;
    access_token?: unknown;
    expires_in?: unknown;
    refresh_token?: unknown;
  };
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof body;
  } catch (err) {
    throw new RegistryClientError(
      'TOKEN_RESPONSE_INVALID',
      `${method} ${shown}: token response is not JSON`,
      { cause: err },
    );
  }
  const token =
    typeof body.access_token === 'string' && body.access_token ? body.access_token : body.token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryClientError(
      'TOKEN_RESPONSE_INVALID',
      `${method} ${shown}: token response has no token`,
    );
  }
  const expiresIn =
    typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
  return {
    token,
    expiresIn,
    ...(typeof body.refresh_token === 'string' && body.refresh_token
      ? { refreshToken: body.refresh_token }
      : {}),
  };
}
