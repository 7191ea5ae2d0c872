/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lowercased scheme: `basic`, `bearer`, or another. */
  readonly scheme: string;
  /** Auth params with lowercased names (`realm`, `service`, `scope`, `error`, …). */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/**
 * Parses a `WWW-Authenticate` header value (RFC 9110 §11.6.1) into its challenges. Supports
 * several challenges in one header, quoted strings with backslash escapes, and token68 values
 * (kept under the `token68` key). Unparsable tails are dropped rather than thrown.
 *
 * @example
 * parseChallenges('Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull,push"')
 * // [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a:pull,push' } }]
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  const quoted = (): string | undefined => {
    if (header[i] !== '"') return undefined;
    i++;
    let value = '';
    while (i < n) {
      const c = header[i] as string;
      if (c === '\\' && i + 1 < n) {
        value += header[i + 1];
        i += 2;
      } else if (c === '"') {
        i++;
        return value;
      } else {
        value += c;
        i++;
      }
    }
    return undefined;
  };
  while (i < n) {
    skipWs();
    while (i < n && header[i] === ',') {
      i++;
      skipWs();
    }
    const scheme = token();
    if (scheme === undefined) break;
    const params: Record<string, string> = {};
    skipWs();
    // Parameters: name=value pairs separated by commas, until the next scheme token.
    for (;;) {
      const save = i;
      skipWs();
      const name = token();
      if (name === undefined) {
        i = save;
        break;
      }
      skipWs();
      if (header[i] !== '=') {
        // A bare token: the next challenge's scheme (or a token68 without padding).
        i = save;
        break;
      }
      // token68 padding such as `abc==`: '=' followed by '=' or end/comma.
      i++;
      skipWs();
      let value: string | undefined;
      if (header[i] === '"') {
        value = quoted();
      } else {
        // Lenient: unquoted values up to the next comma or space (some servers send URLs).
        const startValue = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
        value = i > startValue ? header.slice(startValue, i) : undefined;
      }
      if (value === undefined) {
        i = n;
        break;
      }
      params[name.toLowerCase()] = value;
      skipWs();
      if (header[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    out.push({ scheme: scheme.toLowerCase(), params });
    skipWs();
  }
  return out;
}

/** Reads all `WWW-Authenticate` challenges of a response (several headers are joined by `,`). */
export function challengesOf(headers: { get(name: string): string | null }): Challenge[] {
  const value = headers.get('www-authenticate');
  return value ? parseChallenges(value) : [];
}
