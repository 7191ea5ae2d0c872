import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { WharfError } from '@wharf/core/lite';
import {
  NotaryPlugin,
  findPlugin,
  listPluginDirectories,
  pluginExecutableName,
  validatePluginName,
  type PluginMetadata,
} from '@wharf/notary';
import type { CommandContext } from '../deps.js';
import { say } from '../oras/command.js';
import { confirm } from '../oras/io.js';
import { acceptVerbose, fileArg, pathsOf } from '../notation/common.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';

/** notation's limit for a plugin source. */
const MAX_PLUGIN_BYTES = 256 * 1024 * 1024;

interface PluginOptions {
  readonly file?: boolean;
  readonly url?: boolean;
  readonly sha256sum?: string;
  readonly force?: boolean;
  readonly yes?: boolean;
}

function installError(message: string, cause?: unknown): WharfError {
  return new WharfError(
    'PLUGIN_INSTALL_FAILED',
    `plugin installation failed: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The plugin name of a `notation-<name>` file name. */
function nameOfExecutable(file: string): string {
  const base = basename(file);
  if (!base.startsWith('notation-') || base.length === 'notation-'.length) {
    throw installError(
      `${base} is not a plugin executable: its name must be notation-<plugin name>`,
    );
  }
  const name = base.slice('notation-'.length);
  try {
    validatePluginName(name);
  } catch (err) {
    throw installError(err instanceof Error ? err.message : String(err), err);
  }
  return name;
}

/** Extracts the single `notation-*` regular file of a .tar.gz into `dir`; returns its name. */
async function extractTarGz(src: string, dir: string): Promise<string> {
  const extract = tar.extract();
  let found: string | undefined;
  let total = 0;
  extract.on('entry', (header, stream, next) => {
    const base = basename(header.name);
    const chunks: Buffer[] = [];
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      total += c.length;
      if (total > MAX_PLUGIN_BYTES) {
        stream.destroy(installError(`the archive holds more than ${MAX_PLUGIN_BYTES} bytes`));
        return;
      }
      if (base.startsWith('notation-') && header.type === 'file') chunks.push(c);
    });
    stream.on('end', () => {
      if (!base.startsWith('notation-')) return next();
      if (header.type !== 'file') {
        return next(installError(`${header.name} in the archive is not a regular file`));
      }
      if (found !== undefined) {
        return next(installError('the archive holds more than one notation-* file'));
      }
      found = base;
      const name = nameOfExecutable(base);
      const target = join(dir, name, pluginExecutableName(name));
      mkdir(join(dir, name), { recursive: true })
        .then(() => writeFile(target, Buffer.concat(chunks), { mode: 0o755 }))
        .then(() => next(), next);
    });
    stream.on('error', next);
  });
  try {
    await pipeline(createReadStream(src), createGunzip(), extract);
  } catch (err) {
    if (err instanceof WharfError) throw err;
    throw installError(`cannot read ${basename(src)} as a .tar.gz archive`, err);
  }
  if (found === undefined) throw installError('the archive holds no notation-* plugin executable');
  return nameOfExecutable(found);
}

/** Extracts the single `notation-*` regular file of a .zip into `dir`; returns its name. */
async function extractZip(src: string, dir: string): Promise<string> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((res, rej) =>
      yauzl.open(src, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, z) =>
        err ? rej(err) : res(z),
      ),
    );
  } catch (err) {
    throw installError(`cannot read ${basename(src)} as a .zip archive`, err);
  }
  let found: string | undefined;
  let total = 0;
  await new Promise<void>((res, rej) => {
    const fail = (err: unknown): void => {
      zip.close();
      rej(
        err instanceof WharfError
          ? err
          : installError(
              `cannot read ${basename(src)}: ${err instanceof Error ? err.message : String(err)}`,
              err,
            ),
      );
    };
    zip.on('error', fail);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      const base = basename(entry.fileName);
      total += entry.uncompressedSize;
      if (total > MAX_PLUGIN_BYTES) {
        fail(installError(`the archive holds more than ${MAX_PLUGIN_BYTES} bytes`));
        return;
      }
      if (!base.startsWith('notation-') || entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      // Unix mode in the high 16 bits of the external attributes: refuse anything but a file.
      const type = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (type !== 0 && type !== 0o100000) {
        fail(installError(`${entry.fileName} in the archive is not a regular file`));
        return;
      }
      if (found !== undefined) {
        fail(installError('the archive holds more than one notation-* file'));
        return;
      }
      let name: string;
      try {
        name = nameOfExecutable(base);
      } catch (err) {
        fail(err);
        return;
      }
      found = base;
      zip.openReadStream(entry, (err, stream) => {
        if (err) {
          fail(err);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          mkdir(join(dir, name), { recursive: true })
            .then(() =>
              writeFile(join(dir, name, pluginExecutableName(name)), Buffer.concat(chunks), {
                mode: 0o755,
              }),
            )
            .then(() => zip.readEntry(), fail);
        });
      });
    });
    zip.readEntry();
  });
  if (found === undefined) throw installError('the archive holds no notation-* plugin executable');
  return nameOfExecutable(found);
}

/** notation's download limit for `--url`. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** Downloads `url` to `file`, at most {@link MAX_PLUGIN_BYTES}, within 10 minutes. */
async function downloadPlugin(url: URL, file: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: 'follow',
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    });
  } catch (err) {
    throw installError(
      `failed to download ${url.href}: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw installError(`failed to download ${url.href}: HTTP ${res.status}`);
  }
  if (new URL(res.url).protocol !== 'https:') {
    await res.body.cancel();
    throw installError(`failed to download ${url.href}: redirected to a non-HTTPS URL`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_PLUGIN_BYTES) {
      await reader.cancel();
      throw installError(`${url.href} is larger than ${MAX_PLUGIN_BYTES} bytes`);
    }
    chunks.push(value);
  }
  await writeFile(file, Buffer.concat(chunks), { mode: 0o600 });
}

