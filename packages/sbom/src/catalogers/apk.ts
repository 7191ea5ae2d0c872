import { decodeText } from './rfc822.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'apk-db-cataloger';

/** Parses `/lib/apk/db/installed` (blank-line separated records of `K:value` lines). */
export function parseApkInstalled(text: string): RawPackage[] {
  const out: RawPackage[] = [];
  for (const record of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    const files: string[] = [];
    let dir = '';
    for (const line of record.split('\n')) {
      if (line.length < 2 || line[1] !== ':') continue;
      const key = line[0] ?? '';
      const value = line.slice(2);
      if (key === 'F') dir = value;
      else if (key === 'R') files.push(`/${dir === '' ? '' : dir + '/'}${value}`);
      else if (!fields.has(key)) fields.set(key, value);
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (name === undefined || version === undefined) continue;
    const arch = fields.get('A') ?? '';
    const origin = fields.get('o') ?? '';
    const qualifiers: Record<string, string> = {};
    if (arch !== '') qualifiers.arch = arch;
    if (origin !== '' && origin !== name) qualifiers.upstream = origin;
    const metadata: Record<string, string> = {};
    for (const [k, label] of [
      ['A', 'architecture'],
      ['o', 'originPackage'],
      ['C', 'checksum'],
      ['c', 'gitCommit'],
      ['S', 'size'],
      ['I', 'installedSize'],
    ] as const) {
      const v = fields.get(k);
      if (v !== undefined) metadata[label] = v;
    }
    const license = fields.get('L');
    const url = fields.get('U');
    const desc = fields.get('T');
    const maint = fields.get('m');
    out.push({
      type: 'apk',
      name,
      version,
      foundBy: FOUND_BY,
      licenses: license !== undefined && license !== '' ? [license] : [],
      purl: { type: 'apk', name, version, qualifiers, distroScoped: true },
      files: files.sort(),
      ...(maint !== undefined ? { supplier: maint } : {}),
      ...(url !== undefined ? { homepage: url } : {}),
      ...(desc !== undefined ? { description: desc } : {}),
      metadata,
    });
  }
  return out;
}

export const apkCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => f.path.endsWith('/lib/apk/db/installed'),
  parse: (_f, content) => [{ kind: 'packages', packages: parseApkInstalled(decodeText(content)) }],
};
