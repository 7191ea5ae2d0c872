import type { Stats } from 'node:fs';
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ANNOTATION_CREATED, WharfError, type Descriptor } from '@wharf/core';
import type { Catalog, LayerProgress, SbomFormat, SbomSource } from '@wharf/sbom/lite';
import type { CommandContext, TextOut } from '../deps.js';
import type { ManifestSignFlags, ManifestSigner } from '../notation/sign-manifest.js';
import { addAttachSignOptions } from '../notation/flags.js';
import { collect, remoteCommand } from '../oras/command.js';
import { remoteFlags, splitReference, type RemoteFlags } from '../oras/options.js';
import { humanSize, PUSH_VERBS, Progress, shortDigest } from '../oras/progress.js';
import { parsePlatform } from '../oras/platform.js';
import { usageError } from '../usage.js';

/** Media types (and artifact types) of attached SBOMs, as syft/oras users attach them. */
export const SBOM_MEDIA_TYPES: Readonly<Record<'spdx-json' | 'cyclonedx-json', string>> = {
  'spdx-json': 'application/spdx+json',
  'cyclonedx-json': 'application/vnd.cyclonedx+json',
};

const FILE_NAMES: Readonly<Record<'spdx-json' | 'cyclonedx-json', string>> = {
  'spdx-json': 'sbom.spdx.json',
  'cyclonedx-json': 'sbom.cdx.json',
};

interface SbomOptions extends RemoteFlags, ManifestSignFlags {
  readonly format?: string;
  readonly output?: string[];
  readonly outputFile?: string;
  readonly platform?: string;
  readonly cache?: boolean;
  readonly attach?: boolean;
  readonly pretty?: boolean;
  readonly sign?: boolean;
  readonly quiet?: boolean;
  readonly tty?: boolean;
}

/** One requested output: a format and where it goes (undefined = stdout). */
interface OutputSpec {
  readonly format: SbomFormat;
  readonly file: string | undefined;
}

/** Where the SBOM is read from, after looking at prefixes, flags and the file system. */
export type TargetSpec =
  | { readonly kind: 'registry'; readonly raw: string }
  | {
      readonly kind: 'oci-layout';
      readonly raw: string;
      readonly path: string;
      readonly reference: string | undefined;
      readonly archive: boolean;
    }
  | { readonly kind: 'rootfs'; readonly raw: string; readonly path: string };

const FORMAT_ALIASES: Readonly<Record<string, SbomFormat>> = {
  'spdx-json': 'spdx-json',
  'spdx-json@2.3': 'spdx-json',
  'cyclonedx-json': 'cyclonedx-json',
  'cyclonedx-json@1.6': 'cyclonedx-json',
  table: 'table',
  'syft-table': 'table',
};

/** `spdx-json`, `cyclonedx-json@1.6`, `table` (syft's names; only the versions Wharf writes). */
export function parseSbomFormat(value: string): SbomFormat {
  const f = FORMAT_ALIASES[value];
  if (f === undefined) {
    throw usageError(
      `unsupported SBOM format "${value}" (use spdx-json[@2.3], cyclonedx-json[@1.6] or table)`,
    );
  }
  return f;
}

/**
 * The outputs asked for: every `-o format[=file]` (syft spelling), then `--format` with
 * `--output-file`. `--output-file` applies to the one output without its own file.
 */
export function parseOutputs(
  opts: Pick<SbomOptions, 'format' | 'output' | 'outputFile' | 'attach'>,
): OutputSpec[] {
  const specs: { format: SbomFormat; file: string | undefined }[] = [];
  for (const o of opts.output ?? []) {
    const eq = o.indexOf('=');
    const file = eq >= 0 ? o.slice(eq + 1) : undefined;
    if (file === '') throw usageError(`-o ${o}: the file name after "=" is empty`);
    specs.push({ format: parseSbomFormat(eq >= 0 ? o.slice(0, eq) : o), file });
  }
  if (opts.format !== undefined)
    specs.push({ format: parseSbomFormat(opts.format), file: undefined });
  if (specs.length === 0) {
    specs.push({ format: opts.attach ? 'spdx-json' : 'table', file: undefined });
  }
  if (opts.outputFile !== undefined) {
    const open = specs.filter((s) => s.file === undefined);
    if (open.length !== 1 || open[0] === undefined) {
      throw usageError('--output-file needs exactly one output without its own "=file"');
    }
    open[0].file = opts.outputFile;
  }
  if (specs.filter((s) => s.file === undefined).length > 1) {
    throw usageError('only one output may go to stdout; give the others a file (-o format=file)');
  }
  return specs;
}