async function readHead(file: string): Promise<Buffer> {
  const b = await readFile(file);
  return b.subarray(0, 4);
}

function semverParts(v: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** -1, 0, 1 comparing release numbers (non-semver versions compare as text). */
function compareVersions(a: string, b: string): number {
  const pa = semverParts(a);
  const pb = semverParts(b);
  if (!pa || !pb) return a === b ? 0 : a < b ? -1 : 1;
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** `wharf plugin install|list|uninstall` (notation plugin). */
export function registerPlugin(program: Command, context: () => CommandContext): void {
  const plugin = program
    .command('plugin')
    .description('Manage plugins (notation plugin)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf plugin install --file ./notation-my-kms\n  wharf plugin ls',
    );

  acceptVerbose(plugin.command('install'))
    .alias('add')
    .description(
      'Install a plugin from a file: a notation-<name> executable, or a .tar.gz or .zip holding one',
    )
    .argument('<plugin_source>', 'path of the plugin file')
    .option('--file', 'install from a file on the file system (the default)')
    .option('--url', 'install from an HTTPS URL (needs --sha256sum)')
    .option('--sha256sum <hex>', 'SHA-256 the source file must have')
    .option('--force', 'install even if the same or a newer version is installed')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf plugin install --file ./notation-my-kms\n  wharf plugin install --file my-kms-v1.0.tar.gz --sha256sum 1130…c17e\n  wharf plugin install --file ./notation-my-kms --force',
    )
    .action(async (source: string, opts: PluginOptions) => {
      const ctx = context();
      const pluginsDir = pathsOf(ctx).pluginsDir;
      await mkdir(pluginsDir, { recursive: true, mode: 0o700 });
      let src: string;
      let download: string | undefined;
      let kind: 'tar.gz' | 'zip' | 'executable';
      let executableName: string;
      if (opts.url) {
        if (opts.file) throw usageError('--file and --url cannot be used together');
        let url: URL;
        try {
          url = new URL(source);
        } catch {
          throw usageError(`--url: "${source}" is not a URL`);
        }
        if (url.protocol !== 'https:')
          throw usageError('--url: only the HTTPS scheme is supported');
        if (opts.sha256sum === undefined) throw usageError('--sha256sum is required with --url');
        download = join(pluginsDir, `.download-${randomBytes(6).toString('hex')}`);
        await downloadPlugin(url, download);
        src = download;
        const head = await readHead(download);
        kind =
          head[0] === 0x1f && head[1] === 0x8b
            ? 'tar.gz'
            : head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
              ? 'zip'
              : 'executable';
        executableName = basename(decodeURIComponent(url.pathname));
      } else {
        src = fileArg(ctx, source);
        const st = await lstat(src).catch((err: unknown) => {
          throw installError(`cannot read ${source}`, err);
        });
        if (!st.isFile()) throw installError(`${source} is not a regular file`);
        if (st.size > MAX_PLUGIN_BYTES)
          throw installError(`${source} is larger than ${MAX_PLUGIN_BYTES} bytes`);
        const lower = src.toLowerCase();
        kind =
          lower.endsWith('.tar.gz') || lower.endsWith('.tgz')
            ? 'tar.gz'
            : lower.endsWith('.zip')
              ? 'zip'
              : 'executable';
        executableName = basename(src);
      }
      // Staged inside the plugins dir so the final step is one rename on the same file system.
      const stage = join(pluginsDir, `.install-${randomBytes(6).toString('hex')}`);
      await mkdir(stage, { mode: 0o700 });
      try {
        if (opts.sha256sum !== undefined) {
          const want = opts.sha256sum.toLowerCase();
          if (!/^[0-9a-f]{64}$/.test(want)) throw usageError('--sha256sum must be 64 hex digits');
          const got = createHash('sha256')
            .update(await readFile(src))
            .digest('hex');
          if (got !== want) {
            throw installError(
              `plugin checksum does not match user input. Expecting ${want}, got ${got}`,
            );
          }
        }
        let name: string;
        if (kind === 'tar.gz') {
          name = await extractTarGz(src, stage);
        } else if (kind === 'zip') {
          name = await extractZip(src, stage);
        } else {
          name = nameOfExecutable(executableName);
          if (!download) {
            try {
              await access(src, constants.X_OK);
            } catch {
              throw installError(`input file ${basename(src)} is not executable`);
            }
          }
          await mkdir(join(stage, name));
          const target = join(stage, name, pluginExecutableName(name));
          await writeFile(target, await readFile(src), { mode: 0o755 });
          await chmod(target, 0o755);
        }
        let meta: PluginMetadata;
        try {
          meta = await new NotaryPlugin(name, await findPlugin(stage, name), {
            timeoutMs: 30_000,
          }).getMetadata({});
        } catch (err) {
          throw installError(
            `plugin ${name} does not answer get-plugin-metadata correctly: ${err instanceof Error ? err.message : String(err)}`,
            err,
          );
        }
        let old: PluginMetadata | undefined;
        const existing = await findPlugin(pluginsDir, name).catch(() => undefined);
        if (existing) {
          old = await new NotaryPlugin(name, existing, { timeoutMs: 30_000 })
            .getMetadata({})
            .catch(() => undefined);
        }
        if (old && !opts.force) {
          const cmp = compareVersions(meta.version, old.version);
          if (cmp === 0)
            throw installError(`plugin ${name} with version ${old.version} already exists`);
          if (cmp < 0) {
            throw installError(
              `plugin ${name} version ${meta.version} is lower than the installed version ${old.version}`,
            );
          }
        }
        const finalDir = join(pluginsDir, name);
        await rm(finalDir, { recursive: true, force: true });
        await rename(join(stage, name), finalDir);
        say(
          ctx,
          existing
            ? `Successfully updated plugin ${name} from version ${old?.version ?? 'unknown'} to ${meta.version}`
            : `Successfully installed plugin ${name}, version ${meta.version}`,
        );
      } finally {
        await rm(stage, { recursive: true, force: true });
        if (download) await rm(download, { force: true });
      }
    });

  plugin
    .command('list')
    .alias('ls')
    .description('List installed plugins')
    .addHelpText('after', '\nExamples:\n  wharf plugin ls')
    .action(async () => {
      const ctx = context();
      const rows: string[][] = [];
      for (const e of await listPluginDirectories(pathsOf(ctx).pluginsDir)) {
        if (e.name.startsWith('.')) continue;
        if (!e.path) {
          rows.push([e.name, '', '', '[]', e.error?.message ?? 'invalid']);
          continue;
        }
        try {
          const m = await new NotaryPlugin(e.name, e.path, { timeoutMs: 30_000 }).getMetadata({});
          rows.push([e.name, m.description, m.version, `[${m.capabilities.join(' ')}]`, '<nil>']);
        } catch (err) {
          rows.push([e.name, '', '', '[]', err instanceof Error ? err.message : String(err)]);
        }
      }
      ctx.deps.stdout.write(
        goTable([['NAME', 'DESCRIPTION', 'VERSION', 'CAPABILITIES', 'ERROR'], ...rows]),
      );
    });

  acceptVerbose(plugin.command('uninstall'))
    .aliases(['remove', 'rm'])
    .description('Uninstall a plugin')
    .argument('<plugin_name>', 'name of the plugin')
    .option('-y, --yes', 'do not prompt for confirmation')
    .addHelpText('after', '\nExamples:\n  wharf plugin uninstall -y my-kms')
    .action(async (name: string, opts: PluginOptions) => {
      const ctx = context();
      validatePluginName(name);
      const dir = join(pathsOf(ctx).pluginsDir, name);
      const st = await lstat(dir).catch(() => undefined);
      if (!st?.isDirectory())
        throw new WharfError('PLUGIN_NOT_FOUND', `unable to find plugin ${name}`);
      if (
        !opts.yes &&
        !(await confirm(ctx, `Are you sure you want to uninstall plugin "${name}"?`))
      )
        return;
      await rm(dir, { recursive: true, force: true });
      say(ctx, `Successfully uninstalled plugin ${name}`);
    });
}
