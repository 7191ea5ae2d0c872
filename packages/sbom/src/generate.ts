import { catalogSource, type CatalogOptions } from './catalog.js';
import { SbomError } from './errors.js';
import type { SbomSource } from './source.js';
import type { Catalog } from './types.js';
import type { WriteOptions } from './writers/common.js';
import { writeCycloneDx, type CycloneDxDocument } from './writers/cyclonedx.js';
import { writeSpdx, type SpdxDocument } from './writers/spdx.js';
import { writeTable } from './writers/table.js';

/** Output formats of {@link generateSbom}. */
export type SbomFormat = 'spdx-json' | 'cyclonedx-json' | 'table';

export const SBOM_FORMATS: readonly SbomFormat[] = ['spdx-json', 'cyclonedx-json', 'table'];

/** Options of {@link generateSbom}. */
export interface GenerateSbomOptions extends CatalogOptions, WriteOptions {
  readonly format: SbomFormat;
}

/** The result: the document (JSON value or text), its format and the catalog behind it. */
export type GenerateSbomResult =
  | { readonly format: 'spdx-json'; readonly document: SpdxDocument; readonly catalog: Catalog }
  | {
      readonly format: 'cyclonedx-json';
      readonly document: CycloneDxDocument;
      readonly catalog: Catalog;
    }
  | { readonly format: 'table'; readonly document: string; readonly catalog: Catalog };

/**
 * Catalogs a source and writes the SBOM in one step (what `wharf sbom` calls).
 *
 * @example
 * const { document } = await generateSbom({ kind: 'oci-layout', path: './layout' }, { format: 'spdx-json' });
 */
export async function generateSbom(
  source: SbomSource,
  options: GenerateSbomOptions,
): Promise<GenerateSbomResult> {
  if (!SBOM_FORMATS.includes(options.format)) {
    throw new SbomError('INVALID_OPTION', `unknown SBOM format "${String(options.format)}"`);
  }
  const catalog = await catalogSource(source, options);
  return renderCatalog(catalog, options.format, options);
}

/** Writes an existing catalog in a format. */
export function renderCatalog(
  catalog: Catalog,
  format: SbomFormat,
  options: WriteOptions = {},
): GenerateSbomResult {
  switch (format) {
    case 'spdx-json':
      return { format, document: writeSpdx(catalog, options), catalog };
    case 'cyclonedx-json':
      return { format, document: writeCycloneDx(catalog, options), catalog };
    case 'table':
      return { format, document: writeTable(catalog), catalog };
  }
}

/** How {@link serializeSbom} writes JSON. */
export interface SerializeOptions {
  /** Two-space indent (default false: one line, as Syft writes its JSON formats). */
  readonly pretty?: boolean;
}

/**
 * Serializes a result: JSON on one line (Syft's default) or indented with `pretty`, with a final
 * newline; or the table text. Compact matters with file elements: a Debian base image's SPDX is
 * 4.5 MB compact and 5.9 MB indented.
 */
export function serializeSbom(result: GenerateSbomResult, options: SerializeOptions = {}): string {
  if (result.format === 'table') return result.document;
  return (
    (options.pretty === true
      ? JSON.stringify(result.document, null, 2)
      : JSON.stringify(result.document)) + '\n'
  );
}
