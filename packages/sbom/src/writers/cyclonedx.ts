import type { Catalog, Package } from '../types.js';
import {
  contentUuid,
  fileRefHash,
  filesByOwner,
  imagePurl,
  timestamp,
  TOOL_NAME,
  TOOL_VERSION,
  type WriteOptions,
} from './common.js';

/** The CycloneDX 1.6 JSON that Wharf writes. */
export interface CycloneDxDocument {
  readonly $schema: string;
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.6';
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: Record<string, unknown>;
  readonly components: readonly Record<string, unknown>[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn: readonly string[] }[];
}

function licenses(p: Package): Record<string, unknown>[] | undefined {
  const e = p.licenseExpression;
  if (e !== undefined && p.licenseNames.length === 0) {
    return /^[A-Za-z0-9.+-]+$/.test(e) && !e.endsWith('+')
      ? [{ license: { id: e } }]
      : [{ expression: e }];
  }
  if (e !== undefined) return [{ expression: e }];
  if (p.licenseNames.length > 0) return p.licenseNames.map((name) => ({ license: { name } }));
  return undefined;
}

function properties(p: Package): { name: string; value: string }[] {
  const out = [
    { name: 'wharf:package:foundBy', value: p.foundBy },
    { name: 'wharf:package:type', value: p.type },
  ];
  p.locations.forEach((l, i) => {
    out.push({ name: `wharf:location:${i}:path`, value: l.path });
    if (l.layer !== undefined) out.push({ name: `wharf:location:${i}:layerID`, value: l.layer });
  });
  p.cpes.slice(1).forEach((c) => out.push({ name: 'wharf:cpe23', value: c }));
  for (const k of Object.keys(p.metadata).sort()) {
    out.push({ name: `wharf:metadata:${k}`, value: p.metadata[k] ?? '' });
  }
  if (p.licenseExpression !== undefined) {
    p.licenseNames.forEach((n) => out.push({ name: 'wharf:license:name', value: n }));
  }
  return out;
}

/** Writes a catalog as CycloneDX 1.6 JSON (Syft's shape: container subject, OS component). */
export function writeCycloneDx(catalog: Catalog, options: WriteOptions = {}): CycloneDxDocument {
  const rootRef = imagePurl(catalog) ?? `dir:${catalog.source.name}`;
  const subject: Record<string, unknown> = {
    'bom-ref': rootRef,
    type: catalog.source.kind === 'image' ? 'container' : 'file',
    name: catalog.source.name,
    ...(catalog.source.manifestDigest !== undefined
      ? { version: catalog.source.manifestDigest }
      : {}),
  };
  const owned = filesByOwner(catalog);
  const fileRefs = new Set<string>();
  /**
   * A package's owned files as its sub-components (CycloneDX's assembly: the package is made of
   * them), with Syft's file component shape. A path owned by a second package gets a suffixed
   * bom-ref, since bom-refs are unique in a document.
   */
  const fileComponents = (p: Package): Record<string, unknown>[] =>
    (owned.get(p.id) ?? []).map((f) => {
      let ref = `file:${fileRefHash(f.path)}`;
      if (fileRefs.has(ref)) ref = `${ref}:${p.id}`;
      fileRefs.add(ref);
      return {
        'bom-ref': ref,
        type: 'file',
        name: f.path,
        hashes: [
          { alg: 'SHA-1', content: f.sha1 },
          { alg: 'SHA-256', content: f.sha256 },
        ],
        ...(f.layer !== undefined
          ? { properties: [{ name: 'wharf:layerID', value: f.layer }] }
          : {}),
      };
    });
  const components: Record<string, unknown>[] = catalog.packages.map((p) => {
    const lic = licenses(p);
    const files = fileComponents(p);
    return {
      'bom-ref': `${p.purl}${p.purl.includes('?') ? '&' : '?'}package-id=${p.id}`,
      type: 'library',
      ...(p.supplier !== undefined ? { publisher: p.supplier } : {}),
      name: p.name,
      version: p.version,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(lic !== undefined ? { licenses: lic } : {}),
      ...(p.cpes[0] !== undefined ? { cpe: p.cpes[0] } : {}),
      purl: p.purl,
      ...(p.homepage !== undefined && /^https?:\/\//.test(p.homepage)
        ? { externalReferences: [{ type: 'website', url: p.homepage }] }
        : {}),
      properties: properties(p),
      ...(files.length > 0 ? { components: files } : {}),
    };
  });
  const d = catalog.distro;
  if (d !== undefined) {
    components.push({
      'bom-ref': `os:${d.id}${d.versionId !== undefined ? '@' + d.versionId : ''}`,
      type: 'operating-system',
      name: d.id,
      ...(d.versionId !== undefined ? { version: d.versionId } : {}),
      ...(d.prettyName !== undefined ? { description: d.prettyName } : {}),
    });
  }
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${contentUuid(catalog, 'cyclonedx')}`,
    version: 1,
    metadata: {
      timestamp: timestamp(options.created ?? new Date()),
      tools: {
        components: [
          { type: 'application', author: 'wharf', name: TOOL_NAME, version: TOOL_VERSION },
        ],
      },
      component: subject,
    },
    components,
    dependencies: [{ ref: rootRef, dependsOn: components.map((c) => String(c['bom-ref'])) }],
  };
}
