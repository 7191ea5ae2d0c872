import type { Distro } from '../types.js';
import { decodeText } from './rfc822.js';
import type { Cataloger } from './types.js';

/** Paths read for the distro, in Syft's order. */
export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;

/** Parses the shell-style `KEY=value` lines of os-release(5). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    out[key] = value;
  }
  return out;
}

export function distroFromFields(fields: Readonly<Record<string, string>>): Distro | undefined {
  const id = fields.ID;
  if (id === undefined || id === '') return undefined;
  const versionId = fields.VERSION_ID ?? fields.BUILD_ID;
  return {
    id: id.toLowerCase(),
    ...(versionId !== undefined && versionId !== '' ? { versionId } : {}),
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter((s) => s !== ''),
    ...(fields.PRETTY_NAME !== undefined ? { prettyName: fields.PRETTY_NAME } : {}),
    ...(fields.VERSION_CODENAME !== undefined ? { versionCodename: fields.VERSION_CODENAME } : {}),
  };
}

export const osReleaseCataloger: Cataloger = {
  name: 'os-release',
  match: (f) => (OS_RELEASE_PATHS as readonly string[]).includes(f.path) && f.size <= 64 * 1024,
  parse: (_f, content) => [{ kind: 'os-release', fields: parseOsRelease(decodeText(content)) }],
};
