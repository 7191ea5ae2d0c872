import type { Catalog } from '../types.js';

/** A plain-text table for people: NAME, VERSION, TYPE (Syft's default columns). */
export function writeTable(catalog: Catalog): string {
  const rows = [
    ['NAME', 'VERSION', 'TYPE'],
    ...catalog.packages.map((p) => [p.name, p.version, p.type]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  if (catalog.packages.length === 0) lines.push('No packages discovered');
  return lines.join('\n') + '\n';
}
