import type { Catalog, Package } from '../types.js';
import {
  contentUuid,
  filesByOwner,
  imagePurl,
  timestamp,
  TOOL_NAME,
  TOOL_VERSION,
  type WriteOptions,
} from './common.js';

/** The SPDX 2.3 JSON fields Wharf writes (a subset of the schema). */
export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: {
    readonly created: string;
    readonly creators: readonly string[];
    readonly licenseListVersion?: string;
  };
  readonly packages: readonly SpdxPackage[];
  /** The regular files the packages own (dpkg, apk), each related to its package by CONTAINS. */
  readonly files?: readonly SpdxFile[];
  readonly relationships: readonly {
    readonly spdxElementId: string;
    readonly relatedSpdxElement: string;
    readonly relationshipType: string;
  }[];
}

export interface SpdxPackage {
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  readonly supplier?: string;
  readonly downloadLocation: string;
  readonly filesAnalyzed: boolean;
  readonly checksums?: readonly { readonly algorithm: string; readonly checksumValue: string }[];
  readonly homepage?: string;
  readonly sourceInfo?: string;
  readonly licenseConcluded: string;
  readonly licenseDeclared: string;
  readonly copyrightText: string;
  readonly summary?: string;
  readonly externalRefs?: readonly {
    readonly referenceCategory: string;
    readonly referenceType: string;
    readonly referenceLocator: string;
  }[];
  readonly primaryPackagePurpose?: string;
}

export interface SpdxFile {
  readonly SPDXID: string;
  /** The path in the image without its leading `/`, as Syft writes it. */
  readonly fileName: string;
  readonly checksums: readonly {
    readonly algorithm: 'SHA1' | 'SHA256';
    readonly checksumValue: string;
  }[];
  readonly licenseConcluded: 'NOASSERTION';
  readonly licenseInfoInFiles: readonly ['NOASSERTION'];
  readonly copyrightText: 'NOASSERTION';
  /** `layerID: <digest>` of the layer the file comes from (Syft's convention). */
  readonly comment?: string;
}

const NOASSERTION_LIST: readonly ['NOASSERTION'] = Object.freeze(['NOASSERTION'] as const);

const SOURCE_INFO: Readonly<Record<Package['type'], string>> = {
  deb: 'DPKG DB',
  apk: 'APK DB',
  rpm: 'RPM DB',
  npm: 'installed node module manifest',
  python: 'installed python package manifest',
  'go-module': 'go module information',
  'java-archive': 'java archive',
  gem: 'installed gemspec',
  'rust-crate': 'rust cargo-auditable data',
};

function spdxId(prefix: string, s: string): string {
  return `SPDXRef-${prefix}-${s.replace(/[^a-zA-Z0-9.-]/g, '-')}`;
}

function supplier(s: string | undefined): string {
  if (s === undefined) return 'NOASSERTION';
  const clean = s.replace(/[\r\n]+/g, ' ').trim();
  return clean === '' ? 'NOASSERTION' : `Person: ${clean}`;
}

function licenseDeclared(p: Package): string {
  if (p.licenseExpression !== undefined && p.licenseNames.length === 0) return p.licenseExpression;
  if (p.licenseExpression !== undefined) return p.licenseExpression;
  return 'NOASSERTION';
}

