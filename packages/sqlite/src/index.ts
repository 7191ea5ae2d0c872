/**
 * `@wharf/sqlite`: opens better-sqlite3 databases that the garbage collector never finalizes.
 *
 * Node 24.19 made every `node::ObjectWrap` register an environment cleanup hook and remove it in
 * its destructor, which asserts that a JavaScript context is entered. better-sqlite3 12 (the last
 * major that runs on Node 20; 13 needs Node-API 10, Node >= 22) wraps databases and statements in
 * ObjectWrap, so a garbage collection that finalizes one outside JavaScript (an idle-time GC)
 * aborts the process: "Assertion failed: (env) != nullptr" in `RemoveEnvironmentCleanupHook`
 * (nodejs/node#65446). Wharf's tests hit it on Node 24.21. Here every database and every statement
 * prepared on it (pragmas included) stays reachable until the process exits, when Node runs the
 * hooks itself. Callers prepare statements once per database, so this holds little memory.
 * @module
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** A better-sqlite3 database. */
export type Database = BetterSqlite3.Database;
/** A prepared statement. */
export type Statement<P extends unknown[] = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
/** better-sqlite3's open options. */
export type DatabaseOptions = BetterSqlite3.Options;

const retained: object[] = [];

/**
 * Opens a database file, or deserializes one from `bytes`, with better-sqlite3 (loaded on first
 * use). The database and every statement prepared on it are never garbage collected.
 *
 * @example
 * const db = openDatabase('/var/lib/wharf/meta.db');
 * db.pragma('journal_mode = WAL');
 * const get = db.prepare<[string], { id: number }>('SELECT id FROM repositories WHERE name = ?');
 */
export function openDatabase(source: string | Buffer, options?: DatabaseOptions): Database {
  const Ctor = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Ctor(source, options);
  retained.push(db);
  // Shadow `prepare` on the instance to keep each statement it returns, and `pragma` (which
  // prepares through the native handle) to prepare through it. better-sqlite3 caches the
  // transaction statements per database, so they live as long as the database does.
  const prepare = db.prepare.bind(db);
  const kept = (source: string): BetterSqlite3.Statement => {
    const statement = prepare(source);
    retained.push(statement);
    return statement;
  };
  Object.defineProperty(db, 'prepare', { configurable: true, writable: true, value: kept });
  Object.defineProperty(db, 'pragma', {
    configurable: true,
    writable: true,
    value(source: string, options: { simple?: boolean } = {}): unknown {
      const statement = kept(`PRAGMA ${source}`);
      if (!statement.reader) {
        statement.run();
        return options.simple ? undefined : [];
      }
      return options.simple ? statement.pluck().get() : statement.all();
    },
  });
  // `iterate()` iterators and `backup()` are native objects too; Wharf uses neither.
  return db;
}

/** How many databases and statements are being kept alive (for tests and diagnostics). */
export function retainedCount(): number {
  return retained.length;
}
