/**
 * `wharf db import`: loads OSV records from a directory of JSON files (recursive) or an osv.dev
 * per-ecosystem `all.zip` into the database.
 *
 * Atomicity: the existing database is copied to a temporary file in the same directory, the
 * import runs there in one transaction, and the file is fsynced and renamed over the database.
 * A killed or failed import leaves the previous database untouched (the temp file is removed on
 * failure, or by the next import when the process died).
 *
 * Nothing is dropped silently: malformed JSON, records failing the OSV schema, records whose
 * ecosystems have no version ordering, unparsable range versions, oversized files and non-JSON
 * files are counted per reason and returned as warnings.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { openDatabase, type Database } from '@wharf/sqlite';
import yauzl from 'yauzl';
import {
  comparatorFor,
  go,
  parseEcosystem,
  parseOsvRecord,
  semver,
  type OsvRecord,
} from '@wharf/scanner';
import { indexName, SCHEMA_SQL, SCHEMA_VERSION, VulnDb, type ImportRecord } from './db.js';
import { VulnDbError } from './errors.js';

/** Limits and switches of {@link importOsv}. */
export interface ImportOptions {
  /** Start from an empty database instead of merging into the existing one. */
  readonly replace?: boolean;
  /** A record file larger than this is skipped with a warning (default 16 MiB). */
  readonly maxRecordBytes?: number;
  /** A zip whose entries add up to more than this is refused (default 8 GiB). */
  readonly maxTotalBytes?: number;
  /** A zip entry inflating more than this many times its compressed size is refused (default 1000). */
  readonly maxCompressionRatio?: number;
  readonly signal?: AbortSignal;
  /** Called after each record file (for progress). */
  readonly onRecord?: (stored: number) => void;
  /** Clock for the recorded import time (tests). */
  readonly now?: () => Date;
}

/** A skipped-record count with its reason. */
export interface ImportWarning {
  readonly reason: string;
  readonly count: number;
  /** Up to 5 example ids or file names. */
  readonly examples: readonly string[];
}

export interface ImportResult {
  readonly path: string;
  readonly source: string;
  readonly importedAt: string;
  /** Records stored by this import. */
  readonly records: number;
  readonly warnings: readonly ImportWarning[];
}

const MiB = 1024 * 1024;

/** The database file inside a database directory. */
export function dbFile(dir: string): string {
  return join(dir, 'osv.sqlite');
}

class Skips {
  private readonly by = new Map<string, { count: number; examples: string[] }>();
  add(reason: string, example: string): void {
    const e = this.by.get(reason) ?? { count: 0, examples: [] };
    e.count++;
    if (e.examples.length < 5) e.examples.push(example);
    this.by.set(reason, e);
  }
  list(): ImportWarning[] {
    return [...this.by.entries()]
      .map(([reason, e]) => ({ reason, count: e.count, examples: e.examples }))
      .sort((a, b) => a.reason.localeCompare(b.reason));
  }
  counts(): Record<string, number> {
    return Object.fromEntries([...this.by.entries()].map(([r, e]) => [r, e.count]));
  }
}

