import { inflateSync } from 'node:zlib';
import { elfSections } from './golang.js';
import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'cargo-auditable-binary-cataloger';
const MAX_JSON = 16 * 1024 * 1024;

interface AuditPackage {
  name?: unknown;
  version?: unknown;
  source?: unknown;
  kind?: unknown;
}

/** Reads the `.dep-v0` section that cargo-auditable embeds (zlib-compressed JSON). */
export function readCargoAuditable(bytes: Uint8Array): RawPackage[] | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sec = elfSections(buf)?.find((s) => s.name === '.dep-v0');
  if (sec === undefined || sec.offset + sec.size > buf.length) return undefined;
  const json = inflateSync(buf.subarray(sec.offset, sec.offset + sec.size), {
    maxOutputLength: MAX_JSON,
  });
  const doc = JSON.parse(json.toString('utf8')) as { packages?: unknown };
  if (!Array.isArray(doc.packages)) return [];
  const out: RawPackage[] = [];
  for (const p of doc.packages as AuditPackage[]) {
    if (typeof p.name !== 'string' || typeof p.version !== 'string') continue;
    // build-only dependencies are not in the binary
    if (p.kind === 'build') continue;
    out.push({
      type: 'rust-crate',
      name: p.name,
      version: p.version,
      foundBy: FOUND_BY,
      licenses: [],
      purl: { type: 'cargo', name: p.name, version: p.version },
      metadata: typeof p.source === 'string' ? { source: p.source } : {},
      cpe: { vendors: [`${p.name}_project`, p.name], products: [p.name] },
    });
  }
  return out;
}

export const rustCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => (f.mode & 0o111) !== 0 && f.size >= 1024,
  sniff: (head) => head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46,
  parse: (_f, content) => {
    const pkgs = readCargoAuditable(content);
    return pkgs === undefined || pkgs.length === 0 ? [] : [{ kind: 'packages', packages: pkgs }];
  },
};
