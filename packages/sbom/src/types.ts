import type { Logger } from '@wharf/core';

/** Ecosystems Wharf catalogs; each maps to one purl type. */
export type PackageType =
  'deb' | 'apk' | 'rpm' | 'npm' | 'python' | 'go-module' | 'java-archive' | 'gem' | 'rust-crate';

/** A non-fatal problem found while reading an image (corrupt file, escaping link, size cap, …). */
export interface SbomWarning {
  readonly code:
    | 'FILE_TOO_LARGE'
    | 'PATH_UNSAFE'
    | 'LINK_ESCAPES_ROOT'
    | 'LINK_LOOP'
    | 'LINK_TARGET_MISSING'
    | 'PARSE_FAILED'
    | 'LAYER_UNREADABLE';
  readonly message: string;
  readonly path?: string;
  readonly layer?: string;
}

/** Where a package's evidence was found. */
export interface PackageLocation {
  /** Absolute path inside the image (the real path, symlinks resolved). */
  readonly path: string;
  /** Digest of the layer that holds the file, when the source has layers. */
  readonly layer?: string;
}

/** One cataloged package, with its identity already computed. */
export interface Package {
  /** Stable id: a hash of type, name, version and first location. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly type: PackageType;
  /** Cataloger that found it (Syft's names, e.g. `dpkg-db-cataloger`). */
  readonly foundBy: string;
  readonly purl: string;
  readonly cpes: readonly string[];
  /** SPDX license expression, when the declared licenses normalize to one. */
  readonly licenseExpression?: string;
  /** Declared license strings that are not SPDX ids (kept as names). */
  readonly licenseNames: readonly string[];
  readonly locations: readonly PackageLocation[];
  /** Files the package owns (dpkg `info/*.list`, apk `R` lines), sorted. */
  readonly files: readonly string[];
  readonly supplier?: string;
  readonly homepage?: string;
  readonly description?: string;
  /** Ecosystem extras: arch, source package, checksum, … (sorted keys when written). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The operating system found in `/etc/os-release` (or `/usr/lib/os-release`). */
export interface Distro {
  readonly id: string;
  readonly versionId?: string;
  readonly idLike: readonly string[];
  readonly prettyName?: string;
  readonly versionCodename?: string;
}

/** A layer of the analysed image. */
export interface LayerSummary {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** True when the analysis came from the layer cache. */
  readonly cached: boolean;
}

/** What was scanned. */
export interface SourceInfo {
  readonly kind: 'image' | 'directory';
  /** A display name (the reference, layout path or directory). */
  readonly name: string;
  /** Manifest digest (images only). */
  readonly manifestDigest?: string;
  /** The manifest that was catalogued (the platform's manifest when an index was resolved). */
  readonly manifest?: {
    readonly mediaType: string;
    readonly digest: string;
    readonly size: number;
  };
  /** Config digest, which is the image id (images only). */
  readonly imageId?: string;
  readonly platform?: {
    readonly os: string;
    readonly architecture: string;
    readonly variant?: string;
  };
  readonly layers: readonly LayerSummary[];
}

/** A regular file of the image that a package owns (dpkg, apk), with its digests. */
export interface CatalogFile {
  /** Absolute path in the image. */
  readonly path: string;
  readonly sha1: string;
  readonly sha256: string;
  /** Digest of the layer the visible copy comes from (images only). */
  readonly layer?: string;
  /** Ids of the packages that own it, sorted. */
  readonly owners: readonly string[];
}

/** The format-neutral result of a scan; writers turn it into SPDX, CycloneDX or a table. */
export interface Catalog {
  readonly source: SourceInfo;
  readonly distro?: Distro;
  /** Sorted by purl, then id. */
  readonly packages: readonly Package[];
  /**
   * The owned files of the packages that are regular files in the image, sorted by path, once
   * each, at their real path (a package's `files` are the paths its database lists, which may go
   * through directory symlinks such as usrmerge's `/bin`). Absent in catalogs made without file
   * digests.
   */
  readonly files?: readonly CatalogFile[];
  readonly warnings: readonly SbomWarning[];
}

/** Shared options of the walker. */
export interface WalkOptions {
  /** Largest file buffered for a cataloger (default 64 MiB); larger ones give FILE_TOO_LARGE. */
  readonly maxFileBytes?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}
