import type { Cataloger, RawPackage } from './types.js';

const FOUND_BY = 'go-module-binary-cataloger';
const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/** What `go version -m` shows: Go version and the module lines. */
export interface GoBuildInfo {
  readonly goVersion: string;
  readonly path?: string;
  readonly main?: { readonly path: string; readonly version: string; readonly sum?: string };
  readonly deps: readonly {
    readonly path: string;
    readonly version: string;
    readonly sum?: string;
  }[];
  readonly settings: Readonly<Record<string, string>>;
}

interface Section {
  readonly name: string;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
}

/** Section headers of an ELF file (32/64-bit, either byte order); undefined when not ELF. */
export function elfSections(buf: Buffer): Section[] | undefined {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o: number): bigint =>
    is64 ? (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : BigInt(u32(o));
  const shoff = Number(word(is64 ? 0x28 : 0x20));
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shoff + shnum * shentsize > buf.length || shentsize < (is64 ? 64 : 40))
    return undefined;
  const raw: { nameOff: number; addr: bigint; offset: number; size: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    raw.push({
      nameOff: u32(b),
      addr: word(b + (is64 ? 0x10 : 0x0c)),
      offset: Number(word(b + (is64 ? 0x18 : 0x10))),
      size: Number(word(b + (is64 ? 0x20 : 0x14))),
    });
  }
  const strtab = raw[shstrndx];
  return raw.map((s) => {
    let name = '';
    if (strtab !== undefined) {
      const start = strtab.offset + s.nameOff;
      const end = buf.indexOf(0, start);
      if (start < buf.length && end > start) name = buf.toString('latin1', start, end);
    }
    return { name, addr: s.addr, offset: s.offset, size: s.size };
  });
}

function readVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && shift < 35; i++) {
    const b = buf[i] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new RangeError('bad varint in Go build info');
}

/** Parses the tab-separated module lines that `debug.BuildInfo` stores. */
export function parseModInfo(goVersion: string, mod: string): GoBuildInfo {
  let text = mod;
  if (text.length >= 33 && text[text.length - 17] === '\n') text = text.slice(16, -16);
  let path: string | undefined;
  let main: GoBuildInfo['main'];
  const deps: { path: string; version: string; sum?: string }[] = [];
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [kind, a = '', b = '', c] = line.split('\t');
    const entry = { path: a, version: b, ...(c !== undefined && c !== '' ? { sum: c } : {}) };
    if (kind === 'path') path = a;
    else if (kind === 'mod') main = entry;
    else if (kind === 'dep') deps.push(entry);
    else if (kind === '=>' && deps.length > 0) deps[deps.length - 1] = entry;
    else if (kind === 'build') {
      const eq = a.indexOf('=');
      if (eq > 0) settings[a.slice(0, eq)] = a.slice(eq + 1);
    }
  }
  return {
    goVersion,
    ...(path !== undefined ? { path } : {}),
    ...(main !== undefined ? { main } : {}),
    deps,
    settings,
  };
}

/** Reads Go build info from an ELF executable: `.go.buildinfo`, else a scan for the magic. */
export function readGoBuildInfo(bytes: Uint8Array): GoBuildInfo | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = elfSections(buf);
  let start = -1;
  const sec = sections?.find((s) => s.name === '.go.buildinfo');
  if (sec !== undefined && buf.subarray(sec.offset, sec.offset + 14).equals(MAGIC))
    start = sec.offset;
  else {
    for (let i = buf.indexOf(MAGIC); i >= 0; i = buf.indexOf(MAGIC, i + 1)) {
      if (i % 16 === 0) {
        start = i;
        break;
      }
    }
  }
  if (start < 0 || start + 32 > buf.length) return undefined;
  const ptrSize = buf[start + 14] ?? 8;
  const flags = buf[start + 15] ?? 0;
  if ((flags & 2) !== 0) {
    const [vlen, p1] = readVarint(buf, start + 32);
    const goVersion = buf.toString('utf8', p1, p1 + vlen);
    const [mlen, p2] = readVarint(buf, p1 + vlen);
    return parseModInfo(goVersion, buf.toString('utf8', p2, p2 + mlen));
  }
  // Go < 1.18: two pointers to Go string headers, resolved through the section table.
  const bigEndian = (flags & 1) !== 0;
  const readPtr = (off: number): bigint =>
    ptrSize === 8
      ? bigEndian
        ? buf.readBigUInt64BE(off)
        : buf.readBigUInt64LE(off)
      : BigInt(bigEndian ? buf.readUInt32BE(off) : buf.readUInt32LE(off));
  const toOffset = (addr: bigint): number | undefined => {
    const s = sections?.find(
      (x) => x.addr !== 0n && addr >= x.addr && addr < x.addr + BigInt(x.size),
    );
    return s === undefined ? undefined : s.offset + Number(addr - s.addr);
  };
  const readString = (addr: bigint): string | undefined => {
    const hdr = toOffset(addr);
    if (hdr === undefined || hdr + 2 * ptrSize > buf.length) return undefined;
    const data = toOffset(readPtr(hdr));
    const len = Number(readPtr(hdr + ptrSize));
    if (data === undefined || len > 1 << 20) return undefined;
    return buf.toString('utf8', data, data + len);
  };
  const goVersion = readString(readPtr(start + 16));
  const mod = readString(readPtr(start + 16 + ptrSize));
  return goVersion === undefined ? undefined : parseModInfo(goVersion, mod ?? '');
}