const PREFIXES: Readonly<Record<string, 'registry' | 'oci-layout' | 'rootfs'>> = {
  'registry:': 'registry',
  'oci-layout:': 'oci-layout',
  'oci-dir:': 'oci-layout',
  'oci-archive:': 'oci-layout',
  'dir:': 'rootfs',
};

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Decides what `raw` names: a scheme prefix (`registry:`, `oci-layout:`/`oci-dir:`/`oci-archive:`,
 * `dir:`) or `--oci-layout` wins; otherwise an existing path is a layout (a directory with an
 * `oci-layout` file, or a `.tar` archive, each optionally followed by `:tag` or `@digest`) or a
 * root filesystem (any other directory), and anything else is a registry reference.
 */
export async function classifyTarget(
  cwd: string,
  raw: string,
  ociLayoutFlag: boolean,
): Promise<TargetSpec> {
  let rest = raw;
  let forced: 'registry' | 'oci-layout' | 'rootfs' | undefined = ociLayoutFlag
    ? 'oci-layout'
    : undefined;
  for (const [prefix, kind] of Object.entries(PREFIXES)) {
    if (raw.startsWith(prefix)) {
      forced = kind;
      rest = raw.slice(prefix.length);
      break;
    }
  }
  if (rest === '') throw usageError(`"${raw}": no target after the prefix`);
  if (forced === 'registry') return { kind: 'registry', raw: rest };
  if (forced === 'rootfs') return { kind: 'rootfs', raw: rest, path: resolve(cwd, rest) };
  const whole = await statOrUndefined(resolve(cwd, rest));
  if (whole !== undefined) {
    if (whole.isDirectory() && forced === undefined) {
      const marker = await statOrUndefined(join(resolve(cwd, rest), 'oci-layout'));
      if (marker === undefined) return { kind: 'rootfs', raw: rest, path: resolve(cwd, rest) };
    }
    return {
      kind: 'oci-layout',
      raw: rest,
      path: resolve(cwd, rest),
      reference: undefined,
      archive: whole.isFile(),
    };
  }
  const parts = splitReference(rest);
  const reference = parts.digest ?? parts.tags[0];
  if (parts.tags.length > 1) throw usageError(`"${raw}": only one tag may be given`);
  const base = await statOrUndefined(resolve(cwd, parts.name));
  if (base !== undefined || forced === 'oci-layout') {
    if (base === undefined) {
      throw new WharfError('NOT_FOUND', `OCI layout ${parts.name} does not exist`);
    }
    return {
      kind: 'oci-layout',
      raw: rest,
      path: resolve(cwd, parts.name),
      reference,
      archive: base.isFile(),
    };
  }
  return { kind: 'registry', raw: rest };
}

/**
 * Layer progress on stderr: one line redrawn in place on a TTY, otherwise a plain line per
 * layer when it is done (`Cataloged layer 2/5 <12 hex> 3.20 MB (cached)`).
 */
class LayerStatus {
  readonly #out: TextOut;
  readonly #tty: boolean;
  readonly enabled: boolean;
  #drawn = false;

  constructor(out: TextOut, tty: boolean, enabled: boolean) {
    this.#out = out;
    this.#tty = tty;
    this.enabled = enabled;
  }

  layer(e: LayerProgress): void {
    if (!this.enabled) return;
    const what = `layer ${e.index + 1}/${e.total} ${shortDigest(e.digest)} ${humanSize(e.size)}`;
    if (this.#tty) {
      const verb = e.phase === 'start' ? 'Cataloging' : 'Cataloged ';
      this.#out.write(`\r\x1b[K${verb} ${what}${e.cached === true ? ' (cached)' : ''}`);
      this.#drawn = true;
    } else if (e.phase === 'done') {
      this.#out.write(`Cataloged layer ${what.slice(6)}${e.cached === true ? ' (cached)' : ''}\n`);
    }
  }

  line(text: string): void {
    if (!this.enabled) return;
    this.clear();
    this.#out.write(`${text}\n`);
  }

