import { RegistryClientError } from '../errors.js';

/**
 * Returns the `rel="next"` target of a `Link` header (RFC 8288), resolved against `base`, or
 * undefined when there is none. Only the `<…>` form is accepted. The next page must stay on the
 * origin of `base` (anti-SSRF, as oras-go).
 *
 * @throws RegistryClientError `PAGINATION_INVALID` for a next link on another origin
 */
export function nextLink(header: string | null, base: URL): URL | undefined {
  if (!header) return undefined;
  for (const part of splitLinks(header)) {
    const m = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(part);
    if (!m) continue;
    const params = (m[2] ?? '').split(';').map((p) => p.trim());
    const isNext = params.some((p) =>
      /^rel\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1]?.split(/\s+/).includes('next'),
    );
    if (!isNext) continue;
    let url: URL;
    try {
      url = new URL(m[1] ?? '', base);
    } catch (err) {
      throw new RegistryClientError('PAGINATION_INVALID', 'invalid Link header target', {
        cause: err,
      });
    }
    if (url.origin !== base.origin) {
      throw new RegistryClientError(
        'PAGINATION_INVALID',
        `refusing to follow a Link to another origin (${url.origin}, expected ${base.origin})`,
      );
    }
    return url;
  }
  return undefined;
}

function splitLinks(header: string): string[] {
  // Commas may appear inside <…>; split only outside angle brackets and quotes.
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      out.push(header.slice(start, i));
      start = i + 1;
    }
  }
  out.push(header.slice(start));
  return out;
}
