import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { ConfigError } from './errors.js';

/** Who is calling. */
export interface Principal {
  readonly name: string;
}

/** An action on a resource, in Docker token-scope terms. */
export type RepositoryAction = 'pull' | 'push' | 'delete';

/** What a request needs. */
export type Scope =
  | {
      readonly type: 'repository';
      readonly name: string;
      readonly actions: readonly RepositoryAction[];
    }
  | { readonly type: 'registry'; readonly name: 'catalog' }
  | { readonly type: 'registry'; readonly name: 'base' }
  /** Maintenance (garbage collection trigger). */
  | { readonly type: 'registry'; readonly name: 'admin' };

export type AuthResult =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'authenticated'; readonly principal: Principal }
  | { readonly kind: 'invalid' };

/** Turns request credentials into a principal. Pluggable: token auth comes later. */
export interface Authenticator {
  authenticate(request: { readonly authorization: string | undefined }): Promise<AuthResult>;
  /** `WWW-Authenticate` value for a 401 on the given scopes. */
  challenge(scopes: readonly Scope[]): string;
}

/** Decides whether a principal (undefined = anonymous) may act on a scope. Pluggable (RBAC later). */
export interface Authorizer {
  authorize(principal: Principal | undefined, scope: Scope): Promise<boolean>;
}

/** Everyone is anonymous; used with {@link allowAll}. */
export const anonymousAuthenticator: Authenticator = {
  authenticate: () => Promise.resolve({ kind: 'anonymous' }),
  challenge: () => 'Basic realm="wharf"',
};

export const allowAll: Authorizer = { authorize: () => Promise.resolve(true) };

/** Authenticated principals may do anything; anonymous callers may pull when `anonymousPull`. */
export function authenticatedAuthorizer(options: { anonymousPull: boolean }): Authorizer {
  return {
    authorize(principal, scope) {
      if (principal) return Promise.resolve(true);
      if (!options.anonymousPull) return Promise.resolve(false);
      if (scope.type === 'registry') return Promise.resolve(scope.name === 'base');
      return Promise.resolve(scope.actions.every((a) => a === 'pull'));
    },
  };
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/**
 * HTTP Basic against an htpasswd file of bcrypt hashes (`user:$2y$…`, as `htpasswd -B` writes).
 * - Unknown users are compared against a dummy hash of the same cost, so timing does not tell
 *   whether a user exists.
 * - Successful checks are cached for 5 minutes under an HMAC of `user:password` with a per-process
 *   random key (bcrypt per request would cap throughput); failures are never cached.
 * - The file is re-read when its mtime changes.
 */
export class HtpasswdAuthenticator implements Authenticator {
  readonly #file: string;
  readonly #realm: string;
  readonly #key = randomBytes(32);
  readonly #cache = new Map<string, { user: string; expires: number; mac: Buffer }>();
  #users = new Map<string, string>();
  #mtimeMs = -1;
  #dummy = '';

  constructor(file: string, realm: string) {
    this.#file = file;
    this.#realm = realm;
    this.#load();
  }

  #load(): void {
    let st;
    try {
      st = statSync(this.#file);
    } catch (cause) {
      throw new ConfigError('HTPASSWD_INVALID', `cannot read htpasswd file ${this.#file}`, {
        cause,
      });
    }
    if (st.mtimeMs === this.#mtimeMs) return;
    const users = new Map<string, string>();
    let cost = 10;
    const lines = readFileSync(this.#file, 'utf8').split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      const user = line.slice(0, colon);
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !BCRYPT.test(hash)) {
        throw new ConfigError(
          'HTPASSWD_INVALID',
          `${this.#file}:${i + 1}: expected user:<bcrypt hash>`,
        );
      }
      users.set(user, hash);
      cost = Number(hash.slice(4, 6));
    });
    this.#users = users;
    this.#mtimeMs = st.mtimeMs;
    this.#cache.clear();
    this.#dummy = bcrypt.hashSync(randomBytes(16).toString('hex'), cost);
  }

  async authenticate(request: { readonly authorization: string | undefined }): Promise<AuthResult> {
    const header = request.authorization;
    if (!header) return { kind: 'anonymous' };
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m) return { kind: 'invalid' };
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'invalid' };
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    try {
      this.#load();
    } catch {
      return { kind: 'invalid' };
    }
    const mac = createHmac('sha256', this.#key).update(`${user}\0${password}`).digest();
    const cacheKey = mac.toString('base64');
    const hit = this.#cache.get(cacheKey);
    if (hit && hit.expires > Date.now() && hit.user === user && timingSafeEqual(hit.mac, mac)) {
      return { kind: 'authenticated', principal: { name: user } };
    }
    const hash = this.#users.get(user);
    const ok = await bcrypt.compare(password, hash ?? this.#dummy);
    if (!ok || hash === undefined) return { kind: 'invalid' };
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    this.#cache.set(cacheKey, { user, expires: Date.now() + CACHE_TTL_MS, mac });
    return { kind: 'authenticated', principal: { name: user } };
  }

  challenge(): string {
    return `Basic realm=${JSON.stringify(this.#realm)}`;
  }
}