/** Writes a catalog as SPDX 2.3 JSON (Syft's shape: root package, DESCRIBES, CONTAINS). */
export function writeSpdx(catalog: Catalog, options: WriteOptions = {}): SpdxDocument {
  const created = timestamp(options.created ?? new Date());
  const uuid = contentUuid(catalog, 'spdx');
  const isImage = catalog.source.kind === 'image';
  const rootId = spdxId(
    isImage ? 'DocumentRoot-Image' : 'DocumentRoot-Directory',
    catalog.source.name.split('/').pop() || 'root',
  );
  const rootPurl = imagePurl(catalog);
  const root: SpdxPackage = {
    SPDXID: rootId,
    name: catalog.source.name,
    ...(catalog.source.manifestDigest !== undefined
      ? { versionInfo: catalog.source.manifestDigest }
      : {}),
    supplier: 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    ...(catalog.source.manifestDigest?.startsWith('sha256:') === true
      ? {
          checksums: [
            { algorithm: 'SHA256', checksumValue: catalog.source.manifestDigest.slice(7) },
          ],
        }
      : {}),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    ...(rootPurl !== undefined
      ? {
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: rootPurl,
            },
          ],
        }
      : {}),
    primaryPackagePurpose: isImage ? 'CONTAINER' : 'FILE',
  };
  const packages: SpdxPackage[] = catalog.packages.map((p) => ({
    SPDXID: spdxId(`Package-${p.type}`, `${p.name}-${p.id}`),
    name: p.name,
    versionInfo: p.version,
    supplier: supplier(p.supplier),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    ...(p.homepage !== undefined && /^https?:\/\//.test(p.homepage)
      ? { homepage: p.homepage }
      : {}),
    sourceInfo: `acquired package info from ${SOURCE_INFO[p.type]}: ${p.locations.map((l) => l.path).join(', ')}`,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: licenseDeclared(p),
    copyrightText: 'NOASSERTION',
    ...(p.description !== undefined ? { summary: p.description } : {}),
    externalRefs: [
      ...p.cpes.map((c) => ({
        referenceCategory: 'SECURITY',
        referenceType: 'cpe23Type',
        referenceLocator: c,
      })),
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl },
    ],
    primaryPackagePurpose: 'LIBRARY',
  }));
  const owned = filesByOwner(catalog);
  const fileIds = new Map<string, string>();
  const files: SpdxFile[] = [];
  const usedIds = new Set<string>();
  // Thousands of files: one shared `licenseInfoInFiles` list and one comment string per layer,
  // and a plain loop, keep a warm run's allocations (and so its GC) down.
  const comments = new Map<string, string>();
  for (const f of catalog.files ?? []) {
    const fileName = f.path.charCodeAt(0) === 47 ? f.path.replace(/^\/+/, '') : f.path;
    // the sanitized path, made unique by a counter in the rare case two paths sanitize alike
    const base = `SPDXRef-File-${fileName.replace(/[^a-zA-Z0-9.-]/g, '-')}`;
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    fileIds.set(f.path, id);
    const file: { -readonly [K in keyof SpdxFile]: SpdxFile[K] } = {
      SPDXID: id,
      fileName,
      checksums: [
        { algorithm: 'SHA1', checksumValue: f.sha1 },
        { algorithm: 'SHA256', checksumValue: f.sha256 },
      ],
      licenseConcluded: 'NOASSERTION',
      licenseInfoInFiles: NOASSERTION_LIST,
      copyrightText: 'NOASSERTION',
    };
    if (f.layer !== undefined) {
      let comment = comments.get(f.layer);
      if (comment === undefined) {
        comment = `layerID: ${f.layer}`;
        comments.set(f.layer, comment);
      }
      file.comment = comment;
    }
    files.push(file);
  }
  const relationships = [
    {
      spdxElementId: 'SPDXRef-DOCUMENT',
      relatedSpdxElement: rootId,
      relationshipType: 'DESCRIBES',
    },
    ...packages.map((p) => ({
      spdxElementId: rootId,
      relatedSpdxElement: p.SPDXID,
      relationshipType: 'CONTAINS',
    })),
    ...catalog.packages.flatMap((p, i) => {
      const pkgId = packages[i]?.SPDXID ?? '';
      return (owned.get(p.id) ?? []).map((f) => ({
        spdxElementId: pkgId,
        relatedSpdxElement: fileIds.get(f.path) ?? '',
        relationshipType: 'CONTAINS',
      }));
    }),
  ];
  const safeName =
    catalog.source.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sbom';
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: catalog.source.name,
    documentNamespace: `https://spdx.org/spdxdocs/${TOOL_NAME}-${isImage ? 'image' : 'dir'}-${safeName}-${uuid}`,
    creationInfo: {
      created,
      creators: ['Organization: Wharf', `Tool: ${TOOL_NAME}-${TOOL_VERSION}`],
      licenseListVersion: '3.27',
    },
    packages: [root, ...packages],
    ...(files.length > 0 ? { files } : {}),
    relationships,
  };
}
