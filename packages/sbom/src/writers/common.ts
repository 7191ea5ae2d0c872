import { createHash, hash } from 'node:crypto';
import type { Catalog, CatalogFile } from '../types.js';

export const TOOL_NAME = 'wharf-sbom';
export const TOOL_VERSION = '0.1.0';

/** Options shared by the writers. */
export interface WriteOptions {
  /** Creation time; pass the CLI's SOURCE_DATE_EPOCH here (see {@link createdFromEpoch}). Default now. */
  readonly created?: Date;
}

/** `SOURCE_DATE_EPOCH` (seconds) as a Date, or undefined when unset or malformed. */
export function createdFromEpoch(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{1,12}$/.test(value.trim())) return undefined;
  return new Date(Number(value.trim()) * 1000);
}

/** UTC timestamp without fractions (`YYYY-MM-DDThh:mm:ssZ`), as SPDX requires. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A name-based (version 5 layout) UUID derived from the catalog's content. */
export function contentUuid(catalog: Catalog, salt: string): string {
  const h = createHash('sha256')
    .update(salt)
    .update('\0')
    .update(catalog.source.manifestDigest ?? catalog.source.name);
  for (const p of catalog.packages) h.update('\0').update(p.purl).update('\0').update(p.id);
  const b = h.digest();
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const x = b.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The image's own purl, `pkg:oci/<name>@sha256%3A…` (undefined for directories). */
export function imagePurl(catalog: Catalog): string | undefined {
  const d = catalog.source.manifestDigest;
  if (d === undefined) return undefined;
  const base =
    catalog.source.name
      .split('/')
      .pop()
      ?.replace(/[:@].*$/, '')
      .toLowerCase() || 'image';
  const arch = catalog.source.platform?.architecture;
  return `pkg:oci/${encodeURIComponent(base)}@${encodeURIComponent(d)}${arch !== undefined ? `?arch=${arch}` : ''}`;
}

/** A stable id for an owned file: 16 hex digits of the SHA-256 of its path. */
export function fileRefHash(path: string): string {
  return hash('sha256', path, 'hex').slice(0, 16);
}

/** The catalog's owned files by the id of each package that owns them, in path order. */
export function filesByOwner(catalog: Catalog): ReadonlyMap<string, readonly CatalogFile[]> {
  const out = new Map<string, CatalogFile[]>();
  for (const f of catalog.files ?? []) {
    for (const id of f.owners) {
      const list = out.get(id);
      if (list === undefined) out.set(id, [f]);
      else list.push(f);
    }
  }
  return out;
}
