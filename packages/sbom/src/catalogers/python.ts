import { decodeText, parseStanzas } from './rfc822.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'python-installed-package-cataloger';

/** pypi purl names are lower-case with runs of `-_.` folded to `-` (PEP 503). */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Parses a `METADATA` / `PKG-INFO` file (core metadata, RFC 822 headers). */
export function parsePythonMetadata(text: string): RawPackage | undefined {
  const { stanzas } = parseStanzas(text, { single: true });
  const s = stanzas[0];
  const name = s?.get('Name');
  const version = s?.get('Version');
  if (
    s === undefined ||
    name === undefined ||
    version === undefined ||
    name === '' ||
    version === ''
  ) {
    return undefined;
  }
  const licenses: string[] = [];
  const expr = s.get('License-Expression');
  const lic = s.get('License');
  if (expr !== undefined && expr !== '') licenses.push(expr);
  else if (lic !== undefined && lic !== '' && lic !== 'UNKNOWN' && !lic.includes('\n'))
    licenses.push(lic);
  else {
    for (const c of (s.get('Classifier') ?? '').split('\n')) {
      const m = /^License :: OSI Approved :: (.+)$/.exec(c.trim());
      if (m?.[1] !== undefined) licenses.push(m[1]);
    }
  }
  const author = s.get('Author') ?? s.get('Author-email');
  const home = s.get('Home-page');
  const summary = s.get('Summary');
  return {
    type: 'python',
    name,
    version,
    foundBy: FOUND_BY,
    licenses,
    purl: { type: 'pypi', name: normalizePypiName(name), version },
    ...(author !== undefined && author !== '' ? { supplier: author } : {}),
    ...(home !== undefined && home !== '' ? { homepage: home } : {}),
    ...(summary !== undefined && summary !== '' ? { description: summary } : {}),
    metadata: {},
    cpe: {
      vendors: [name.toLowerCase(), `python-${name.toLowerCase()}`],
      products: [name.toLowerCase()],
    },
  };
}

export const pythonCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) =>
    f.size <= 8 * 1024 * 1024 &&
    (/\.dist-info\/METADATA$/i.test(f.path) ||
      /\.egg-info\/PKG-INFO$/i.test(f.path) ||
      /\.egg-info$/i.test(f.path)),
  parse: (_f, content) => {
    const p = parsePythonMetadata(decodeText(content));
    return p === undefined ? [] : [{ kind: 'packages', packages: [p] }];
  },
};
