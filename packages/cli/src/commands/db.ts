import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { parseOutputFormat, writeJson } from '../output.js';

/**
 * `@wharf/vulndb` (SQLite, zip reader, schemas) is loaded only by the commands that use it, so it
 * adds nothing to the start-up of every other `wharf` command (~70-90 ms measured here).
 */
export const loadVulnDb = () => import('@wharf/vulndb');

/** The database directory: `--db`, else `WHARF_DB`, else `$XDG_CACHE_HOME/wharf/vulndb`. */
export async function dbDirFor(ctx: CommandContext, flag: string | undefined): Promise<string> {
  const v = flag ?? ctx.deps.env['WHARF_DB'];
  if (v !== undefined && v !== '') return resolve(ctx.deps.cwd, v);
  return (await loadVulnDb()).defaultDbPath(ctx.paths.cacheDir);
}

interface DbOptions {
  readonly db?: string;
  readonly output?: string;
  readonly replace?: boolean;
}

/** `wharf db import|status`: the offline OSV database. */
export function registerDb(program: Command, context: () => CommandContext): void {
  const db = program
    .command('db')
    .description('Manage the offline vulnerability database (OSV records)')
    .addHelpText(
      'after',
      `
Examples:
  # Import osv.dev's per-ecosystem archive, then show what the database holds
  wharf db import Debian/all.zip
  wharf db status`,
    );

  db.command('import')
    .description('Import OSV records from a directory of JSON files or an osv.dev all.zip')
    .argument('<path>', 'directory of OSV JSON files (recursive) or an <Ecosystem>/all.zip')
    .option('--db <dir>', 'database directory (default $WHARF_DB or $XDG_CACHE_HOME/wharf/vulndb)')
    .option('--replace', 'start from an empty database instead of merging into the existing one')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Records are merged by id into the existing database (a record imported again replaces the
stored one). The import runs on a copy that is renamed into place at the end, so an
interrupted import leaves the previous database as it was. Skipped records are reported as
"N records skipped: <reason>" warnings on stderr.

Examples:
  # Import osv.dev's Debian and npm archives (downloaded elsewhere)
  wharf db import Debian/all.zip
  wharf db import npm/all.zip

  # Import a directory of OSV JSON files into a database of its own
  wharf db import --db ./vulndb --replace ./advisories --output json`,
    )
    .action(async (path: string, opts: DbOptions) => {
      const ctx = context();
      const format = parseOutputFormat(opts.output ?? 'text');
      const dir = await dbDirFor(ctx, opts.db);
      const { importOsv } = await loadVulnDb();
      const r = await importOsv(dir, resolve(ctx.deps.cwd, path), {
        ...(opts.replace === true ? { replace: true } : {}),
        signal: ctx.deps.signal,
      });
      for (const w of r.warnings) {
        ctx.deps.stderr.write(
          `Warning: ${w.count} record${w.count === 1 ? '' : 's'} skipped: ${w.reason} (e.g. ${w.examples.join(', ')})\n`,
        );
      }
      if (format === 'json') {
        writeJson(ctx.deps.stdout, r);
        return;
      }
      ctx.deps.stdout.write(`Imported ${r.records} records from ${r.source} into ${r.path}\n`);
    });

  db.command('status')
    .description('Show the database location, schema, last import and record counts')
    .option('--db <dir>', 'database directory (default $WHARF_DB or $XDG_CACHE_HOME/wharf/vulndb)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Examples:
  wharf db status
  wharf db status --output json`,
    )
    .action(async (opts: DbOptions) => {
      const ctx = context();
      const format = parseOutputFormat(opts.output ?? 'text');
      const { VulnDb, dbFile } = await loadVulnDb();
      const vdb = VulnDb.open(dbFile(await dbDirFor(ctx, opts.db)));
      try {
        const s = vdb.status();
        if (format === 'json') {
          writeJson(ctx.deps.stdout, s);
          return;
        }
        const lines = [
          `Path:           ${s.path}`,
          `Schema version: ${s.schemaVersion}`,
          `Imported at:    ${s.importedAt ?? '-'}`,
          `Source:         ${s.source ?? '-'}`,
          `Records:        ${s.records}`,
          'Ecosystems:',
          ...Object.entries(s.ecosystems).map(([e, n]) => `  ${e.padEnd(24)} ${n}`),
        ];
        ctx.deps.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        vdb.close();
      }
    });
}
