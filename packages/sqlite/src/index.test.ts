import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, retainedCount } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('keeps the database and every statement, pragmas included, reachable', () => {
    const before = retainedCount();
    const db = openDatabase(join(dir, 'a.db'));
    expect(db.pragma('journal_mode = WAL', { simple: true })).toBe('wal');
    db.exec('CREATE TABLE t (a INTEGER)');
    const insert = db.prepare<[number]>('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 10; i++) insert.run(i);
    })();
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(10);
    // The database, the pragma statement, INSERT and SELECT.
    expect(retainedCount() - before).toBe(4);
    db.close();
    expect(retainedCount() - before).toBe(4);
  });

  it('opens a serialized database from memory, read-only', () => {
    const db = openDatabase(join(dir, 'b.db'));
    db.exec("CREATE TABLE p (blob BLOB); INSERT INTO p VALUES (x'0102')");
    const bytes = db.serialize();
    db.close();
    const copy = openDatabase(bytes, { readonly: true });
    expect(copy.prepare('SELECT blob FROM p').all()).toEqual([{ blob: Buffer.from([1, 2]) }]);
    expect(() => copy.exec('DELETE FROM p')).toThrow(/readonly/);
    copy.close();
  });

  it('pragmas that return nothing, one value or rows', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('foreign_keys = OFF')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(0);
    expect(db.pragma('user_version = 7', { simple: true })).toBeUndefined();
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect(db.pragma('user_version')).toEqual([{ user_version: 7 }]);
    db.close();
  });

  it('reports bytes that are not a database when they are first read', () => {
    const db = openDatabase(Buffer.alloc(4096, 7), { readonly: true });
    expect(() => db.prepare('SELECT 1 FROM sqlite_master').all()).toThrow(/not a database/);
  });
});
