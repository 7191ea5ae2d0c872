import { decodeText } from './rfc822.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'ruby-installed-gemspec-cataloger';

function rubyStrings(expr: string): string[] {
  return [...expr.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
}

/**
 * Reads an installed gem's specification (`specifications/<gem>.gemspec`, the Ruby file RubyGems
 * writes at install time): `s.name`, `s.version`, `s.licenses`/`s.license`, `s.authors`, `s.homepage`.
 */
export function parseGemspec(text: string): RawPackage | undefined {
  const fields = new Map<string, string>();
  for (const m of text.matchAll(/^\s*\w+\.(\w+)\s*=\s*(.+)$/gm)) {
    if (m[1] !== undefined && m[2] !== undefined && !fields.has(m[1])) fields.set(m[1], m[2]);
  }
  const name = rubyStrings(fields.get('name') ?? '')[0];
  const versionExpr = fields.get('version') ?? '';
  const version = rubyStrings(versionExpr)[0];
  if (name === undefined || version === undefined || name === '' || version === '')
    return undefined;
  const licenses = rubyStrings(fields.get('licenses') ?? fields.get('license') ?? '');
  const authors = rubyStrings(fields.get('authors') ?? '');
  const homepage = rubyStrings(fields.get('homepage') ?? '')[0];
  const summary = rubyStrings(fields.get('summary') ?? '')[0];
  return {
    type: 'gem',
    name,
    version,
    foundBy: FOUND_BY,
    licenses,
    purl: { type: 'gem', name, version },
    ...(authors.length > 0 ? { supplier: authors.join(', ') } : {}),
    ...(homepage !== undefined ? { homepage } : {}),
    ...(summary !== undefined ? { description: summary } : {}),
    metadata: {},
    cpe: { vendors: [name], products: [name] },
  };
}

export const rubyCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => /\/specifications\/(.+\/)?[^/]+\.gemspec$/.test(f.path) && f.size <= 1024 * 1024,
  parse: (_f, content) => {
    const p = parseGemspec(decodeText(content));
    return p === undefined ? [] : [{ kind: 'packages', packages: [p] }];
  },
};