function goPurl(path: string, version: string): RawPackage['purl'] {
  const slash = path.lastIndexOf('/');
  return slash > 0
    ? { type: 'golang', namespace: path.slice(0, slash), name: path.slice(slash + 1), version }
    : { type: 'golang', name: path, version };
}

function goPackage(path: string, version: string, extra: Record<string, string>): RawPackage {
  const parts = path.split('/');
  return {
    type: 'go-module',
    name: path,
    version,
    foundBy: FOUND_BY,
    licenses: [],
    purl: goPurl(path, version),
    metadata: extra,
    cpe: { vendors: [parts[1] ?? parts[0] ?? path], products: [parts[parts.length - 1] ?? path] },
  };
}

/** Syft's fallback for a `(devel)` main module: `-X …version=` ldflags, else a VCS pseudo-version. */
function mainVersion(info: GoBuildInfo, version: string): string {
  if (version !== '(devel)') return version;
  const ld = /-X\s+\S*[Vv]ersion=['"]?([^\s'"]+)/.exec(info.settings['-ldflags'] ?? '')?.[1];
  if (ld !== undefined && /^v?\d+\.\d+/.test(ld)) return ld.startsWith('v') ? ld : `v${ld}`;
  const rev = info.settings['vcs.revision'];
  const time = info.settings['vcs.time'];
  if (rev !== undefined && time !== undefined) {
    return `v0.0.0-${time.replace(/[-:TZ]/g, '').slice(0, 14)}-${rev.slice(0, 12)}`;
  }
  return '';
}

/** Packages from build info: main module, dependencies, and the `stdlib` of the Go version. */
export function goPackages(info: GoBuildInfo): RawPackage[] {
  const base = { goCompiledVersion: info.goVersion };
  const out: RawPackage[] = [];
  // Without a `mod` line (Debian's builds) Syft makes the main module from `path`.
  const main =
    info.main ??
    (info.path !== undefined && info.path !== '' && info.path !== 'command-line-arguments'
      ? { path: info.path, version: '(devel)' }
      : undefined);
  if (main !== undefined && main.path !== '') {
    out.push(
      goPackage(main.path, mainVersion(info, main.version), { ...base, mainModule: 'true' }),
    );
  }
  for (const d of info.deps) {
    if (main !== undefined && d.path === main.path && d.version === main.version) continue;
    out.push(
      goPackage(d.path, d.version, {
        ...base,
        ...(d.sum !== undefined ? { h1Digest: d.sum } : {}),
      }),
    );
  }
  const v = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion)?.[1];
  if (v !== undefined) {
    out.push({
      ...goPackage('stdlib', `go${v}`, base),
      licenses: ['BSD-3-Clause'],
      purl: { type: 'golang', name: 'stdlib', version: v },
      cpe: { vendors: ['golang'], products: ['go'] },
    });
  }
  return out;
}

export const goCataloger: Cataloger = {
  name: FOUND_BY,
  match: (f) => (f.mode & 0o111) !== 0 && f.size >= 1024,
  sniff: (head) => head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46,
  parse: (_f, content) => {
    const info = readGoBuildInfo(content);
    return info === undefined ? [] : [{ kind: 'packages', packages: goPackages(info) }];
  },
};