/** Ecosystems whose affected entries are indexed, and why a record is not. */
function checkRecord(rec: OsvRecord): { keys: [string, string][] } | { skip: string } {
  const keys: [string, string][] = [];
  const unknown = new Set<string>();
  for (const a of rec.affected ?? []) {
    if (a.package === undefined) continue;
    const eco = a.package.ecosystem;
    let cmp;
    try {
      cmp = comparatorFor(eco);
    } catch {
      unknown.add(parseEcosystem(eco).base);
      continue;
    }
    for (const r of a.ranges ?? []) {
      if (r.type === 'GIT') continue;
      const c = r.type === 'SEMVER' ? (parseEcosystem(eco).base === 'Go' ? go : semver) : cmp;
      for (const e of r.events) {
        const v = Object.values(e)[0] as string;
        if (('introduced' in e && v === '0') || ('limit' in e && v === '*')) continue;
        try {
          c.parse(v);
        } catch {
          return { skip: `unparsable ${c.name} version in ${eco} range` };
        }
      }
    }
    keys.push([eco, indexName(eco, a.package.name)]);
  }
  if (keys.length === 0) {
    return unknown.size > 0
      ? { skip: `unknown ecosystem ${[...unknown].sort().join(', ')}` }
      : { skip: 'no affected package' };
  }
  return { keys };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<db>.lock` (created exclusively, holding our pid) so two imports into one database
 * cannot both rename over it and lose one's records; a lock whose process is gone is replaced.
 */
async function lock(target: string): Promise<() => Promise<void>> {
  const file = `${target}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new VulnDbError(
          'DB_LOCKED',
          `another import (pid ${pid}) is writing ${target}; wait for it or remove ${file} if it is stale`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new VulnDbError('DB_LOCKED', `cannot take the lock ${file}`);
}

/** Removes temp files of imports whose process is gone. */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = new RegExp(
      `^\\.${base.replace(/\./g, '\\.')}\\.import-(\\d+)-[0-9a-f]+\\.tmp(-journal)?$`,
    ).exec(n);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (!alive(pid) || pid === process.pid) await rm(join(dir, n), { force: true });
  }
}

type RecordSink = (name: string, bytes: Buffer) => void;

async function* walkJson(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkJson(p);
    else yield p;
  }
}

async function readDirectory(
  dir: string,
  sink: RecordSink,
  skips: Skips,
  maxRecordBytes: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  for await (const file of walkJson(dir)) {
    signal?.throwIfAborted();
    const rel = file.slice(dir.length + 1);
    if (!file.endsWith('.json')) {
      skips.add('not a .json file', rel);
      continue;
    }
    const st = await stat(file);
    if (!st.isFile()) {
      skips.add('not a regular file', rel);
      continue;
    }
    if (st.size > maxRecordBytes) {
      skips.add(`file larger than ${maxRecordBytes} bytes`, rel);
      continue;
    }
    sink(rel, await readFile(file));
  }
}

function unsafeName(name: string): boolean {
  return (
    name.startsWith('/') ||
    name.startsWith('\\') ||
    /^[A-Za-z]:/.test(name) ||
    name.split(/[/\\]/).some((part) => part === '..') ||
    name.includes('\0')
  );
}

