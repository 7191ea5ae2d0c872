/**
 * Test helpers: layers made by code, byte for byte the same on every run.
 *
 * `makeBigLayer`: a large gzip'd layer (about 1 GiB of tar) made without ever holding it in memory.
 * The layer is a multi-member gzip stream (gunzip reads members back to back, as `gzip -c a b`
 * writes them): runs of headers and small files are compressed in batches, and the bodies of the
 * big files are the same few 1 MiB members repeated, so the description below is a list of Buffer
 * references whose unique memory is a few tens of MiB. Everything is derived from fixed seeds:
 * the same plan gives the same bytes (and digest) on every run.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const MiB = 1024 * 1024;
const BLOCK = 512;

/** xorshift32: deterministic filler, fast enough for tens of MiB. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Incompressible bytes (what a compressed archive or stripped binary looks like to gzip). */
function noise(seed: number, size: number): Buffer {
  const next = prng(seed);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32LE(next(), i);
  for (let i = size - (size % 4); i < size; i++) out[i] = next() & 0xff;
  return out;
}

const WORDS =
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can said what up its about into than them only other time new some could these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );

/** Text-like bytes (source, docs): gzip shrinks them to about a third. */
function text(seed: number, size: number): Buffer {
  const next = prng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const w = WORDS[next() % WORDS.length] ?? 'x';
    const sep = next() % 12 === 0 ? '\n' : ' ';
    parts.push(w, sep);
    n += w.length + 1;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A ustar header; names must fit the 100-byte name field (the helper's paths do). */
export function ustarHeader(
  name: string,
  size: number,
  options: { mode?: number; type?: '0' | '2' | '5'; linkname?: string } = {},
): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'utf8');
  h.write(octal(options.mode ?? 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 'ascii');
  h.fill(' ', 148, 156);
  h.write(options.type ?? '0', 156, 'ascii');
  if (options.linkname !== undefined) h.write(options.linkname, 157, 'utf8');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** What the big layer holds, for the assertions. */
export interface BigLayerContents {
  /** The purls of every package written into the layer, sorted. */
  readonly purls: readonly string[];
  /** Cataloged files over the 64 MiB default cap, with their sizes. */
  readonly tooLarge: readonly { readonly path: string; readonly size: number }[];
  /** Largest cataloged file under the cap (read whole, as it should be), in bytes. */
  readonly largestRead: number;
}

export interface BigLayer {
  /** The gzip members in order; repeated big-file members are the same Buffer. */
  readonly chunks: readonly Buffer[];
  /** Uncompressed tar size. */
  readonly tarBytes: number;
  /** Compressed (blob) size. */
  readonly size: number;
  /** `sha256:<hex>` of the blob. */
  readonly digest: string;
  readonly contents: BigLayerContents;
}

export interface BigLayerPlan {
  /** Size of each of the two big files nobody catalogs, in MiB. */
  readonly bigFileMiB: number;
  /** Size of the fat jar, in MiB; over the 64 MiB default cap, so skipped with FILE_TOO_LARGE. */
  readonly hugeJarMiB: number;
  /** Size of an ELF executable under the cap (read whole by the Go and Rust catalogers), in MiB. */
  readonly elfMiB: number;
  readonly debPackages: number;
  readonly npmPackages: number;
  readonly pythonPackages: number;
  /** Plain small files (4 KiB of text each) nobody catalogs. */
  readonly smallFiles: number;
}

class Writer {
  readonly chunks: Buffer[] = [];
  tarBytes = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  #small(b: Buffer): void {
    this.#pending.push(b);
    this.#pendingBytes += b.byteLength;
    this.tarBytes += b.byteLength;
    if (this.#pendingBytes >= 4 * MiB) this.flush();
  }

  flush(): void {
    if (this.#pendingBytes === 0) return;
    this.chunks.push(gzipSync(Buffer.concat(this.#pending), { level: 1 }));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  file(name: string, body: Buffer, mode = 0o644): void {
    this.#small(ustarHeader(name, body.byteLength, { mode }));
    this.#small(body);
    const pad = (BLOCK - (body.byteLength % BLOCK)) % BLOCK;
    if (pad > 0) this.#small(Buffer.alloc(pad));
  }

  entry(name: string, type: '2' | '5', linkname?: string): void {
    this.#small(
      ustarHeader(name, 0, {
        type,
        mode: type === '5' ? 0o755 : 0o777,
        ...(linkname !== undefined ? { linkname } : {}),
      }),
    );
  }

  /** A file of `mib` MiB: `first` (gzip of a 1 MiB block) then `rest` repeated. */
  big(name: string, mib: number, first: Buffer, rest: Buffer, mode = 0o644): void {
    this.#small(ustarHeader(name, mib * MiB, { mode }));
    this.flush();
    this.chunks.push(first);
    for (let i = 1; i < mib; i++) this.chunks.push(rest);
    this.tarBytes += mib * MiB;
  }

  end(): void {
    this.#small(Buffer.alloc(2 * BLOCK));
    this.flush();
  }
}

function withMagic(magic: number[], block: Buffer): Buffer {
  const b = Buffer.from(block);
  b.set(magic, 0);
  return b;
}

/** Builds the layer described by `plan` (about 1.5 s and 40 MiB of unique buffers for 1 GiB). */
export function makeBigLayer(plan: BigLayerPlan): BigLayer {
  const w = new Writer();
  const purls: string[] = [];
  const noiseBlock = noise(1, MiB);
  const gz = (b: Buffer) => gzipSync(b, { level: 1 });
  const noiseMember = gz(noiseBlock);
  const textMember = gz(text(2, MiB));
  const filler = text(3, 64 * 1024);
  const slice = (i: number, size: number) => {
    const at = (i * 977) % (filler.byteLength - size);
    return filler.subarray(at, at + size);
  };

  w.entry('etc/', '5');
  w.entry('usr/', '5');
  w.file('usr/lib/os-release', Buffer.from(DEBIAN_12_OS_RELEASE));
  w.entry('etc/os-release', '2', '../usr/lib/os-release');

  const stanzas: string[] = [];
  for (let i = 0; i < plan.debPackages; i++) {
    const version = `1.${i}.0-1`;
    stanzas.push(
      `Package: deb-${i}\nStatus: install ok installed\nPriority: optional\nSection: libs\n` +
        `Installed-Size: ${100 + i}\nMaintainer: Wharf Tests <tests@example.org>\nArchitecture: amd64\n` +
        `Version: ${version}\nDescription: test package ${i}\n ${slice(i, 300).toString().replace(/\n/g, ' ')}\n`,
    );
    purls.push(`pkg:deb/debian/deb-${i}@${version}?arch=amd64&distro=debian-12`);
    w.file(
      `var/lib/dpkg/info/deb-${i}.list`,
      Buffer.from(`/.\n/usr\n/usr/share/deb-${i}\n/usr/share/deb-${i}/data\n`),
    );
  }
  w.file('var/lib/dpkg/status', Buffer.from(stanzas.join('\n')));

  for (let i = 0; i < plan.npmPackages; i++) {
    const dir = `app/node_modules/npm-${i}`;
    const version = `2.0.${i}`;
    w.file(
      `${dir}/package.json`,
      Buffer.from(JSON.stringify({ name: `npm-${i}`, version, license: 'MIT' })),
    );
    purls.push(`pkg:npm/npm-${i}@${version}`);
    w.file(`${dir}/lib/index.js`, slice(i, 12 * 1024));
    w.file(`${dir}/README.md`, slice(i + 1, 4 * 1024));
  }

  for (let i = 0; i < plan.pythonPackages; i++) {
    const version = `3.0.${i}`;
    w.file(
      `usr/lib/python3/dist-packages/py_${i}-${version}.dist-info/METADATA`,
      Buffer.from(`Metadata-Version: 2.1\nName: py-${i}\nVersion: ${version}\nLicense: MIT\n`),
    );
    purls.push(`pkg:pypi/py-${i}@${version}`);
  }

  for (let i = 0; i < plan.smallFiles; i++) {
    w.file(`usr/share/misc/d${i % 100}/f${i}.txt`, slice(i, 4 * 1024));
  }

  w.big('usr/lib/x86_64-linux-gnu/libbig.so.1', plan.bigFileMiB, textMember, textMember);
  w.big('var/cache/app/blob.bin', plan.bigFileMiB, noiseMember, noiseMember);
  // ELF magic, no Go build info or cargo-auditable section: read whole, yields nothing
  const elf = gz(withMagic([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], noiseBlock));
  w.big('usr/local/bin/bigtool', plan.elfMiB, elf, noiseMember, 0o755);
  const jarPath = 'opt/app/app-all.jar';
  const jar = gz(withMagic([0x50, 0x4b, 0x03, 0x04], noiseBlock));
  w.big(jarPath, plan.hugeJarMiB, jar, noiseMember);
  // a package after the big files
  w.file(
    'opt/app/node_modules/late/package.json',
    Buffer.from('{"name":"late","version":"9.9.9"}'),
  );
  purls.push('pkg:npm/late@9.9.9');
  w.end();

  const hash = createHash('sha256');
  let size = 0;
  for (const c of w.chunks) {
    hash.update(c);
    size += c.byteLength;
  }
  return {
    chunks: w.chunks,
    tarBytes: w.tarBytes,
    size,
    digest: `sha256:${hash.digest('hex')}`,
    contents: {
      purls: purls.sort(),
      tooLarge: [{ path: `/${jarPath}`, size: plan.hugeJarMiB * MiB }],
      largestRead: plan.elfMiB * MiB,
    },
  };
}

export const DEBIAN_12_OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

/**
 * A plain tar of `files` with fixed metadata (mtime 1700000000, root:root), byte for byte the same
 * on every run, unlike tar-stream's `pack` (which stamps the current time).
 */
export function plainTar(
  files: readonly { readonly name: string; readonly body: Buffer; readonly mode?: number }[],
  options: { end?: boolean } = {},
): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(ustarHeader(f.name, f.body.byteLength, { mode: f.mode ?? 0o644 }), f.body);
    const pad = (BLOCK - (f.body.byteLength % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  if (options.end !== false) parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** Deterministic text-like filler (see `text`), for fixtures. */
export function fillerText(seed: number, size: number): Buffer {
  return text(seed, size);
}

/**
 * The recipe of test-fixtures/zstd/layer.tar.zst (see the README there): a tar in two parts, each
 * compressed as its own zstd frame, with a skippable frame between them (the shape of
 * zstd:chunked layers). The first part has a 160 KiB text file, so its frame has several blocks.
 */
export function zstdFixtureParts(): readonly [Buffer, Buffer] {
  return [
    plainTar(
      [
        {
          name: 'app/node_modules/x/package.json',
          body: Buffer.from('{"name":"x","version":"2.0.0"}'),
        },
        { name: 'usr/share/doc/x/notes.txt', body: fillerText(7, 160 * 1024) },
      ],
      { end: false },
    ),
    plainTar([{ name: 'opt/y/package.json', body: Buffer.from('{"name":"y","version":"3.0.0"}') }]),
  ];
}
