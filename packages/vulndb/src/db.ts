/**
 * The local vulnerability database: one SQLite file holding OSV records, indexed by
 * (ecosystem, package name). Distro advisories are indexed by the *source* package they name;
 * PyPI names are indexed PEP 503-normalised.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database, type Statement } from '@wharf/sqlite';
import { parseEcosystem, type OsvRecord } from '@wharf/scanner';
import { VulnDbError } from './errors.js';

/** Bumped when the tables change; a database with another version must be re-imported. */
export const SCHEMA_VERSION = 1;

/** The tables, created in a fresh (temporary) database file by the importer. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, modified TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, record_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_pkg ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_record ON affected (record_id);
`;

/** PEP 503 name normalisation (PyPI names are compared normalised). */
export const normalizePypiName = (n: string): string => n.toLowerCase().replace(/[-_.]+/g, '-');

/** The key a package name is indexed and looked up under in an ecosystem. */
export function indexName(ecosystem: string, name: string): string {
  return parseEcosystem(ecosystem).base === 'PyPI' ? normalizePypiName(name) : name;
}

/** One completed import, as recorded in the database. */
export interface ImportRecord {
  /** The directory or zip imported (absolute path). */
  readonly source: string;
  /** RFC 3339 UTC time the import finished. */
  readonly importedAt: string;
  /** Records stored from this source. */
  readonly records: number;
  /** Skipped records by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

/** What `wharf db status` shows. */
export interface DbStatus {
  readonly path: string;
  readonly schemaVersion: number;
  /** The last import (undefined when nothing has been imported). */
  readonly importedAt: string | undefined;
  readonly source: string | undefined;
  readonly records: number;
  /** Records per OSV ecosystem string (`Debian:12`, `npm`), sorted by ecosystem. */
  readonly ecosystems: Readonly<Record<string, number>>;
  /** Every import, oldest first. */
  readonly imports: readonly ImportRecord[];
}

/** Default database directory under a cache directory: `<cacheDir>/vulndb`. */
export function defaultDbPath(cacheDir: string): string {
  return join(cacheDir, 'vulndb');
}

/** A read-only handle on the database. */
export class VulnDb {
  readonly path: string;
  private readonly db: Database;
  private readonly lookup: Statement<[string, string], { json: string }>;
  private readonly lookupStreams: Statement<[string, string, string], { json: string }>;
  private readonly cache = new Map<string, OsvRecord>();

  private constructor(path: string, db: Database) {
    this.path = path;
    this.db = db;
    this.lookup = db.prepare(
      'SELECT r.json AS json FROM affected a JOIN records r ON r.id = a.record_id WHERE a.ecosystem = ? AND a.name = ? ORDER BY r.id',
    );
    // `ecosystem > 'P:' AND ecosystem < 'P;'` is "starts with `P:`" (`;` follows `:`), index-friendly.
    this.lookupStreams = db.prepare(
      'SELECT r.json AS json FROM affected a JOIN records r ON r.id = a.record_id WHERE a.ecosystem > ? AND a.ecosystem < ? AND a.name = ? ORDER BY r.id',
    );
  }

  /** Opens an existing database read-only; DB_NOT_FOUND or DB_INVALID otherwise. */
  static open(path: string): VulnDb {
    if (!existsSync(path)) {
      throw new VulnDbError(
        'DB_NOT_FOUND',
        `no vulnerability database at ${path} (run "wharf db import <dir|all.zip>" first)`,
        { detail: { path } },
      );
    }
    let db: Database;
    try {
      db = openDatabase(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new VulnDbError('DB_INVALID', `${path} cannot be opened as a database`, {
        cause: err,
      });
    }
    const version = readSchemaVersion(db, path);
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new VulnDbError(
        'DB_INVALID',
        `${path} has schema version ${version}, this wharf reads ${SCHEMA_VERSION} (re-import the data)`,
      );
    }
    return new VulnDb(path, db);
  }

  /**
   * Records naming (ecosystem, name), parsed once per id. A Red Hat product and major version
   * (`Red Hat:enterprise_linux:9`) also finds every repository stream of it
   * (`Red Hat:enterprise_linux:9::appstream`, `…::baseos`).
   */
  recordsFor(ecosystem: string, name: string): OsvRecord[] {
    const key = indexName(ecosystem, name);
    const rows = this.lookup.all(ecosystem, key);
    const { base, release } = parseEcosystem(ecosystem);
    if (base === 'Red Hat' && release !== undefined) {
      rows.push(...this.lookupStreams.all(`${ecosystem}:`, `${ecosystem};`, key));
    }
    const out: OsvRecord[] = [];
    for (const row of rows) {
      const rec = JSON.parse(row.json) as OsvRecord;
      const seen = this.cache.get(rec.id);
      if (seen !== undefined) {
        if (!out.includes(seen)) out.push(seen);
        continue;
      }
      this.cache.set(rec.id, rec);
      out.push(rec);
    }
    return out;
  }

  status(): DbStatus {
    const meta = new Map(
      (
        this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]
      ).map((r) => [r.key, r.value]),
    );
    const imports = JSON.parse(meta.get('imports') ?? '[]') as ImportRecord[];
    const last = imports.at(-1);
    const ecosystems: Record<string, number> = {};
    const rows = this.db
      .prepare(
        'SELECT ecosystem, COUNT(DISTINCT record_id) AS n FROM affected GROUP BY ecosystem ORDER BY ecosystem',
      )
      .all() as { ecosystem: string; n: number }[];
    for (const r of rows) ecosystems[r.ecosystem] = r.n;
    const records = (this.db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
    return {
      path: this.path,
      schemaVersion: SCHEMA_VERSION,
      importedAt: last?.importedAt,
      source: last?.source,
      records,
      ecosystems,
      imports,
    };
  }

  close(): void {
    this.db.close();
  }
}

function readSchemaVersion(db: Database, path: string): number {
  let row: { value: string } | undefined;
  try {
    row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
  } catch (err) {
    db.close();
    throw new VulnDbError('DB_INVALID', `${path} is not a Wharf vulnerability database`, {
      cause: err,
    });
  }
  if (row === undefined) {
    db.close();
    throw new VulnDbError(
      'DB_INVALID',
      `${path} is not a Wharf vulnerability database (no schema version)`,
    );
  }
  return Number(row.value);
}
