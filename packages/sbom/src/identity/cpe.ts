import type { RawPackage } from '../catalogers/types.js';

/** Escapes a CPE 2.3 formatted-string component (backslash before punctuation). */
export function cpeEscape(value: string): string {
  if (value === '') return '*';
  return value.replace(/[^A-Za-z0-9_.-]/g, (c) => '\\' + c).replace(/^\\\*$/, '*');
}

function cpeName(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '_');
}

/** What one package's CPEs are built from; `undefined` from a rule means "no CPE at all". */
interface CpeParts {
  readonly vendors: readonly string[];
  readonly products: readonly string[];
  readonly version: string;
  /** The `update` component; `*` (any) when absent, `-` for "not applicable". */
  readonly update?: string;
}

/**
 * Vendor and product of a Go module path, the way Syft names them: the path's first element is
 * a host; the element after it is the owner (the vendor) and everything after the owner is the
 * product (`github.com/opencontainers/umoci/cmd/umoci` → `opencontainers`, `umoci/cmd/umoci`).
 * Go's own hosts name their vendor: `golang.org/x/net` is golang's `x/net`, and
 * `google.golang.org/grpc/...` is google's `grpc`. A path with no owner element (`k8s.io/api`,
 * `cmd/gofmt`) or on gopkg.in (whose path names no owner) gets no CPE, as in Syft.
 */
export function goModuleCpeParts(path: string): { vendor: string; product: string } | undefined {
  const [host = '', ...rest] = path.split('/').filter((s) => s !== '');
  if (host === 'golang.org')
    return rest.length > 0 ? { vendor: 'golang', product: rest.join('/') } : undefined;
  if (host === 'google.golang.org')
    return rest[0] !== undefined ? { vendor: 'google', product: rest[0] } : undefined;
  if (host === 'gopkg.in' || rest.length < 2) return undefined;
  const [owner = '', ...product] = rest;
  return { vendor: owner, product: product.join('/') };
}

/**
 * The Go toolchain's CPE is `golang:go` with the release as version and the pre-release tag
 * (`rc1`, `beta2`) as update, else update `-` (NVD's form, which Syft emits): `go1.21rc2` →
 * version `1.21`, update `rc2`. Read from the compiled version, which keeps the tag.
 */
function goStdlibParts(pkg: RawPackage): CpeParts | undefined {
  const compiled = (pkg.metadata['goCompiledVersion'] ?? pkg.version).trim();
  const m = /^(?:go)?(\d+(?:\.\d+){0,2})([A-Za-z]\w*)?/.exec(compiled);
  if (m?.[1] === undefined) return undefined;
  return { vendors: ['golang'], products: ['go'], version: m[1], update: m[2] ?? '-' };
}

/** The owner of a GitHub or GitLab repository URL (`https://github.com/acornjs/acorn.git` → `acornjs`). */
function repositoryOwner(url: string | undefined): string | undefined {
  // Syft reads owners only from http(s):// and git:// URLs, not git+https:// or shorthands.
  return /^(?:https?|git):\/\/(?:github|gitlab)\.com\/([\w-]+)\//.exec(url ?? '')?.[1];
}

/**
 * An npm package is named in full, scope included (`@types/node` is not `node`: naming it by
 * its bare name would match the vulnerabilities of another package). The vendor is the name,
 * then the owner of its repository or homepage. The cataloger's `cpe` hint (the bare name) is
 * not used: layers analysed before this rule keep that hint in their cached evidence.
 */
function npmParts(pkg: RawPackage): CpeParts {
  return {
    vendors: [pkg.name, repositoryOwner(pkg.metadata['url']), repositoryOwner(pkg.homepage)].filter(
      (v): v is string => v !== undefined,
    ),
    products: [pkg.name],
    version: pkg.version,
  };
}

function cpeParts(pkg: RawPackage): CpeParts | undefined {
  if (pkg.type === 'go-module') {
    if (pkg.name === 'stdlib') return goStdlibParts(pkg);
    const go = goModuleCpeParts(pkg.name);
    if (go === undefined) return undefined;
    return { vendors: [go.vendor], products: [go.product], version: pkg.version };
  }
  if (pkg.type === 'npm') return npmParts(pkg);
  return {
    vendors: pkg.cpe?.vendors ?? [pkg.name],
    products: pkg.cpe?.products ?? [pkg.name],
    version: pkg.version,
  };
}

/**
 * Generated CPE 2.3 candidates, Syft-style: vendor × product (the first of each makes the
 * primary CPE, which CycloneDX's `cpe` field carries), application part, the version, other
 * fields `*`. At most `limit`; none for packages Syft gives none (Go paths without an owner).
 * Vendor and product are per package type: npm and Go modules from the name (above), others
 * from the cataloger's hints, or the name when it has none.
 */
export function generateCpes(pkg: RawPackage, limit = 4): string[] {
  const parts = cpeParts(pkg);
  if (parts === undefined) return [];
  const unique = (xs: readonly string[]) => [...new Set(xs.map(cpeName).filter((s) => s !== ''))];
  const vendors = unique(parts.vendors);
  const products = unique(parts.products);
  const version = cpeEscape(parts.version);
  const update = parts.update !== undefined ? cpeEscape(parts.update) : '*';
  const out: string[] = [];
  for (const v of vendors) {
    for (const p of products) {
      out.push(`cpe:2.3:a:${cpeEscape(v)}:${cpeEscape(p)}:${version}:${update}:*:*:*:*:*:*`);
    }
  }
  return out.slice(0, limit);
}
