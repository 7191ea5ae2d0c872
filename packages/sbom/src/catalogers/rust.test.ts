import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatPurl } from '../identity/purl.js';
import { readCargoAuditable, rustCataloger } from './rust.js';
import { readGoBuildInfo } from './golang.js';

/** A minimal little-endian ELF64 file with the given named sections. */
export function makeElf(sections: Record<string, Buffer>): Buffer {
  const names = ['', '.shstrtab', ...Object.keys(sections)];
  const strtab = Buffer.from(names.join('\0') + '\0');
  const nameOffsets = names.map((_, i) => names.slice(0, i).reduce((n, s) => n + s.length + 1, 0));
  const bodies = [Buffer.alloc(0), strtab, ...Object.values(sections)];
  const offsets: number[] = [];
  let off = 64;
  for (const b of bodies) {
    offsets.push(off);
    off += b.length;
  }
  const shoff = off;
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(bodies.length, 0x3c);
  header.writeUInt16LE(1, 0x3e);
  const shdrs = bodies.map((b, i) => {
    const h = Buffer.alloc(64);
    h.writeUInt32LE(nameOffsets[i] ?? 0, 0);
    h.writeUInt32LE(i === 0 ? 0 : 1, 4);
    h.writeBigUInt64LE(BigInt(i === 0 ? 0 : (offsets[i] ?? 0)), 0x18);
    h.writeBigUInt64LE(BigInt(b.length), 0x20);
    return h;
  });
  return Buffer.concat([header, ...bodies, ...shdrs]);
}

describe('cargo-auditable', () => {
  it('reads the .dep-v0 section of an ELF binary', () => {
    const deps = {
      packages: [
        { name: 'ripgrep', version: '14.1.0', source: 'local', kind: 'runtime', root: true },
        { name: 'regex', version: '1.10.3', source: 'crates.io', dependencies: [] },
        { name: 'cc', version: '1.0.83', source: 'crates.io', kind: 'build' },
      ],
    };
    const elf = makeElf({
      '.text': Buffer.alloc(2048, 0x90),
      '.dep-v0': deflateSync(JSON.stringify(deps)),
    });
    expect(rustCataloger.sniff?.(elf.subarray(0, 16))).toBe(true);
    const pkgs = readCargoAuditable(elf) ?? [];
    expect(pkgs.map((p) => formatPurl(p.purl))).toEqual([
      'pkg:cargo/ripgrep@14.1.0',
      'pkg:cargo/regex@1.10.3',
    ]);
    expect(readGoBuildInfo(elf)).toBeUndefined();
    expect(readCargoAuditable(makeElf({ '.text': Buffer.alloc(16) }))).toBeUndefined();
    expect(() => readCargoAuditable(makeElf({ '.dep-v0': Buffer.from('not zlib') }))).toThrow();
  });
});
