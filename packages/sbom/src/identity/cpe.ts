import type { RawPackage } from '../catalogers/types.js';

/** Escapes a CPE 2.3 formatted-string component (backslash before punctuation). */
export function cpeEscape(value: string): string {
  if (value === '') return '*';
  return value.replace(/[^A-Za-z0-9_.-]/g, (c) => '\\' + c).replace(/^\\\*$/, '*');
}

function cpeName(s: string): string {
  return s.toLowerCase().replace(/^@/, '').replace(/\s+/g, '_');
}

/**
 * Generated CPE 2.3 candidates, Syft-style: vendor × product from the package's hints (the
 * name when it has none), application part, the version, other fields `*`. At most `limit`.
 */
export function generateCpes(pkg: RawPackage, limit = 4): string[] {
  const vendors = [
    ...new Set((pkg.cpe?.vendors ?? [pkg.name]).map(cpeName).filter((s) => s !== '')),
  ];
  const products = [
    ...new Set((pkg.cpe?.products ?? [pkg.name]).map(cpeName).filter((s) => s !== '')),
  ];
  const out: string[] = [];
  for (const v of vendors) {
    for (const p of products) {
      out.push(`cpe:2.3:a:${cpeEscape(v)}:${cpeEscape(p)}:${cpeEscape(pkg.version)}:*:*:*:*:*:*:*`);
    }
  }
  return out.slice(0, limit);
}
