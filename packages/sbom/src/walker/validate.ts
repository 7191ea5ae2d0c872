import type { PackageType, SbomWarning } from '../types.js';
import {
  ANALYSER_VERSION,
  DIGEST_RECORD_CHARS,
  type EntryRecord,
  type LayerAnalysis,
} from './analyse.js';

// Hand-written rather than a zod schema: this runs on every warm `wharf sbom`, and loading zod
// (about 80 ms of module compilation) would cost more than the cache saves on small images.
// It runs once per layer, mostly in the interpreter, so it uses plain indexed loops and builds
// no strings unless a value is bad.

const PACKAGE_TYPES: Readonly<Record<PackageType, true>> = {
  deb: true,
  apk: true,
  rpm: true,
  npm: true,
  python: true,
  'go-module': true,
  'java-archive': true,
  gem: true,
  'rust-crate': true,
};

const WARNING_CODES: Readonly<Record<SbomWarning['code'], true>> = {
  FILE_TOO_LARGE: true,
  PATH_UNSAFE: true,
  LINK_ESCAPES_ROOT: true,
  LINK_LOOP: true,
  LINK_TARGET_MISSING: true,
  PARSE_FAILED: true,
  LAYER_UNREADABLE: true,
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStrings(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

function isStringRecord(v: unknown): boolean {
  if (!isObj(v)) return false;
  for (const k in v) if (Object.hasOwn(v, k) && typeof v[k] !== 'string') return false;
  return true;
}

function optStr(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

function isEntry(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  const [path, type, link] = v as unknown[];
  if (typeof path !== 'string' || !path.startsWith('/')) return false;
  if (type === 'f' || type === 'd') return v.length === 2;
  if (type === 'l' || type === 'h') return v.length === 3 && typeof link === 'string';
  return false;
}

function isPurl(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.type === 'string' &&
    typeof v.name === 'string' &&
    optStr(v.namespace) &&
    optStr(v.version) &&
    (v.qualifiers === undefined || isStringRecord(v.qualifiers)) &&
    (v.distroScoped === undefined || typeof v.distroScoped === 'boolean')
  );
}

function isRawPackage(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.type === 'string' &&
    Object.hasOwn(PACKAGE_TYPES, v.type) &&
    typeof v.name === 'string' &&
    typeof v.version === 'string' &&
    typeof v.foundBy === 'string' &&
    optStr(v.supplier) &&
    optStr(v.homepage) &&
    optStr(v.description) &&
    isStrings(v.licenses) &&
    (v.files === undefined || isStrings(v.files)) &&
    isStringRecord(v.metadata) &&
    isPurl(v.purl) &&
    (v.cpe === undefined || (isObj(v.cpe) && isStrings(v.cpe.vendors) && isStrings(v.cpe.products)))
  );
}

function isEvidence(v: unknown): boolean {
  if (!isObj(v)) return false;
  switch (v.kind) {
    case 'os-release':
      return isStringRecord(v.fields);
    case 'packages': {
      const ps = v.packages;
      if (!Array.isArray(ps)) return false;
      for (let i = 0; i < ps.length; i++) if (!isRawPackage(ps[i])) return false;
      return true;
    }
    case 'dpkg-files':
      return typeof v.dbDir === 'string' && typeof v.package === 'string' && isStrings(v.files);
    case 'dpkg-copyright':
      return typeof v.package === 'string' && isStrings(v.licenses);
    default:
      return false;
  }
}

function isPathEvidence(v: unknown): boolean {
  if (!isObj(v) || typeof v.path !== 'string' || !Array.isArray(v.evidence)) return false;
  const list = v.evidence as unknown[];
  for (let i = 0; i < list.length; i++) if (!isEvidence(list[i])) return false;
  return true;
}

function isWarning(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.code === 'string' &&
    Object.hasOwn(WARNING_CODES, v.code) &&
    typeof v.message === 'string' &&
    optStr(v.path) &&
    optStr(v.layer)
  );
}

function isLicensePair(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    typeof v[0] === 'string' &&
    (v[1] === null || typeof v[1] === 'string')
  );
}

/** The index of the first element of `v` that fails `ok`; -1 when all pass; -2: not an array. */
function firstBad(v: unknown, ok: (x: unknown) => boolean): number {
  if (!Array.isArray(v)) return -2;
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) return i;
  return -1;
}

/**
 * Checks that a value read back from a layer cache is a complete analysis of this analyser
 * version, down to every entry, package and license, so nothing downstream meets a malformed
 * value. Returns the analysis, or a message naming the first bad field.
 */
export function validateAnalysis(
  v: unknown,
): { ok: true; analysis: LayerAnalysis } | { ok: false; reason: string } {
  if (!isObj(v)) return { ok: false, reason: 'not a JSON object' };
  if (v.version !== ANALYSER_VERSION) {
    return { ok: false, reason: `analyser version ${String(v.version)}, not ${ANALYSER_VERSION}` };
  }
  const fields: [keyof LayerAnalysis, (x: unknown) => boolean][] = [
    ['entries', isEntry],
    ['whiteouts', (x) => typeof x === 'string'],
    ['opaqueDirs', (x) => typeof x === 'string'],
    ['evidence', isPathEvidence],
    ['warnings', isWarning],
    ['licenses', isLicensePair],
  ];
  for (const [name, ok] of fields) {
    const bad = firstBad(v[name], ok);
    if (bad === -2) return { ok: false, reason: `${name} is not an array` };
    if (bad >= 0) return { ok: false, reason: `${name}[${bad}] is malformed` };
  }
  const digests = v.digests;
  if (typeof digests !== 'string') return { ok: false, reason: 'digests is not a string' };
  let files = 0;
  for (const e of v.entries as readonly EntryRecord[]) if (e[1] === 'f') files++;
  if (digests.length !== files * DIGEST_RECORD_CHARS)
    return { ok: false, reason: `digests has ${digests.length} characters for ${files} files` };
  if (!/^[0-9a-f]*$/.test(digests)) return { ok: false, reason: 'digests is not lowercase hex' };
  return { ok: true, analysis: v as unknown as LayerAnalysis };
}
