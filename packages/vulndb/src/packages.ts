/**
 * What a scan matches: packages with their OSV ecosystem, taken from an image catalog (the
 * sbom library) or from an SBOM file (SPDX 2.3 JSON, CycloneDX 1.x JSON), both through purls.
 *
 * @module
 */
import { PackageURL } from 'packageurl-js';
import { z } from 'zod';
import type { Catalog } from '@wharf/sbom';
import { VulnDbError } from './errors.js';

/** One package to match. */
export interface ScanPackage {
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  /** purl type (`deb`, `npm`, …). */
  readonly type: string;
  /** OSV ecosystem string (`Debian:12`, `npm`); undefined when Wharf cannot match this type. */
  readonly ecosystem: string | undefined;
  /** Distro source package (purl `upstream` qualifier, dpkg `Source:`). */
  readonly sourceName?: string;
  readonly sourceVersion?: string;
  /** `os-pkgs` for distro packages, `lang-pkgs` otherwise (Trivy's classes). */
  readonly class: 'os-pkgs' | 'lang-pkgs';
  /** Paths inside the image where it was found (image targets). */
  readonly locations: readonly string[];
  /** Digest of the layer holding the first location (image targets). */
  readonly layer?: string;
}

/** What was scanned. */
export interface ScanTarget {
  readonly kind: 'image' | 'rootfs' | 'sbom';
  readonly name: string;
  /** Manifest digest for images. */
  readonly digest?: string;
  /** `debian 12` etc. when known. */
  readonly os?: { readonly family: string; readonly name: string };
}

const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

/** rpm purl namespaces (syft, Trivy) → the OSV ecosystem base they may map to. */
const RPM_NAMESPACES: Readonly<Record<string, string>> = {
  redhat: 'Red Hat',
  rhel: 'Red Hat',
  rocky: 'Rocky Linux',
  'rocky-linux': 'Rocky Linux',
  almalinux: 'AlmaLinux',
  opensuse: 'openSUSE',
  mageia: 'Mageia',
};

/** Ecosystems whose advisories write the rpm epoch (`1:3.0.7-27.el9`), as osv-scalibr. */
const EPOCH_ECOSYSTEMS = new Set(['Red Hat', 'AlmaLinux', 'Rocky Linux']);

/** `openssl-3.0.7-27.el9.src.rpm` → name `openssl`, version `3.0.7-27.el9`. */
function parseSrpm(srpm: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+-[^-]+)\.(?:no)?src\.rpm$/.exec(srpm);
  return m === null ? undefined : { name: m[1] ?? '', version: m[2] ?? '' };
}

/** `Debian:12` from `debian-12` / `debian-12.5`; `Alpine:v3.19` from `alpine-3.19.1`; Ubuntu with `:LTS`. */
export function distroEcosystem(distro: string): string | undefined {
  const m = /^([a-z]+)-(.+)$/.exec(distro.toLowerCase());
  if (m === null) return undefined;
  const [, id = '', ver = ''] = m;
  if (id === 'debian') {
    const major = /^\d+/.exec(ver)?.[0];
    return major !== undefined ? `Debian:${major}` : undefined;
  }
  if (id === 'alpine') {
    const mm = /^(\d+)\.(\d+)/.exec(ver);
    return mm !== null ? `Alpine:v${mm[1]}.${mm[2]}` : undefined;
  }
  // rpm family, as osv-scalibr derives them: Red Hat by CPE product and major version (the
  // repository stream is not in a purl; see VulnDb.recordsFor), Alma and Rocky by major version,
  // openSUSE Leap as `Leap <VERSION_ID>`, Mageia by VERSION_ID.
  if (id === 'rhel' || id === 'redhat') {
    const major = /^\d+/.exec(ver)?.[0];
    return major !== undefined ? `Red Hat:enterprise_linux:${major}` : undefined;
  }
  if (id === 'rocky' || id === 'almalinux') {
    // Rocky's own purls write `distro=rocky-linux-9`.
    const major = /^(?:linux-)?(\d+)/.exec(ver)?.[1];
    if (major === undefined) return undefined;
    return `${id === 'rocky' ? 'Rocky Linux' : 'AlmaLinux'}:${major}`;
  }
  if (id === 'opensuse') {
    const leap = /^leap-(\d+\.\d+)$/.exec(ver);
    return leap !== null ? `openSUSE:Leap ${leap[1]}` : undefined;
  }
  if (id === 'mageia') return /^\d+$/.test(ver) ? `Mageia:${ver}` : undefined;
  if (id === 'ubuntu') {
    const mm = /^(\d\d)\.(\d\d)/.exec(ver);
    if (mm === null) return undefined;
    const lts = mm[2] === '04' && Number(mm[1]) % 2 === 0;
    return `Ubuntu:${mm[1]}.${mm[2]}${lts ? ':LTS' : ''}`;
  }
  return undefined;
}

