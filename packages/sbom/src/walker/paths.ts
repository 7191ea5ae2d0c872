/**
 * Normalizes a tar member name to an absolute image path (`/usr/bin/x`). Returns undefined for
 * names that climb out of the root (`..` components), which are never honoured.
 */
export function normalizeEntryPath(name: string): string | undefined {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return '/' + parts.join('/');
}

/** Parent directory of an absolute path (`/` for top-level entries). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Splits an absolute path into components (`/` gives none). */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
