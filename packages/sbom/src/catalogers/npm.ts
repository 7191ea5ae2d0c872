import { baseName } from '../walker/paths.js';
import { decodeText } from './rfc822.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'javascript-package-cataloger';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Licenses of a package.json: `license` as a string or `{type}`, or the legacy `licenses` array. */
export function npmLicenses(pkg: Record<string, unknown>): string[] {
  const one = (v: unknown): string | undefined =>
    str(v) ??
    (typeof v === 'object' && v !== null ? str((v as { type?: unknown }).type) : undefined);
  const l = one(pkg.license);
  if (l !== undefined) return [l];
  if (Array.isArray(pkg.licenses)) {
    return pkg.licenses.map(one).filter((x): x is string => x !== undefined);
  }
  const s = one(pkg.licenses);
  return s !== undefined ? [s] : [];
}

function person(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'object' && v !== null) {
    const o = v as { name?: unknown; email?: unknown };
    const name = str(o.name);
    const email = str(o.email);
    if (name !== undefined) return email !== undefined ? `${name} <${email}>` : name;
  }
  return undefined;
}

/** Parses one installed package.json; returns undefined without a name and a version. */
export function parsePackageJson(text: string): RawPackage | undefined {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const pkg = value as Record<string, unknown>;
  const fullName = str(pkg.name);
  const version = str(pkg.version);
  if (fullName === undefined || version === undefined) return undefined;
  let namespace: string | undefined;
  let name = fullName;
  const slash = fullName.indexOf('/');
  if (fullName.startsWith('@') && slash > 0) {
    namespace = fullName.slice(0, slash);
    name = fullName.slice(slash + 1);
  }
  const homepage = str(pkg.homepage);
  const description = str(pkg.description);
  const author = person(pkg.author);
  const metadata: Record<string, string> = {};
  if (pkg.private === true) metadata.private = 'true';
  const repo = pkg.repository;
  const repoUrl =
    str(repo) ??
    (typeof repo === 'object' && repo !== null ? str((repo as { url?: unknown }).url) : undefined);
  if (repoUrl !== undefined) metadata.url = repoUrl;
  return {
    type: 'npm',
    name: fullName,
    version,
    foundBy: FOUND_BY,
    licenses: npmLicenses(pkg),
    purl: { type: 'npm', ...(namespace !== undefined ? { namespace } : {}), name, version },
    ...(author !== undefined ? { supplier: author } : {}),
    ...(homepage !== undefined ? { homepage } : {}),
    ...(description !== undefined ? { description } : {}),
    metadata,
    cpe: { vendors: [name], products: [name] },
  };
}

export const npmCataloger: Cataloger = {
  name: FOUND_BY,
  // Syft's image cataloger reads every package.json (`**/package.json`).
  match: (f) => baseName(f.path) === 'package.json' && f.size <= 4 * 1024 * 1024,
  parse: (_f, content) => {
    const p = parsePackageJson(decodeText(content));
    return p === undefined ? [] : [{ kind: 'packages', packages: [p] }];
  },
};