/** Maps a purl to a scan package; undefined for a purl without a version. */
export function packageFromPurl(
  purl: string,
  extra: { locations?: readonly string[]; layer?: string; distro?: string } = {},
): ScanPackage | undefined {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch (err) {
    throw new VulnDbError('SBOM_INVALID', `malformed purl ${JSON.stringify(purl)}`, {
      cause: err,
    });
  }
  if (p.version === undefined || p.version === null || p.version === '') return undefined;
  const q = (p.qualifiers ?? {}) as Record<string, string | undefined>;
  const ns = p.namespace ?? undefined;
  let ecosystem: string | undefined;
  let name = p.name;
  let version = p.version;
  let sourceName: string | undefined;
  let sourceVersion: string | undefined;
  const upstream = q['upstream'];
  if (upstream !== undefined && upstream !== '') {
    const at = upstream.indexOf('@');
    sourceName = at < 0 ? upstream : upstream.slice(0, at);
    if (at >= 0) sourceVersion = upstream.slice(at + 1);
  }
  switch (p.type) {
    case 'deb':
    case 'apk': {
      const distro = q['distro'] ?? extra.distro;
      ecosystem = distro !== undefined ? distroEcosystem(distro) : undefined;
      // A purl namespace names the distro; a mismatching distro qualifier is not trusted.
      if (
        ecosystem !== undefined &&
        ns !== undefined &&
        !ecosystem.toLowerCase().startsWith(ns.toLowerCase())
      ) {
        ecosystem = undefined;
      }
      break;
    }
    case 'rpm': {
      const distro = q['distro'] ?? extra.distro;
      ecosystem = distro !== undefined ? distroEcosystem(distro) : undefined;
      const base = ecosystem?.split(':')[0];
      // The namespace names the vendor; a distro qualifier of another vendor is not trusted.
      if (ns !== undefined && ns !== '' && RPM_NAMESPACES[ns.toLowerCase()] !== base) {
        ecosystem = undefined;
      }
      const epoch = q['epoch'];
      if (
        base !== undefined &&
        EPOCH_ECOSYSTEMS.has(base) &&
        epoch !== undefined &&
        /^\d+$/.test(epoch) &&
        epoch !== '0' &&
        !version.includes(':')
      ) {
        version = `${epoch}:${version}`;
      }
      const srpm = upstream !== undefined && upstream !== '' ? parseSrpm(upstream) : undefined;
      sourceName = srpm?.name;
      sourceVersion = srpm?.version;
      break;
    }
    case 'gem':
      ecosystem = 'RubyGems';
      break;
    case 'npm':
      ecosystem = 'npm';
      if (ns !== undefined && ns !== '') name = `${ns}/${p.name}`;
      break;
    case 'pypi':
      ecosystem = 'PyPI';
      break;
    case 'golang':
      ecosystem = 'Go';
      if (ns !== undefined && ns !== '') name = `${ns}/${p.name}`;
      if (name === 'stdlib') version = version.replace(/^go/, '');
      break;
    case 'maven':
      ecosystem = 'Maven';
      if (ns !== undefined && ns !== '') name = `${ns}:${p.name}`;
      break;
    case 'cargo':
      ecosystem = 'crates.io';
      break;
    default:
      ecosystem = undefined;
  }
  return {
    name,
    version,
    purl,
    type: p.type,
    ecosystem,
    ...(sourceName !== undefined ? { sourceName } : {}),
    ...(sourceVersion !== undefined ? { sourceVersion } : {}),
    class: OS_TYPES.has(p.type) ? 'os-pkgs' : 'lang-pkgs',
    locations: extra.locations ?? [],
    ...(extra.layer !== undefined ? { layer: extra.layer } : {}),
  };
}

/** Packages of an image catalog (the sbom library's `catalogSource` result). */
export function packagesFromCatalog(catalog: Catalog): ScanPackage[] {
  const distro =
    catalog.distro?.versionId !== undefined
      ? `${catalog.distro.id}-${catalog.distro.versionId}`
      : undefined;
  const out: ScanPackage[] = [];
  for (const p of catalog.packages) {
    const first = p.locations[0];
    const sp = packageFromPurl(p.purl, {
      locations: p.locations.map((l) => l.path),
      ...(first?.layer !== undefined ? { layer: first.layer } : {}),
      ...(distro !== undefined ? { distro } : {}),
    });
    if (sp !== undefined) out.push(sp);
  }
  return out;
}

