import { baseName, parentPath } from '../walker/paths.js';
import { decodeText, parseStanzas } from './rfc822.js';
import type { Cataloger, Evidence, RawPackage } from './types.js';

const FOUND_BY = 'dpkg-db-cataloger';
const SOURCE_RE = /^(\S+)\s*\((\S+)\)\s*$/;

/** Parses a dpkg status file (or one `status.d/` entry) into packages; `deinstall` entries are dropped. */
export function parseDpkgStatus(text: string): { packages: RawPackage[]; malformed: number } {
  const { stanzas, malformed } = parseStanzas(text);
  const packages: RawPackage[] = [];
  let bad = malformed;
  for (const s of stanzas) {
    const name = s.get('Package');
    const version = s.get('Version');
    if (name === undefined || version === undefined || name === '' || version === '') {
      bad++;
      continue;
    }
    const status = s.get('Status') ?? '';
    if (
      /\bdeinstall\b/.test(status) ||
      /\bnot-installed\b/.test(status) ||
      /\bconfig-files\b/.test(status)
    ) {
      continue;
    }
    const arch = s.get('Architecture') ?? '';
    let source = s.get('Source') ?? '';
    let sourceVersion = '';
    const m = SOURCE_RE.exec(source);
    if (m !== null) {
      source = m[1] ?? '';
      sourceVersion = m[2] ?? '';
    }
    const qualifiers: Record<string, string> = {};
    if (arch !== '') qualifiers.arch = arch;
    // Syft's rule: `upstream` whenever Source is given, with `@version` when it has one.
    if (source !== '')
      qualifiers.upstream = sourceVersion !== '' ? `${source}@${sourceVersion}` : source;
    const metadata: Record<string, string> = {};
    if (arch !== '') metadata.architecture = arch;
    if (source !== '') metadata.source = source;
    if (sourceVersion !== '') metadata.sourceVersion = sourceVersion;
    const size = s.get('Installed-Size');
    if (size !== undefined) metadata.installedSize = size;
    const maintainer = s.get('Maintainer');
    const homepage = s.get('Homepage');
    const description = s.get('Description')?.split('\n')[0];
    packages.push({
      type: 'deb',
      name,
      version,
      foundBy: FOUND_BY,
      licenses: [],
      purl: { type: 'deb', name, version, qualifiers, distroScoped: true },
      ...(maintainer !== undefined ? { supplier: maintainer } : {}),
      ...(homepage !== undefined ? { homepage } : {}),
      ...(description !== undefined ? { description } : {}),
      metadata,
    });
  }
  return { packages, malformed: bad };
}

/** Extracts license short names from a Debian machine-readable copyright file. */
export function parseDebianCopyright(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^License:\s*(\S.*)$/.exec(line);
    if (m?.[1] !== undefined) out.add(m[1].trim());
    const c = /\/usr\/share\/common-licenses\/([A-Za-z0-9.+-]+)/.exec(line);
    if (c?.[1] !== undefined) out.add(c[1].replace(/\.$/, ''));
  }
  return [...out].sort();
}

function isStatus(path: string): boolean {
  return path.endsWith('/lib/dpkg/status') || path.endsWith('/lib/opkg/status');
}

function isStatusD(path: string): boolean {
  const dir = parentPath(path);
  return dir.endsWith('/lib/dpkg/status.d') && !path.endsWith('.md5sums');
}

export const dpkgCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => {
    if (isStatus(f.path) || isStatusD(f.path)) return true;
    if (f.path.endsWith('.list') && parentPath(f.path).endsWith('/lib/dpkg/info')) return true;
    return /^\/usr\/share\/doc\/[^/]+\/copyright$/.test(f.path) && f.size <= 1024 * 1024;
  },
  parse: (f, content): Evidence[] => {
    const text = decodeText(content);
    if (f.path.endsWith('/copyright')) {
      const pkg = baseName(parentPath(f.path));
      const licenses = parseDebianCopyright(text);
      return licenses.length > 0 ? [{ kind: 'dpkg-copyright', package: pkg, licenses }] : [];
    }
    if (f.path.endsWith('.list') && !isStatusD(f.path)) {
      const dbDir = parentPath(parentPath(f.path));
      const pkg = baseName(f.path).slice(0, -'.list'.length).split(':')[0] ?? '';
      const files = text.split('\n').filter((l) => l !== '' && l !== '/.');
      return [{ kind: 'dpkg-files', dbDir, package: pkg, files }];
    }
    const { packages, malformed } = parseDpkgStatus(text);
    if (packages.length === 0 && malformed > 0) {
      throw new TypeError(`no valid stanza (${malformed} malformed)`);
    }
    const dbDir = isStatus(f.path) ? parentPath(f.path) : parentPath(parentPath(f.path));
    return [
      {
        kind: 'packages',
        packages: packages.map((p) => ({ ...p, metadata: { ...p.metadata, dbDir } })),
      },
    ];
  },
};
