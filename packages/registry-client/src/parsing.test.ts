import { describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { parseChallenges } from './auth/challenge.js';
import { cleanScopes, repositoryScope, scopeKey } from './auth/scope.js';
import { TokenCache } from './auth/token-cache.js';
import { validateRealm } from './auth/token.js';
import { RegistryError, parseDistributionErrors, redactUrl } from './errors.js';
import { nextLink } from './internal/link.js';
import { parseResolveRule, parseRetryAfter } from './internal/transport.js';
import { isLocalhost, Registry } from './registry.js';
import { resolveLocation } from './uploads.js';
import { parseReferrersIndex } from './referrers.js';

describe('WWW-Authenticate parsing', () => {
  it('parses a bearer challenge with quoted params', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:samalba/my-app:pull,push"',
    );
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
  });
  it('parses escapes, unquoted values and several challenges', () => {
    const cs = parseChallenges(
      'Basic realm="a \\"q\\" b", Bearer realm=https://x/t,error=invalid_token',
    );
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[0]?.params['realm']).toBe('a "q" b');
    expect(cs[1]?.params).toEqual({ realm: 'https://x/t', error: 'invalid_token' });
  });
  it('tolerates garbage', () => {
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Bearer realm="unterminated')[0]?.scheme).toBe('bearer');
  });
});

describe('scopes', () => {
  it('merges actions per resource, sorted and de-duplicated', () => {
    expect(
      cleanScopes([
        'repository:a:push',
        'repository:a:pull',
        'repository:b:pull',
        'repository:a:pull',
      ]),
    ).toEqual(['repository:a:pull,push', 'repository:b:pull']);
    expect(cleanScopes(['repository:a:pull', 'repository:a:*'])).toEqual(['repository:a:*']);
    expect(scopeKey(['repository:b:pull', 'repository:a:pull push'.split(' ')[0] ?? ''])).toBe(
      'repository:a:pull repository:b:pull',
    );
    expect(repositoryScope('x/y', 'push', 'pull', 'push')).toBe('repository:x/y:pull,push');
  });
});

describe('token cache', () => {
  it('merges concurrent fetches of one key into one', async () => {
    const cache = new TokenCache();
    let calls = 0;
    const fetcher = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { token: 't', expiresIn: 60 };
    };
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.getOrFetch('k', fetcher)));
    expect(got).toEqual(Array(10).fill('t'));
    expect(calls).toBe(1);
    expect(cache.get('k')).toBe('t');
  });
  it('does not cache failures and expires tokens', async () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    await expect(cache.getOrFetch('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await cache.getOrFetch('k', () => Promise.resolve({ token: 'a', expiresIn: 60 }));
    now = 59_000;
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('realm validation', () => {
  const reg = new URL('https://registry.example/');
  it('refuses non-http schemes, downgrades and internal IPs', () => {
    expect(() => validateRealm('file:///etc/passwd', reg)).toThrow(/scheme/);
    expect(() => validateRealm('http://auth.example/token', reg)).toThrow(/plain-http/);
    expect(() => validateRealm('https://169.254.169.254/latest', reg)).toThrow(/internal/);
    expect(() => validateRealm('https://[::1]/t', reg)).toThrow(/internal/);
    expect(validateRealm('https://auth.example/token', reg).href).toBe(
      'https://auth.example/token',
    );
    expect(validateRealm('http://127.0.0.1:9/t', new URL('http://127.0.0.1:5000/')).port).toBe('9');
  });
});

describe('errors', () => {
  it('formats oras-style and picks the first code', () => {
    const errors = parseDistributionErrors(
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"x":1}}]}',
    );
    const err = new RegistryError('GET', 'http://r/v2/a/manifests/b', 404, errors);
    expect(err.message).toBe(
      'GET http://r/v2/a/manifests/b: 404 MANIFEST_UNKNOWN: manifest unknown',
    );
    expect(err.code).toBe('MANIFEST_UNKNOWN');
    expect(isWharfError(err, 'MANIFEST_UNKNOWN')).toBe(true);
    const bare = new RegistryError('HEAD', 'http://r/x', 502, parseDistributionErrors('<html>'));
    expect(bare.code).toBe('HTTP_502');
    expect(bare.message).toBe('HEAD http://r/x: 502 Bad Gateway');
    expect(parseDistributionErrors('{"errors":[{"code":"lower"}]}')).toEqual([]);
  });
  it('redacts secrets in URLs', () => {
    expect(redactUrl('https://u:p@h/x?token=abc&n=1')).toBe('https://h/x?token=REDACTED&n=1');
  });
});