/** The target description of a catalog. */
export function targetFromCatalog(catalog: Catalog): ScanTarget {
  const d = catalog.distro;
  return {
    kind: catalog.source.kind === 'image' ? 'image' : 'rootfs',
    name: catalog.source.name,
    ...(catalog.source.manifestDigest !== undefined
      ? { digest: catalog.source.manifestDigest }
      : {}),
    ...(d !== undefined ? { os: { family: d.id, name: d.versionId ?? '' } } : {}),
  };
}

const spdxSchema = z.object({
  spdxVersion: z.string().regex(/^SPDX-2\.[23]$/, 'expected SPDX-2.2 or SPDX-2.3'),
  name: z.string().optional(),
  packages: z
    .array(
      z.object({
        name: z.string(),
        versionInfo: z.string().optional(),
        externalRefs: z
          .array(
            z.object({
              referenceCategory: z.string(),
              referenceType: z.string(),
              referenceLocator: z.string(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

interface CdxComponent {
  readonly type?: string | undefined;
  readonly purl?: string | undefined;
  readonly components?: readonly CdxComponent[] | undefined;
}
const cdxComponent: z.ZodType<CdxComponent> = z.lazy(() =>
  z.object({
    type: z.string().optional(),
    purl: z.string().optional(),
    components: z.array(cdxComponent).optional(),
  }),
);
const cdxSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string().regex(/^1\.[2-7]$/, 'expected CycloneDX 1.2 to 1.7'),
  metadata: z.object({ component: z.object({ name: z.string() }).optional() }).optional(),
  components: z.array(cdxComponent).optional(),
});

function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(document)'}: ${i.message}`)
    .join('; ');
}

/** Result of reading an SBOM file. */
export interface SbomPackages {
  readonly format: 'spdx' | 'cyclonedx';
  readonly name: string;
  readonly packages: ScanPackage[];
  /** Entries with no purl or no version in the purl. */
  readonly withoutPurl: number;
}

/**
 * Reads packages from an SBOM: SPDX 2.2/2.3 JSON (`externalRefs` of type `purl`) or CycloneDX
 * 1.2–1.7 JSON (`components[].purl`, nested components included). Anything else is SBOM_INVALID.
 */
export function packagesFromSbom(text: string, fileName: string): SbomPackages {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new VulnDbError('SBOM_INVALID', `${fileName} is not JSON: ${String(err)}`, {
      cause: err,
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VulnDbError('SBOM_INVALID', `${fileName} is not an SPDX or CycloneDX JSON document`);
  }
  const o = doc as Record<string, unknown>;
  const out: ScanPackage[] = [];
  let withoutPurl = 0;
  const add = (purl: string | undefined): void => {
    if (purl === undefined) {
      withoutPurl++;
      return;
    }
    const p = packageFromPurl(purl);
    if (p === undefined) withoutPurl++;
    else out.push(p);
  };
  if ('spdxVersion' in o) {
    const r = spdxSchema.safeParse(doc);
    if (!r.success) {
      throw new VulnDbError(
        'SBOM_INVALID',
        `${fileName}: invalid SPDX document: ${zodMessage(r.error)}`,
      );
    }
    for (const p of r.data.packages ?? []) {
      const ref = p.externalRefs?.find((e) => e.referenceType === 'purl');
      add(ref?.referenceLocator);
    }
    return { format: 'spdx', name: r.data.name ?? fileName, packages: out, withoutPurl };
  }
  if ('bomFormat' in o) {
    const r = cdxSchema.safeParse(doc);
    if (!r.success) {
      throw new VulnDbError(
        'SBOM_INVALID',
        `${fileName}: invalid CycloneDX document: ${zodMessage(r.error)}`,
      );
    }
    const walk = (cs: readonly CdxComponent[]): void => {
      for (const c of cs) {
        // files (Syft's and Wharf's owned-file components) are not packages to match
        if (c.type !== 'file' || c.purl !== undefined) add(c.purl);
        if (c.components !== undefined) walk(c.components);
      }
    };
    walk(r.data.components ?? []);
    return {
      format: 'cyclonedx',
      name: r.data.metadata?.component?.name ?? fileName,
      packages: out,
      withoutPurl,
    };
  }
  throw new VulnDbError(
    'SBOM_INVALID',
    `${fileName} is neither SPDX JSON (no "spdxVersion") nor CycloneDX JSON (no "bomFormat")`,
  );
}
