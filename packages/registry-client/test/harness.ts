// Test support: starts the CNCF distribution registry on 127.0.0.1 and a small token server.
import { execFileSync } from 'node:child_process';
import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '@wharf/testkit';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Locates a peer tool: `$WHARF_PEER_<NAME>`, else `<repo>/.peers/bin/<name>`. Returns undefined
 * when missing (for `skipIf`), or throws when `WHARF_REQUIRE_PEERS=1`.
 */
export function requirePeer(name: string): string | undefined {
  const fromEnv = process.env[`WHARF_PEER_${name.toUpperCase()}`];
  const candidate = fromEnv ?? join(repoRoot, '.peers', 'bin', name);
  if (existsSync(candidate)) return candidate;
  if (process.env['WHARF_REQUIRE_PEERS'] === '1')
    throw new Error(`peer tool ${name} is required but missing (${candidate})`);
  return undefined;
}

// The distribution registry and free ports come from @wharf/testkit, shared with other packages.
export {
  freePort,
  startDistribution as startRegistry,
  type DistributionAuth as RegistryAuth,
  type RunningDistribution as RunningRegistry,
} from '@wharf/testkit';

export interface TokenServer {
  readonly realm: string;
  readonly certFile: string;
  /** Token requests received, by method. */
  readonly requests: { method: string; scopes: string[]; grant?: string }[];
  /** Answer POSTs with 404 (no OAuth2). */
  oauth: boolean;
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server for distribution's `auth.token`: ES256 JWTs with an `x5c` self-signed
 * certificate that is also the registry's root bundle. Users: name → password; a refresh token
 * `rt-<user>` is issued on OAuth2 logins and accepted afterwards.
 */
export async function startTokenServer(
  users: Readonly<Record<string, string>>,
): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-tok-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=wharf-test-token',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(keyFile, 'utf8');
  const der = new X509Certificate(readFileSync(certFile)).raw;
  const requests: TokenServer['requests'] = [];
  const sign = (subject: string, scopes: string[]): string => {
    const header = { alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] };
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => {
      const m = /^([a-z()]+):(.+):([a-z*,]+)$/.exec(s);
      return m
        ? [
            {
              type: (m[1] ?? '').replace(/\(.*\)$/, ''),
              name: m[2],
              actions: (m[3] ?? '').split(','),
            },
          ]
        : [];
    });
    const claims = {
      iss: 'wharf-test-issuer',
      sub: subject,
      aud: 'wharf-test',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('SHA256').update(input).sign({ key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };
  const state = { oauth: true };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const reply = (status: number, value?: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(value ? JSON.stringify(value) : '');
      };
      if (req.method === 'POST') {
        const form = new URLSearchParams(body);
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        requests.push({ method: 'POST', scopes, grant: form.get('grant_type') ?? '' });
        if (!server.listening || !state.oauth) return reply(404);
        let user: string | undefined;
        if (form.get('grant_type') === 'password') {
          const u = form.get('username') ?? '';
          if (users[u] !== undefined && users[u] === form.get('password')) user = u;
        } else if (form.get('grant_type') === 'refresh_token') {
          const rt = form.get('refresh_token') ?? '';
          if (rt.startsWith('rt-') && users[rt.slice(3)] !== undefined) user = rt.slice(3);
        }
        if (!user) return reply(401, { error: 'invalid_grant' });
        return reply(200, {
          access_token: sign(user, scopes),
          expires_in: 300,
          refresh_token: `rt-${user}`,
        });
      }
      const scopes = url.searchParams.getAll('scope');
      requests.push({ method: 'GET', scopes });
      const authz = req.headers.authorization;
      let subject = '';
      if (authz) {
        const [u, p] = Buffer.from(authz.replace(/^Basic /, ''), 'base64')
          .toString()
          .split(':');
        if (u === undefined || users[u] === undefined || users[u] !== p)
          return reply(401, { errors: [{ code: 'UNAUTHORIZED' }] });
        subject = u;
      }
      // Anonymous users get nothing but an empty token (like Docker Hub for private repos).
      return reply(200, { token: sign(subject, subject ? scopes : []), expires_in: 300 });
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    get oauth() {
      return state.oauth;
    },
    set oauth(v: boolean) {
      state.oauth = v;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fetch wrapper that counts requests and lets a test rewrite responses. */
export function faultyFetch(
  rewrite: (
    url: URL,
    init: RequestInit | undefined,
    res: Response,
  ) => Response | Promise<Response> = (_u, _i, r) => r,
  before?: (url: URL, init: RequestInit | undefined) => Response | undefined,
): {
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  calls: { method: string; url: string; status: number }[];
} {
  const calls: { method: string; url: string; status: number }[] = [];
  return {
    calls,
    fetch: async (input, init) => {
      const url = new URL(input);
      const early = before?.(url, init);
      const res = early ?? (await fetch(url, init));
      const out = await rewrite(url, init, res);
      calls.push({ method: init?.method ?? 'GET', url: url.href, status: out.status });
      return out;
    },
  };
}