describe('Link and Location', () => {
  const base = new URL('http://127.0.0.1:5000/v2/a/tags/list?n=2');
  it('follows same-origin next links only', () => {
    expect(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"', base)?.href).toBe(
      'http://127.0.0.1:5000/v2/a/tags/list?n=2&last=b',
    );
    expect(nextLink('<http://x/v2/a?last=b>; rel="prev"', base)).toBeUndefined();
    expect(nextLink(null, base)).toBeUndefined();
    expect(() => nextLink('<http://evil.example/v2/a/tags/list>; rel="next"', base)).toThrow(
      /another origin/,
    );
  });
  it('resolves upload locations and refuses other hosts and downgrades', () => {
    const req = new URL('https://reg.example/v2/a/blobs/uploads/');
    expect(resolveLocation('/v2/a/blobs/uploads/123?_state=x', req).href).toBe(
      'https://reg.example/v2/a/blobs/uploads/123?_state=x',
    );
    expect(resolveLocation('https://reg.example:443/v2/u', req).host).toBe('reg.example');
    const refused = (loc: string) => {
      try {
        resolveLocation(loc, req);
      } catch (err) {
        return isWharfError(err, 'LOCATION_REFUSED');
      }
      return false;
    };
    expect(refused('https://evil.example/v2/u')).toBe(true);
    expect(refused('http://reg.example/v2/u')).toBe(true);
    expect(refused('https://reg.example:8443/v2/u')).toBe(true);
    expect(refused('ftp://reg.example/v2/u')).toBe(true);
    expect(refused('/v2/a/blobs/uploads/../../../../admin/upload')).toBe(true);
    expect(refused('/v2/a/blobs/uploads/%2e%2e/%2E%2E/x')).toBe(true);
    expect(refused('/admin/upload')).toBe(true);
    expect(refused('https://reg.example/v2/../internal')).toBe(true);
    expect(refused('123?_state=x')).toBe(false);
    expect(() => resolveLocation(null, req)).toThrow(/without a Location/);
  });
});

describe('misc', () => {
  it('parses Retry-After', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
  it('uses plain http for localhost by default', () => {
    expect(isLocalhost('localhost:5000')).toBe(true);
    expect(isLocalhost('[::1]:5000')).toBe(true);
    expect(isLocalhost('127.0.0.1')).toBe(true);
    expect(isLocalhost('registry.example')).toBe(false);
    expect(new Registry('localhost:5000').baseUrl.href).toBe('http://localhost:5000/');
    expect(new Registry('docker.io').baseUrl.href).toBe('https://registry-1.docker.io/');
    expect(new Registry('127.0.0.1:5000', { plainHttp: false }).baseUrl.protocol).toBe('https:');
  });
  it('validates referrers index bodies', () => {
    const ok = new TextEncoder().encode(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"a/b","digest":"sha256:00","size":1,"artifactType":"x/y"}]}',
    );
    expect(parseReferrersIndex(ok, 'x')).toHaveLength(1);
    expect(() => parseReferrersIndex(new TextEncoder().encode('{"manifests":[1]}'), 'x')).toThrow(
      /not a valid/,
    );
  });
});

describe('--resolve rules', () => {
  it('parses host:port:address[:address_port], IPv6 in brackets, and refuses the rest', () => {
    expect(parseResolveRule('Reg.example:5000:127.0.0.1')).toEqual({
      host: 'reg.example',
      port: 5000,
      address: '127.0.0.1',
      addressPort: 5000,
    });
    expect(parseResolveRule('r:443:[::1]:8443')).toEqual({
      host: 'r',
      port: 443,
      address: '::1',
      addressPort: 8443,
    });
    for (const bad of ['r', 'r:443', 'r:x:1.2.3.4', 'r:443:', 'r:70000:1.2.3.4', 'r:1:a:0']) {
      expect(() => parseResolveRule(bad), bad).toThrow(/invalid --resolve/);
    }
  });
});
