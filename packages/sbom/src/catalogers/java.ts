import { baseName } from '../walker/paths.js';
import type { Cataloger, RawPackage } from './types.js';
import { zipEntries, zipRead, type ZipEntry } from './zip.js';

const FOUND_BY = 'java-archive-cataloger';
const ARCHIVE_RE = /\.(jar|war|ear|par|sar|nar|jpi|hpi|kar|far|lpkg|rar|zap)$/i;
const MAX_DEPTH = 4;
const MAX_MEMBER = 32 * 1024 * 1024;

/** Parses MANIFEST.MF main attributes (72-byte lines continued with a leading space). */
export function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // main section ends at the first blank line
    if (line.startsWith(' ') && last !== undefined) {
      out[last] = (out[last] ?? '') + line.slice(1);
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).trim();
    out[last] = line.slice(i + 1).trim();
  }
  return out;
}

/** Parses a Java `.properties` file (only `key=value` / `key: value` lines). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** Splits `commons-lang3-3.12.0.jar` into name and version. */
export function nameVersionFromFile(file: string): { name: string; version: string } {
  const stem = file.replace(ARCHIVE_RE, '');
  const m = /^(.+?)-(\d[\w.+-]*)$/.exec(stem);
  return m?.[1] !== undefined ? { name: m[1], version: m[2] ?? '' } : { name: stem, version: '' };
}

function mavenPackage(
  group: string,
  artifact: string,
  version: string,
  licenses: string[],
  meta: Record<string, string>,
): RawPackage {
  return {
    type: 'java-archive',
    name: artifact,
    version,
    foundBy: FOUND_BY,
    licenses,
    purl: { type: 'maven', ...(group !== '' ? { namespace: group } : {}), name: artifact, version },
    metadata: meta,
    cpe: {
      vendors: group !== '' ? [group.split('.').slice(-1)[0] ?? group, artifact] : [artifact],
      products: [artifact],
    },
  };
}

/** Catalogs one archive and the archives nested in it. */
export function catalogJavaArchive(buf: Buffer, virtualPath: string, depth = 0): RawPackage[] {
  const entries = zipEntries(buf);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const read = (e: ZipEntry) => zipRead(buf, e, MAX_MEMBER).toString('utf8');
  const mf = byName.get('META-INF/MANIFEST.MF');
  const manifest = mf !== undefined ? parseManifest(read(mf)) : {};
  const poms = entries
    .filter((e) => /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(e.name))
    .map((e) => parseProperties(read(e)))
    .filter((p) => (p.artifactId ?? '') !== '' && (p.version ?? '') !== '');
  const file = nameVersionFromFile(baseName(virtualPath));
  const meta = { virtualPath };
  const licenses = (manifest['Bundle-License'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.includes('://'));
  const out: RawPackage[] = [];
  const mainPom =
    poms.find((p) => p.artifactId === file.name) ?? (poms.length === 1 ? poms[0] : undefined);
  if (mainPom !== undefined) {
    out.push(
      mavenPackage(
        mainPom.groupId ?? '',
        mainPom.artifactId ?? '',
        mainPom.version ?? '',
        licenses,
        meta,
      ),
    );
  } else {
    const version =
      manifest['Implementation-Version'] ??
      manifest['Specification-Version'] ??
      manifest['Bundle-Version'] ??
      file.version;
    const group =
      manifest['Implementation-Vendor-Id'] ??
      manifest['Bundle-SymbolicName']?.split(';')[0]?.split('.').slice(0, -1).join('.') ??
      '';
    if (version !== '') out.push(mavenPackage(group, file.name, version, licenses, meta));
  }
  for (const p of poms) {
    if (p === mainPom) continue;
    out.push(mavenPackage(p.groupId ?? '', p.artifactId ?? '', p.version ?? '', [], meta));
  }
  if (depth < MAX_DEPTH) {
    for (const e of entries) {
      if (!ARCHIVE_RE.test(e.name) || e.size > MAX_MEMBER) continue;
      out.push(
        ...catalogJavaArchive(zipRead(buf, e, MAX_MEMBER), `${virtualPath}:${e.name}`, depth + 1),
      );
    }
  }
  return out;
}

export const javaCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => ARCHIVE_RE.test(f.path),
  sniff: (head) => head[0] === 0x50 && head[1] === 0x4b,
  parse: (f, content) => [
    {
      kind: 'packages',
      packages: catalogJavaArchive(
        Buffer.from(content.buffer, content.byteOffset, content.byteLength),
        f.path,
      ),
    },
  ],
};