/** Streams an all.zip's entries (yauzl: reads the central directory, inflates one entry at a time). */
async function readZip(
  file: string,
  sink: RecordSink,
  skips: Skips,
  opts: { maxRecordBytes: number; maxTotalBytes: number; maxRatio: number },
  signal: AbortSignal | undefined,
): Promise<void> {
  const zopts = { lazyEntries: true, autoClose: true, validateEntrySizes: true };
  // Archives up to 1 GiB (osv.dev's largest, npm, is ~220 MB) are read into memory once: reading
  // each entry with its own file read costs a thread-pool round trip per record (measured: most
  // of an import's wall time on a loaded machine). Larger ones are read from the file.
  const inMemory = (await stat(file)).size <= 1024 * MiB;
  const buffer = inMemory ? await readFile(file) : undefined;
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => {
    const done = (err: Error | null, z: yauzl.ZipFile) => (err ? rej(err) : res(z));
    if (buffer !== undefined) yauzl.fromBuffer(buffer, zopts, done);
    else yauzl.open(file, zopts, done);
  }).catch((err: unknown) => {
    throw new VulnDbError('IMPORT_SOURCE_INVALID', `${file} is not a readable zip archive`, {
      cause: err,
    });
  });
  let total = 0;
  await new Promise<void>((res, rej) => {
    const fail = (err: unknown) => {
      zip.close();
      if (err instanceof VulnDbError || (err instanceof Error && err.name === 'AbortError')) {
        rej(err);
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      // yauzl validates names itself before our check sees them.
      rej(
        /invalid relative path|absolute path|invalid characters in fileName/.test(msg)
          ? new VulnDbError('ZIP_UNSAFE', `${file}: refusing entry with unsafe name (${msg})`, {
              cause: err,
            })
          : new VulnDbError('IMPORT_SOURCE_INVALID', `${file}: cannot read the archive: ${msg}`, {
              cause: err,
            }),
      );
    };
    zip.on('error', fail);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        signal?.throwIfAborted();
      } catch (err) {
        fail(err);
        return;
      }
      const name = entry.fileName;
      if (unsafeName(name)) {
        fail(
          new VulnDbError(
            'ZIP_UNSAFE',
            `${file}: refusing entry with unsafe name ${JSON.stringify(name)}`,
          ),
        );
        return;
      }
      if (name.endsWith('/')) {
        zip.readEntry();
        return;
      }
      total += entry.uncompressedSize;
      if (total > opts.maxTotalBytes) {
        fail(
          new VulnDbError(
            'ZIP_UNSAFE',
            `${file}: entries inflate to more than ${opts.maxTotalBytes} bytes; refusing (zip bomb?)`,
          ),
        );
        return;
      }
      if (
        entry.uncompressedSize > MiB &&
        entry.uncompressedSize > opts.maxRatio * Math.max(1, entry.compressedSize)
      ) {
        fail(
          new VulnDbError(
            'ZIP_UNSAFE',
            `${file}: entry ${name} inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times; refusing (zip bomb?)`,
          ),
        );
        return;
      }
      if (!name.endsWith('.json')) {
        skips.add('not a .json file', name);
        zip.readEntry();
        return;
      }
      if (entry.uncompressedSize > opts.maxRecordBytes) {
        skips.add(`file larger than ${opts.maxRecordBytes} bytes`, name);
        zip.readEntry();
        return;
      }
      // The raw (deflated) bytes are read and inflated synchronously with a hard output cap:
      // one async hop per record instead of a zlib stream's several (2-3x faster on all.zip).
      const method = entry.compressionMethod;
      if (method !== 0 && method !== 8) {
        skips.add(`unsupported zip compression method ${method}`, name);
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, method === 8 ? { decompress: false } : {}, (err, stream) => {
        if (err) {
          fail(err);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          try {
            const raw = Buffer.concat(chunks);
            let bytes: Buffer;
            try {
              bytes =
                method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: opts.maxRecordBytes });
            } catch (e) {
              throw new VulnDbError(
                'ZIP_UNSAFE',
                `${file}: entry ${name} does not inflate within its declared size`,
                { cause: e },
              );
            }
            if (bytes.length !== entry.uncompressedSize) {
              throw new VulnDbError(
                'ZIP_UNSAFE',
                `${file}: entry ${name} inflates to ${bytes.length} bytes, not the declared ${entry.uncompressedSize}`,
              );
            }
            sink(name, bytes);
          } catch (e) {
            fail(e);
            return;
          }
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}

/**
 * Imports a directory of OSV JSON files or an `all.zip` into the database directory `dbDir`
 * (the file `osv.sqlite` in it), merging with what is there unless `replace`.
 */
export async function importOsv(
  dbDir: string,
  source: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const src = resolve(source);
  let st;
  try {
    st = await stat(src);
  } catch (err) {
    throw new VulnDbError('IMPORT_SOURCE_INVALID', `import source ${src} does not exist`, {
      cause: err,
    });
  }
  const isZip = st.isFile() && src.toLowerCase().endsWith('.zip');
  if (!st.isDirectory() && !isZip) {
    throw new VulnDbError(
      'IMPORT_SOURCE_INVALID',
      `import source ${src} is neither a directory of OSV JSON files nor a .zip archive`,
    );
  }
  const target = dbFile(dbDir);
  await mkdir(dbDir, { recursive: true });
  const unlock = await lock(target);
  try {
    return await importLocked(target, src, isZip, options);
  } finally {
    await unlock();
  }
}

async function importLocked(
  target: string,
  src: string,
  isZip: boolean,
  options: ImportOptions,
): Promise<ImportResult> {
  const base = basename(target);
  await removeStaleTemps(dirname(target), base);
  const temp = join(
    dirname(target),
    `.${base}.import-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );

  const exists = await stat(target).then(
    (s) => s.isFile(),
    () => false,
  );
  if (exists && options.replace !== true) {
    VulnDb.open(target).close(); // refuses a foreign or old-schema file before merging into it
    await copyFile(target, temp);
  }
  const skips = new Skips();
  let db: Database | undefined;
  let stored = 0;
  const importedAt = (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    db = openDatabase(temp);
    // The temp file is renamed into place only after a clean close and fsync, so the journal
    // buys nothing here.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA_SQL);
    db.exec('BEGIN');
    const getModified = db.prepare('SELECT modified FROM records WHERE id = ?');
    const delAffected = db.prepare('DELETE FROM affected WHERE record_id = ?');
    const putRecord = db.prepare(
      'INSERT OR REPLACE INTO records (id, modified, json) VALUES (?, ?, ?)',
    );
    const putAffected = db.prepare(
      'INSERT INTO affected (ecosystem, name, record_id) VALUES (?, ?, ?)',
    );
    const seen = new Set<string>();
    const sink: RecordSink = (name, bytes) => {
      let rec: OsvRecord;
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        skips.add('malformed JSON', name);
        return;
      }
      try {
        rec = parseOsvRecord(json);
      } catch {
        skips.add('not a valid OSV record', name);
        return;
      }
      const checked = checkRecord(rec);
      if ('skip' in checked) {
        skips.add(checked.skip, rec.id);
        return;
      }
      if (seen.has(rec.id)) {
        const prev = getModified.get(rec.id) as { modified: string } | undefined;
        if (prev !== undefined && Date.parse(prev.modified) >= Date.parse(rec.modified)) {
          skips.add('duplicate id in this source (the later "modified" kept)', rec.id);
          return;
        }
      }
      seen.add(rec.id);
      delAffected.run(rec.id);
      putRecord.run(rec.id, rec.modified, JSON.stringify(rec));
      const uniq = new Set<string>();
      for (const [eco, n] of checked.keys) {
        const k = `${eco}\0${n}`;
        if (uniq.has(k)) continue;
        uniq.add(k);
        putAffected.run(eco, n, rec.id);
      }
      stored++;
      options.onRecord?.(stored);
    };
    if (isZip) {
      await readZip(
        src,
        sink,
        skips,
        {
          maxRecordBytes: options.maxRecordBytes ?? 16 * MiB,
          maxTotalBytes: options.maxTotalBytes ?? 8 * 1024 * MiB,
          maxRatio: options.maxCompressionRatio ?? 1000,
        },
        options.signal,
      );
    } else {
      await readDirectory(src, sink, skips, options.maxRecordBytes ?? 16 * MiB, options.signal);
    }
    const prevImports = JSON.parse(
      (
        db.prepare("SELECT value FROM meta WHERE key = 'imports'").get() as
          { value: string } | undefined
      )?.value ?? '[]',
    ) as ImportRecord[];
    const entry: ImportRecord = {
      source: src,
      importedAt,
      records: stored,
      skipped: skips.counts(),
    };
    const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    setMeta.run('schema_version', String(SCHEMA_VERSION));
    setMeta.run('imports', JSON.stringify([...prevImports, entry]));
    db.exec('COMMIT');
    db.close();
    db = undefined;
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(temp, target);
  } catch (err) {
    db?.close();
    await rm(temp, { force: true });
    throw err;
  }
  return { path: target, source: src, importedAt, records: stored, warnings: skips.list() };
}
