import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (…/main). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The shared Notary vectors, relative to the repo root (override: WHARF_NOTARY_VECTORS). */
export const VECTORS =
  process.env.WHARF_NOTARY_VECTORS ?? resolve(REPO_ROOT, '../shared/vectors/notary');

/** Reads a vector file by its path under the vectors directory. */
export function vec(path: string): Buffer {
  return readFileSync(resolve(VECTORS, path));
}