  clear(): void {
    if (this.#drawn) this.#out.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** Writes `text` to `path` atomically (a temp file beside it, then rename). */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.wharf-sbom.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new WharfError('IO_ERROR', `cannot write ${path}`, { cause: err });
  }
}

const MAX_WARNINGS_SHOWN = 20;

function reportWarnings(status: LayerStatus, ctx: CommandContext, catalog: Catalog): void {
  const shown = catalog.warnings.slice(0, MAX_WARNINGS_SHOWN);
  status.clear();
  for (const w of shown) {
    const where = w.path !== undefined ? ` [${w.path}]` : '';
    ctx.deps.stderr.write(`Warning: ${w.message}${where} (${w.code})\n`);
  }
  const more = catalog.warnings.length - shown.length;
  if (more > 0) ctx.deps.stderr.write(`Warning: … and ${more} more (see --debug)\n`);
  if (more > 0) {
    for (const w of catalog.warnings.slice(MAX_WARNINGS_SHOWN)) {
      ctx.logger.debug({ code: w.code, path: w.path, layer: w.layer }, w.message);
    }
  }
}

/** `--attach` needs a writable image target: not a root filesystem, not an OCI archive. */
function checkAttachable(target: TargetSpec): void {
  if (target.kind === 'rootfs') {
    throw usageError('--attach needs an image target (registry reference or OCI layout)');
  }
  if (target.kind === 'oci-layout' && target.archive) {
    throw usageError(`--attach cannot write to ${target.raw}: an OCI archive is read-only`);
  }
}

/** What `--attach` pushed: the SBOM manifest and the image manifest it refers to. */
export interface AttachedSbom {
  readonly format: 'spdx-json' | 'cyclonedx-json';
  readonly descriptor: Descriptor;
  readonly subject: Descriptor;
  /** `name@digest` of the SBOM manifest. */
  readonly reference: string;
  /** The signature manifest, with `--sign`. */
  readonly signature?: Descriptor;
}

async function attachSboms(
  ctx: CommandContext,
  target: TargetSpec,
  flags: RemoteFlags,
  catalog: Catalog,
  documents: readonly { format: 'spdx-json' | 'cyclonedx-json'; text: string }[],
  created: Date,
  status: LayerStatus,
  tty: boolean,
  signer: ManifestSigner | undefined,
): Promise<AttachedSbom[]> {
  checkAttachable(target);
  const manifest = catalog.source.manifest;
  if (manifest === undefined) {
    throw usageError('--attach needs an image target (registry reference or OCI layout)');
  }
  // The name as the user typed it (a relative layout path stays relative to the cwd).
  const at =
    target.kind === 'oci-layout' && target.reference === undefined
      ? target.raw
      : splitReference(target.raw).name;
  // The registry client (and undici) load only when something is attached or fetched remotely.
  const { openTarget, requireWritable } = await import('../oras/target.js');
  const { packAndPush } = await import('../oras/push.js');
  const t = await openTarget(ctx, `${at}@${manifest.digest}`, {
    ...flags,
    ociLayout: target.kind === 'oci-layout',
  });
  const work = await mkdtemp(join(tmpdir(), 'wharf-sbom-'));
  const out: AttachedSbom[] = [];
  try {
    const store = requireWritable(t);
    const subject: Descriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    };
    for (const doc of documents) {
      const mediaType = SBOM_MEDIA_TYPES[doc.format];
      await writeFile(join(work, FILE_NAMES[doc.format]), doc.text);
      // Status lines of the upload go to stderr: stdout carries the SBOM.
      const progress = new Progress(ctx.deps.stderr, PUSH_VERBS, {
        tty,
        enabled: status.enabled,
      });
      let pushed;
      try {
        pushed = await packAndPush(
          store,
          {
            cwd: work,
            files: [`${FILE_NAMES[doc.format]}:${mediaType}`],
            artifactType: mediaType,
            config: undefined,
            imageSpec: 'v1.1',
            annotations: {
              manifest: { [ANNOTATION_CREATED]: created.toISOString().replace(/\.\d{3}Z$/, 'Z') },
              config: {},
              files: {},
            },
            subject,
            concurrency: 2,
            disablePathValidation: false,
            exportManifest: undefined,
            signal: ctx.deps.signal,
          },
          [],
          progress,
        );
      } finally {
        progress.stop();
      }
      const reference = `${t.name}@${pushed.descriptor.digest}`;
      status.line(`Attached ${mediaType} to ${t.name}@${subject.digest}`);
      status.line(`Digest: ${pushed.descriptor.digest}`);
      let signature: Descriptor | undefined;
      if (signer !== undefined) {
        const signed = await signer.sign(store, pushed.descriptor, ctx.deps.signal);
        signature = signed.manifest;
        status.line(`Signed ${reference}`);
        status.line(`Pushed the signature to ${t.name}@${signature.digest}`);
      }
      out.push({
        format: doc.format,
        descriptor: pushed.descriptor,
        subject,
        reference,
        ...(signature !== undefined ? { signature } : {}),
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await t.close();
  }
  return out;
}

/** Options of {@link catalogTarget}. */
export interface CatalogTargetOptions {
  /** `--platform` for an index. */
  readonly platform?: string;
  /** `false` for `--no-cache`. */
  readonly cache?: boolean;
  readonly onLayer?: (e: LayerProgress) => void;
}

/**
 * Catalogs a classified target (`wharf sbom` and `wharf scan`): a registry image, an OCI layout or
 * archive, or a root filesystem, with the SBOM layer cache in `$XDG_CACHE_HOME/wharf/sbom` unless
 * disabled (a root filesystem has no layers to cache). `@wharf/sbom/lite` (which loads the
 * catalogers and the tar reader only on a cache miss) and, for a registry target, the registry
 * client are loaded only here. A corrupt cache entry is a miss with a warning on the logger.
 */
export async function catalogTarget(
  ctx: CommandContext,
  target: TargetSpec,
  flags: RemoteFlags,
  options: CatalogTargetOptions = {},
): Promise<Catalog> {
  const { catalogSource, DirectoryLayerCache } = await import('@wharf/sbom/lite');
  const cache =
    options.cache === false || target.kind === 'rootfs'
      ? undefined
      : new DirectoryLayerCache(join(ctx.paths.cacheDir, 'sbom'), { logger: ctx.logger });
  const common = {
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(options.onLayer !== undefined ? { onLayer: options.onLayer } : {}),
    signal: ctx.deps.signal,
    logger: ctx.logger,
  };
  if (target.kind === 'registry') {
    const { openTarget } = await import('../oras/target.js');
    const t = await openTarget(ctx, target.raw, { ...flags, ociLayout: false });
    try {
      const reference = t.reference ?? 'latest';
      const descriptor = await t.store.resolve(reference, { signal: ctx.deps.signal });
      const name = t.reference === undefined ? `${t.name}:latest` : target.raw;
      const source: SbomSource = { kind: 'image', fetcher: t.store, descriptor, name };
      return await catalogSource(source, common);
    } finally {
      await t.close();
    }
  }
  if (target.kind === 'oci-layout') {
    return catalogSource(
      {
        kind: 'oci-layout',
        path: target.path,
        name: target.raw,
        ...(target.reference !== undefined ? { reference: target.reference } : {}),
      },
      common,
    );
  }
  return catalogSource({ kind: 'rootfs', path: target.path, name: target.raw }, common);
}

/** `wharf sbom`: an SPDX 2.3 / CycloneDX 1.6 / table SBOM of an image or directory, like syft. */
export function registerSbom(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('sbom')
    .description('Generate a software bill of materials for an image, OCI layout or directory')
    .argument(
      '<target>',
      'registry reference, OCI layout path[:tag|@digest], OCI archive .tar, or root filesystem directory',
    )
    .option('--format <format>', 'spdx-json, cyclonedx-json or table (default table)')
    .option(
      '-o, --output <format[=file]>',
      'syft spelling of --format; "=file" writes that output to a file (repeatable)',
      collect,
    )
    .option('--output-file <file>', 'write the SBOM to a file instead of stdout (atomic)')
    .option('--pretty', 'indent JSON output (default: one line, as syft writes it)')
    .option(
      '--platform <os/arch[/variant]>',
      "platform to pick from an index (default: the host's, e.g. linux/amd64)",
    )
    .option('--no-cache', `do not use the layer cache ($XDG_CACHE_HOME/wharf/sbom)`)
    .option('--attach', 'push the SBOM as a referrer of the image (default format spdx-json)');
  addAttachSignOptions(cmd, 'each pushed SBOM manifest').option(
    '-q, --quiet',
    'no progress or status lines on stderr (warnings still shown)',
  );
  remoteCommand(cmd, { ociLayout: true, distributionSpec: true });
  cmd
    .addHelpText(
      'after',
      `
Targets:
  registry:<ref> | <host>/<repo>[:tag|@digest]   an image in a registry (default tag latest)
  oci-layout:<path>[:tag|@digest]               an OCI image layout directory (also --oci-layout, oci-dir:)
  oci-archive:<file.tar>[:tag|@digest]          an OCI layout in a tar archive
  dir:<path> | <directory>                      an unpacked root filesystem
  Without a prefix an existing path is a layout (it has an oci-layout file), an archive
  (a file) or a root filesystem (any other directory); anything else is a registry reference.

Examples:
  # Table of the packages in an image
  wharf sbom localhost:5000/app:v1

  # SPDX JSON of an OCI layout, reproducible
  SOURCE_DATE_EPOCH=0 wharf sbom ./layout:v1 --format spdx-json --output-file app.spdx.json

  # syft spelling: CycloneDX to a file and a table on stdout
  wharf sbom oci-archive:app.tar -o cyclonedx-json=app.cdx.json -o table

  # Attach an SPDX SBOM to the linux/arm64 image of an index
  wharf sbom --attach --platform linux/arm64 localhost:5000/app:v1

  # Attach and sign it with the default notation key (verify with: notation verify <repo>@<SBOM digest>)
  wharf sbom --attach --sign localhost:5000/app@sha256:...`,
    )
    .action(async (rawTarget: string, opts: SbomOptions) => {
      const ctx = context();
      // Loaded here, not at the top: every other wharf command would pay for its modules.
      const { createdFromEpoch, renderCatalog, serializeSbom } = await import('@wharf/sbom/lite');
      const outputs = parseOutputs(opts);
      parsePlatform(opts.platform); // a malformed --platform is a usage error (exit 2)
      const flags = remoteFlags(opts);
      const epoch = ctx.deps.env['SOURCE_DATE_EPOCH'];
      const fromEpoch = createdFromEpoch(epoch);
      if (epoch !== undefined && epoch !== '' && fromEpoch === undefined) {
        throw usageError(`SOURCE_DATE_EPOCH must be a number of seconds, got "${epoch}"`);
      }
      const created = fromEpoch ?? new Date();
      const attachFormats = outputs
        .map((o) => o.format)
        .filter((f): f is 'spdx-json' | 'cyclonedx-json' => f !== 'table');
      if (opts.attach && attachFormats.length === 0) {
        throw usageError('--attach needs an spdx-json or cyclonedx-json output');
      }
      if (opts.sign && !opts.attach) throw usageError('--sign needs --attach');
      const signOnly = [opts.key, opts.id, opts.plugin, opts.signatureFormat, opts.expiry];
      if (
        !opts.sign &&
        (signOnly.some((v) => v !== undefined) || opts.userMetadata || opts.pluginConfig)
      ) {
        throw usageError(
          '--key, --id, --plugin, --plugin-config, --signature-format, --expiry and --user-metadata need --sign',
        );
      }
      const target = await classifyTarget(ctx.deps.cwd, rawTarget, flags.ociLayout === true);
      if (opts.attach) checkAttachable(target);
      // Resolve the key before scanning, so a missing key fails before anything is pushed.
      let signer: ManifestSigner | undefined;
      if (opts.sign) {
        const { prepareManifestSigner } = await import('../notation/sign-manifest.js');
        signer = await prepareManifestSigner(ctx, {
          ...(opts.key !== undefined ? { key: opts.key } : {}),
          ...(opts.id !== undefined ? { id: opts.id } : {}),
          ...(opts.plugin !== undefined ? { plugin: opts.plugin } : {}),
          ...(opts.pluginConfig !== undefined ? { pluginConfig: opts.pluginConfig } : {}),
          ...(opts.signatureFormat !== undefined ? { signatureFormat: opts.signatureFormat } : {}),
          ...(opts.expiry !== undefined ? { expiry: opts.expiry } : {}),
          ...(opts.userMetadata !== undefined ? { userMetadata: opts.userMetadata } : {}),
        });
      }
      const stderrTty = ctx.deps.stderr.isTTY === true && opts.tty !== false;
      const status = new LayerStatus(ctx.deps.stderr, stderrTty, opts.quiet !== true);
      const catalog = await catalogTarget(ctx, target, flags, {
        ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
        ...(opts.cache !== undefined ? { cache: opts.cache } : {}),
        onLayer: (e: LayerProgress) => status.layer(e),
      });
      status.clear();
      reportWarnings(status, ctx, catalog);
      const texts = new Map<SbomFormat, string>();
      const textOf = (format: SbomFormat): string => {
        let text = texts.get(format);
        if (text === undefined) {
          text = serializeSbom(renderCatalog(catalog, format, { created }), {
            pretty: opts.pretty === true,
          });
          texts.set(format, text);
        }
        return text;
      };
      for (const o of outputs) {
        if (o.file === undefined) continue;
        await writeAtomic(resolve(ctx.deps.cwd, o.file), textOf(o.format));
      }
      if (opts.attach) {
        const docs = [...new Set(attachFormats)].map((format) => ({
          format,
          text: textOf(format),
        }));
        await attachSboms(ctx, target, flags, catalog, docs, created, status, stderrTty, signer);
      }
      const toStdout = outputs.find((o) => o.file === undefined);
      if (toStdout !== undefined) ctx.deps.stdout.write(textOf(toStdout.format));
    });
}
