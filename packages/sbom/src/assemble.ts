import { createHash } from 'node:crypto';
import { distroFromFields, OS_RELEASE_PATHS } from './catalogers/os-release.js';
import type { RawPackage } from './catalogers/types.js';
import { generateCpes } from './identity/cpe.js';
import { normalizeLicenses, type KnownLicenses } from './identity/license.js';
import { formatPurl, scopeToDistro } from './identity/purl.js';
import type { CatalogFile, Distro, Package, PackageLocation, SbomWarning } from './types.js';
import type { SquashedTree } from './walker/squash.js';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The distro of the squashed image, from the first os-release file that resolves. */
export function findDistro(tree: SquashedTree, warnings: SbomWarning[]): Distro | undefined {
  for (const path of OS_RELEASE_PATHS) {
    if (!tree.exists(path)) continue;
    const ev = tree.evidenceAt(path, warnings);
    const fields = ev?.evidence.find((e) => e.kind === 'os-release');
    if (fields?.kind === 'os-release') return distroFromFields(fields.fields);
  }
  return undefined;
}

/** Turns the visible evidence of a squashed image into identified, sorted packages. */
export function assemblePackages(
  tree: SquashedTree,
  layerDigests: readonly (string | undefined)[],
  distro: Distro | undefined,
  known?: KnownLicenses,
): Package[] {
  const visible = tree.visibleEvidence();
  const owned = new Map<string, readonly string[]>();
  const copyright = new Map<string, readonly string[]>();
  for (const v of visible) {
    for (const e of v.evidence) {
      if (e.kind === 'dpkg-files') owned.set(`${e.dbDir}\0${e.package}`, e.files);
      else if (e.kind === 'dpkg-copyright') copyright.set(e.package, e.licenses);
    }
  }
  const out = new Map<string, Package>();
  for (const v of visible) {
    const layer = layerDigests[v.layer];
    const location: PackageLocation = { path: v.path, ...(layer !== undefined ? { layer } : {}) };
    for (const e of v.evidence) {
      if (e.kind !== 'packages') continue;
      for (const raw of e.packages) {
        const pkg = identify(raw, location, distro, owned, copyright, known);
        const key = `${pkg.purl}\0${location.path}`;
        if (!out.has(key)) out.set(key, pkg);
      }
    }
  }
  return [...out.values()].sort((a, b) => compare(a.purl, b.purl) || compare(a.id, b.id));
}

function identify(
  raw: RawPackage,
  location: PackageLocation,
  distro: Distro | undefined,
  owned: ReadonlyMap<string, readonly string[]>,
  copyright: ReadonlyMap<string, readonly string[]>,
  known: KnownLicenses | undefined,
): Package {
  let files = raw.files ?? [];
  let licenses = raw.licenses;
  const { dbDir, ...metadata } = raw.metadata;
  if (raw.type === 'deb') {
    files = owned.get(`${dbDir ?? '/var/lib/dpkg'}\0${raw.name}`) ?? files;
    licenses = copyright.get(raw.name) ?? licenses;
  }
  const purl = formatPurl(scopeToDistro(raw.purl, distro));
  const lic = normalizeLicenses(licenses, known);
  const id = createHash('sha256')
    .update([raw.type, raw.name, raw.version, location.path, purl].join('\0'))
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    name: raw.name,
    version: raw.version,
    type: raw.type,
    foundBy: raw.foundBy,
    purl,
    cpes: generateCpes(raw),
    ...(lic.expression !== undefined ? { licenseExpression: lic.expression } : {}),
    licenseNames: lic.names,
    locations: [location],
    files: [...files].sort(),
    ...(raw.supplier !== undefined ? { supplier: raw.supplier } : {}),
    ...(raw.homepage !== undefined ? { homepage: raw.homepage } : {}),
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    metadata,
  };
}

/**
 * The regular files of the image that the packages own, once each and sorted by path. A listed
 * path's directories are resolved through symlinks inside the image root (usrmerge lists
 * `/bin/bash` for `/usr/bin/bash`); its last component is not followed, so entries that are
 * directories, symlinks or absent are not files.
 */
export function ownedFiles(
  tree: SquashedTree,
  packages: readonly Package[],
  layerDigests: readonly (string | undefined)[],
): CatalogFile[] {
  // Runs once per scan over ~10 000 listed paths, mostly before the JIT warms up: plain loops,
  // one object per file and owner arrays (nearly always of one) instead of spreads and Sets.
  const out = new Map<
    string,
    { -readonly [K in keyof CatalogFile]: CatalogFile[K] } & { owners: string[] }
  >();
  const fileAt = tree.listedFileResolver();
  for (const p of packages) {
    const files = p.files;
    for (let i = 0; i < files.length; i++) {
      const f = fileAt(files[i] as string);
      if (f === undefined) continue;
      const seen = out.get(f.path);
      if (seen !== undefined) {
        if (!seen.owners.includes(p.id)) seen.owners.push(p.id);
        continue;
      }
      const file: { -readonly [K in keyof CatalogFile]: CatalogFile[K] } & { owners: string[] } = {
        path: f.path,
        sha1: f.sha1,
        sha256: f.sha256,
        owners: [p.id],
      };
      const layer = layerDigests[f.layer];
      if (layer !== undefined) file.layer = layer;
      out.set(f.path, file);
    }
  }
  const paths = [...out.keys()].sort();
  const result: CatalogFile[] = new Array<CatalogFile>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const file = out.get(paths[i] as string) as CatalogFile & { owners: string[] };
    if (file.owners.length > 1) file.owners.sort();
    result[i] = file;
  }
  return result;
}
