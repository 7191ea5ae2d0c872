/** A cached bearer token. */
interface Entry {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Bearer tokens of one registry, keyed by the cleaned scope key. Concurrent fetches of one key
 * are merged: ten parallel requests needing the same token cause one token request.
 */
export class TokenCache {
  readonly #tokens = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A valid cached token for `key`, if any. */
  get(key: string): string | undefined {
    const entry = this.#tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** Stores a token valid for `expiresInSeconds` (a 10 % safety margin is applied). */
  set(key: string, token: string, expiresInSeconds: number): void {
    const ms = Math.max(1, expiresInSeconds) * 1000;
    this.#tokens.set(key, { token, expiresAt: this.#now() + ms - Math.min(ms * 0.1, 30_000) });
  }

  /** Forgets the token of `key` (after the registry refused it). */
  delete(key: string): void {
    this.#tokens.delete(key);
  }

  /**
   * Returns the cached token of `key`, or runs `fetchToken` once for all concurrent callers.
   * A failed fetch is not cached.
   */
  async getOrFetch(
    key: string,
    fetchToken: () => Promise<{ token: string; expiresIn: number }>,
  ): Promise<string> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = fetchToken().then(
        ({ token, expiresIn }) => {
          this.set(key, token, expiresIn);
          this.#pending.delete(key);
          return token;
        },
        (err: unknown) => {
          this.#pending.delete(key);
          throw err;
        },
      );
      this.#pending.set(key, pending);
    }
    return pending;
  }
}
