import { WharfError } from '@wharf/core';
import { discardBody } from './internal/body.js';
import { bodyChunks, type ResponseLike } from './internal/response.js';

/** One entry of a distribution-spec error body `{"errors":[{code,message,detail}]}`. */
export interface DistributionError {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/**
 * An HTTP request the registry answered with an unexpected status. Printed the way oras does:
 * `GET <url>: 404 MANIFEST_UNKNOWN: manifest unknown`. Its `code` is the first distribution
 * error code of the body, or `HTTP_<status>` when the body has none.
 *
 * @example
 * if (isWharfError(err, 'MANIFEST_UNKNOWN')) console.error(err.message);
 */
export class RegistryError extends WharfError<string> {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly errors: readonly DistributionError[];

  constructor(
    method: string,
    url: string,
    status: number,
    errors: readonly DistributionError[],
    options: { cause?: unknown; message?: string } = {},
  ) {
    const code = errors[0]?.code ?? `HTTP_${status}`;
    super(code, options.message ?? formatRegistryError(method, url, status, errors), {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      detail: { method, url, status },
    });
    this.method = method;
    this.url = url;
    this.status = status;
    this.errors = errors;
  }
}

/** Codes of failures detected on the client side (transport, auth, protocol, credentials). */
export type RegistryClientErrorCode =
  /** Authentication failed: wrong credentials, or the token server refused them. */
  | 'UNAUTHORIZED'
  /** The `WWW-Authenticate` challenge or token realm is unusable or unsafe. */
  | 'AUTH_CHALLENGE_INVALID'
  /** The token server's answer is malformed or too large. */
  | 'TOKEN_RESPONSE_INVALID'
  /** More than the allowed number of redirects, or a redirect back to a visited URL. */
  | 'REDIRECT_LOOP'
  /** A redirect that cannot be followed (missing Location, body not replayable, downgrade). */
  | 'REDIRECT_INVALID'
  /** An upload `Location` on another host or downgrading https to http. */
  | 'LOCATION_REFUSED'
  /** A response that breaks the distribution spec (missing header, bad Content-Type, …). */
  | 'PROTOCOL_ERROR'
  /** Pagination went past the page cap or left the registry's origin. */
  | 'PAGINATION_INVALID'
  /** Network failure after all retries. */
  | 'NETWORK_ERROR'
  /** No response headers within the timeout. */
  | 'TIMEOUT'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** The referrers tag index could not be updated without losing a concurrent update. */
  | 'REFERRERS_CONFLICT'
  /** docker config.json is unreadable or malformed. */
  | 'CONFIG_INVALID'
  /** A docker-credential-* helper failed. */
  | 'CREDENTIAL_HELPER_FAILED'
  /** An invalid option (bad TLS file, bad reference, …). */
  | 'INVALID_OPTION';

/** A client-side registry failure with a closed code. */
export class RegistryClientError extends WharfError<RegistryClientErrorCode> {}

/** Renders `METHOD url: status CODE: message` (oras style). */
export function formatRegistryError(
  method: string,
  url: string,
  status: number,
  errors: readonly DistributionError[],
): string {
  const head = `${method} ${url}: ${status}`;
  if (errors.length === 0) return `${head} ${httpStatusText(status)}`.trimEnd();
  const parts = errors.map((e) => {
    const code = e.code;
    const message = e.message;
    return message ? `${code}: ${message}` : code;
  });
  return `${head} ${parts.join('; ')}`;
}

function httpStatusText(status: number): string {
  const texts: Readonly<Record<number, string>> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Payload Too Large',
    416: 'Range Not Satisfiable',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[status] ?? '';
}

const CODE_PATTERN = /^[A-Z0-9_]{1,64}$/;
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Parses a distribution error body. Anything that is not the documented JSON shape yields `[]`.
 * Codes must be uppercase letters, digits and `_`; messages are cut to 1,000 characters.
 */
export function parseDistributionErrors(text: string): DistributionError[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const list = (value as { errors?: unknown }).errors;
  if (!Array.isArray(list)) return [];
  const out: DistributionError[] = [];
  for (const item of list.slice(0, 20)) {
    if (typeof item !== 'object' || item === null) continue;
    const { code, message, detail } = item as {
      code?: unknown;
      message?: unknown;
      detail?: unknown;
    };
    if (typeof code !== 'string' || !CODE_PATTERN.test(code)) continue;
    out.push({
      code,
      message: typeof message === 'string' ? message.slice(0, 1000) : '',
      ...(detail === undefined || detail === null ? {} : { detail }),
    });
  }
  return out;
}

/**
 * Builds a {@link RegistryError} from a failed response, reading at most 64 KiB of its body.
 * The body is always consumed or cancelled so the connection can be reused.
 */
export async function registryErrorFromResponse(
  method: string,
  url: string,
  response: ResponseLike,
): Promise<RegistryError> {
  let text = '';
  if (method !== 'HEAD') {
    text = await readTextCapped(response, MAX_ERROR_BODY);
  } else {
    await discardBody(response);
  }
  return new RegistryError(method, redactUrl(url), response.status, parseDistributionErrors(text));
}

async function readTextCapped(response: ResponseLike, cap: number): Promise<string> {
  const body = bodyChunks(response);
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body.chunks) {
      chunks.push(chunk);
      total += chunk.byteLength;
      if (total >= cap) break;
    }
  } catch {
    // A broken error body is not worth a second error.
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

const SECRET_QUERY_KEYS =
  /^(?:token|access_token|refresh_token|password|x-amz-signature|x-amz-credential|x-amz-security-token|sig|signature|se|st|_state)$/i;

/** Drops userinfo and the values of secret-looking query parameters from a URL for display. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return String(url);
  }
  u.username = '';
  u.password = '';
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) u.searchParams.set(key, 'REDACTED');
  }
  return u.toString();
}
