import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ANNOTATION_CREATED, WharfError, type Descriptor } from '@wharf/core';
import { hostPlatform, type Catalog } from '@wharf/sbom';
import type { ReportFormat, ScanPackage, ScanReport, ScanTarget } from '@wharf/vulndb';
import type { CommandContext } from '../deps.js';
import { addAttachSignOptions } from '../notation/flags.js';
import { collect, remoteCommand } from '../oras/command.js';
import { remoteFlags, type RemoteFlags } from '../oras/options.js';
import { PUSH_VERBS, Progress } from '../oras/progress.js';
import { packAndPush } from '../oras/push.js';
import { openTarget, requireWritable, splitReference } from '../oras/target.js';
import type { ManifestSignFlags, ManifestSigner } from '../notation/sign-manifest.js';
import { usageError } from '../usage.js';
import { VERSION } from '../version.js';
import { dbDirFor, loadVulnDb } from './db.js';
import { catalogTarget, classifyTarget } from './sbom.js';

interface ScanOptions extends RemoteFlags, ManifestSignFlags {
  readonly db?: string;
  readonly format?: string;
  readonly outputFile?: string;
  readonly severity?: string;
  readonly ignoreUnfixed?: boolean;
  readonly exitCode?: string | boolean;
  readonly ignoreFile?: string;
  readonly vex?: string[];
  readonly platform?: string;
  readonly cache?: boolean;
  readonly attach?: boolean;
  readonly sign?: boolean;
  readonly quiet?: boolean;
  readonly tty?: boolean;
}

/** `--exit-code` alone means 3 (verification failed); `--exit-code N` means N (0–255). */
export function parseExitCode(v: string | boolean | undefined): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return 3;
  if (!/^\d{1,3}$/.test(v) || Number(v) > 255) {
    throw usageError(`--exit-code must be a number from 0 to 255, got "${v}"`);
  }
  return Number(v);
}

/** `@wharf/vulndb`'s REPORT_FORMATS, listed here so help text needs no import of the package. */
const REPORT_FORMATS = [
  'table',
  'json',
  'sarif',
  'cyclonedx-vex',
] as const satisfies readonly ReportFormat[];

function parseReportFormat(v: string | undefined, attach: boolean): ReportFormat {
  const f = v ?? (attach ? 'json' : 'table');
  if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
    throw usageError(`unsupported report format "${f}" (use ${REPORT_FORMATS.join(', ')})`);
  }
  return f as ReportFormat;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new WharfError('IO_ERROR', `cannot write ${path}`, { cause: err });
  }
}

/** An SBOM file target: `sbom:<file>`, or an existing regular file whose text starts with `{`. */
async function sbomFileOf(cwd: string, raw: string): Promise<string | undefined> {
  if (raw.startsWith('sbom:')) return resolve(cwd, raw.slice(5));
  const path = resolve(cwd, raw);
  try {
    if (!(await stat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const head = (await readFile(path)).subarray(0, 64).toString('utf8').trimStart();
  return head.startsWith('{') ? path : undefined;
}

interface Loaded {
  readonly packages: ScanPackage[];
  readonly total: number;
  readonly target: ScanTarget;
  readonly catalog?: Catalog;
  readonly image?: {
    readonly kind: 'registry' | 'oci-layout';
    readonly name: string;
    readonly archive: boolean;
  };
}

async function loadTarget(ctx: CommandContext, raw: string, opts: ScanOptions): Promise<Loaded> {
  const sbomPath = await sbomFileOf(ctx.deps.cwd, raw);
  if (sbomPath !== undefined) {
    const { packagesFromSbom } = await loadVulnDb();
    const s = packagesFromSbom(await readFile(sbomPath, 'utf8'), basename(sbomPath));
    if (s.withoutPurl > 0) {
      ctx.deps.stderr.write(
        `Warning: ${s.withoutPurl} SBOM entries have no versioned purl and were not matched\n`,
      );
    }
    return {
      packages: s.packages,
      total: s.packages.length + s.withoutPurl,
      target: { kind: 'sbom', name: s.name },
    };
  }
  const flags = remoteFlags(opts);
  const target = await classifyTarget(ctx.deps.cwd, raw, flags.ociLayout === true);
  const catalog = await catalogTarget(ctx, target, flags, {
    ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
    ...(opts.cache !== undefined ? { cache: opts.cache } : {}),
  });
  const image: Loaded['image'] =
    target.kind === 'registry'
      ? { kind: 'registry', name: splitReference(target.raw).name, archive: false }
      : target.kind === 'oci-layout'
        ? {
            kind: 'oci-layout',
            name: target.reference === undefined ? target.raw : splitReference(target.raw).name,
            archive: target.archive,
          }
        : undefined;
  for (const w of catalog.warnings.slice(0, 20)) {
    ctx.deps.stderr.write(
      `Warning: ${w.message}${w.path !== undefined ? ` [${w.path}]` : ''} (${w.code})\n`,
    );
  }
  const { packagesFromCatalog, targetFromCatalog } = await loadVulnDb();
  const packages = packagesFromCatalog(catalog);
  return {
    packages,
    total: catalog.packages.length,
    target: targetFromCatalog(catalog),
    catalog,
    ...(image !== undefined ? { image } : {}),
  };
}

async function attachReport(
  ctx: CommandContext,
  loaded: Loaded,
  opts: ScanOptions,
  format: Exclude<ReportFormat, 'table'>,
  text: string,
  created: string,
  signer: ManifestSigner | undefined,
): Promise<{
  reference: string;
  descriptor: Descriptor;
  subject: Descriptor;
  signature?: Descriptor;
}> {
  const manifest = loaded.catalog?.source.manifest;
  if (manifest === undefined || loaded.image === undefined) {
    throw usageError('--attach needs an image target (registry reference or OCI layout)');
  }
  if (loaded.image.archive) throw usageError('--attach cannot write to an OCI archive (read-only)');
  const t = await openTarget(ctx, `${loaded.image.name}@${manifest.digest}`, {
    ...remoteFlags(opts),
    ociLayout: loaded.image.kind === 'oci-layout',
  });
  const work = await mkdtemp(join(tmpdir(), 'wharf-scan-'));
  try {
    const artifactType = (await loadVulnDb()).REPORT_ARTIFACT_TYPES[format];
    const file =
      format === 'sarif'
        ? 'report.sarif.json'
        : format === 'json'
          ? 'report.json'
          : 'report.vex.cdx.json';
    await writeFile(join(work, file), text);
    const subject: Descriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    };
    const progress = new Progress(ctx.deps.stderr, PUSH_VERBS, {
      tty: false,
      enabled: opts.quiet !== true,
    });
    let pushed;
    try {
      pushed = await packAndPush(
        requireWritable(t),
        {
          cwd: work,
          files: [`${file}:${artifactType}`],
          artifactType,
          config: undefined,
          imageSpec: 'v1.1',
          annotations: { manifest: { [ANNOTATION_CREATED]: created }, config: {}, files: {} },
          subject,
          concurrency: 1,
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
    const signed =
      signer !== undefined
        ? await signer.sign(requireWritable(t), pushed.descriptor, ctx.deps.signal)
        : undefined;
    return {
      reference: `${t.name}@${pushed.descriptor.digest}`,
      descriptor: pushed.descriptor,
      subject,
      ...(signed !== undefined ? { signature: signed.manifest } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    await t.close();
  }
}

/** `wharf scan`: match an image, directory or SBOM against the offline OSV database. */
export function registerScan(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('scan')
    .description(
      'Scan an image, OCI layout/archive, root filesystem or SBOM for known vulnerabilities (offline)',
    )
    .argument(
      '<target>',
      'registry reference, OCI layout path[:tag|@digest], OCI archive .tar, root filesystem directory, or SBOM file (SPDX/CycloneDX JSON, or sbom:<file>)',
    )
    .option('--db <dir>', 'database directory (default $WHARF_DB or $XDG_CACHE_HOME/wharf/vulndb)')
    .option(
      '--format <format>',
      `report format: ${REPORT_FORMATS.join(', ')} (default table; json with --attach)`,
    )
    .option('--output-file <file>', 'write the report to a file instead of stdout (atomic)')
    .option('--severity <list>', 'report only these severities: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL')
    .option('--ignore-unfixed', 'drop vulnerabilities with no fixed version')
    .option(
      '--exit-code [n]',
      'exit with n (3 when n is omitted) when findings remain after filters',
    )
    .option(
      '--ignore-file <file>',
      'ignore file (YAML or JSON; default ./.wharfignore when present)',
    )
    .option(
      '--vex <file>',
      'OpenVEX document whose not_affected statements suppress findings (repeatable)',
      collect,
    )
    .option(
      '--platform <os/arch[/variant]>',
      `platform to pick from an index (default ${hostPlatform()})`,
    )
    .option('--no-cache', 'do not use the SBOM layer cache')
    .option(
      '--attach',
      'push the report as a referrer of the image (json, sarif or cyclonedx-vex)',
    );
  addAttachSignOptions(cmd, 'the pushed report manifest').option(
    '-q, --quiet',
    'no status lines on stderr (warnings still shown)',
  );
  remoteCommand(cmd, { ociLayout: true, distributionSpec: true });
  cmd
    .addHelpText(
      'after',
      `
The scan is offline: only a registry target is fetched over the network. Import data first
with "wharf db import".

Exit codes:
  0    no findings remain, or --exit-code not given
  n    findings remain after all filters and --exit-code n was given (3 for --exit-code alone)
  1    error (no database, unreadable target, malformed SBOM, ignore or VEX file)
  2    usage error

Examples:
  # Table of vulnerabilities in an image
  wharf scan localhost:5000/app:v1

  # Fail a CI job on fixable HIGH/CRITICAL findings
  wharf scan --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1 ./layout:v1

  # SARIF for code scanning, from an SBOM
  wharf scan --format sarif --output-file app.sarif app.spdx.json

  # Attach a SARIF report to the image as a referrer and sign it with the default notation key
  wharf scan --attach --sign --format sarif localhost:5000/app:v1`,
    )
    .action(async (raw: string, opts: ScanOptions) => {
      const ctx = context();
      const format = parseReportFormat(opts.format, opts.attach === true);
      if (opts.attach === true && format === 'table') {
        throw usageError('--attach needs --format json, sarif or cyclonedx-vex');
      }
      const exitCode = parseExitCode(opts.exitCode);
      const {
        VulnDb,
        dbFile,
        filterFindings,
        matchPackages,
        parseIgnoreFile,
        parseOpenVex,
        parseSeverities,
        renderReport,
        REPORT_ARTIFACT_TYPES,
      } = await loadVulnDb();
      if (opts.sign === true && opts.attach !== true) throw usageError('--sign needs --attach');
      const signOnly = [opts.key, opts.id, opts.plugin, opts.signatureFormat, opts.expiry];
      if (
        opts.sign !== true &&
        (signOnly.some((v) => v !== undefined) || opts.userMetadata || opts.pluginConfig)
      ) {
        throw usageError(
          '--key, --id, --plugin, --plugin-config, --signature-format, --expiry and --user-metadata need --sign',
        );
      }
      let signer: ManifestSigner | undefined;
      if (opts.sign === true) {
        const { prepareManifestSigner } = await import('../notation/sign-manifest.js');
        // The key is resolved before scanning, so a missing key fails before anything is pushed.
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
      let severities;
      try {
        severities = opts.severity !== undefined ? parseSeverities(opts.severity) : undefined;
      } catch (err) {
        throw usageError(err instanceof Error ? err.message : String(err));
      }
      const ignorePath =
        opts.ignoreFile !== undefined
          ? resolve(ctx.deps.cwd, opts.ignoreFile)
          : existsSync(join(ctx.deps.cwd, '.wharfignore'))
            ? join(ctx.deps.cwd, '.wharfignore')
            : undefined;
      const ignore =
        ignorePath !== undefined
          ? parseIgnoreFile(await readFile(ignorePath, 'utf8'), ignorePath)
          : undefined;
      const vex = [];
      for (const v of opts.vex ?? []) {
        const p = resolve(ctx.deps.cwd, v);
        vex.push(parseOpenVex(await readFile(p, 'utf8'), p));
      }
      const db = VulnDb.open(dbFile(await dbDirFor(ctx, opts.db)));
      let report: ScanReport;
      let loaded: Loaded;
      try {
        const status = db.status();
        loaded = await loadTarget(ctx, raw, opts);
        const matched = matchPackages(db, loaded.packages);
        const filtered = filterFindings(matched.findings, {
          ...(severities !== undefined ? { severities } : {}),
          ignoreUnfixed: opts.ignoreUnfixed === true,
          ...(ignore !== undefined ? { ignore } : {}),
          vex,
        });
        const warnings = [...matched.warnings.map((w) => w.message), ...filtered.warnings];
        for (const w of warnings) ctx.deps.stderr.write(`Warning: ${w}\n`);
        report = {
          tool: { name: 'wharf', version: VERSION },
          createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          target: loaded.target,
          database: {
            path: status.path,
            schemaVersion: status.schemaVersion,
            importedAt: status.importedAt,
            source: status.source,
          },
          packages: loaded.total,
          scanned: matched.scanned,
          unsupported: matched.unsupported,
          findings: filtered.findings,
          suppressed: filtered.suppressed,
          warnings,
        };
      } finally {
        db.close();
      }
      const text = renderReport(report, format);
      if (opts.outputFile !== undefined) {
        await writeAtomic(resolve(ctx.deps.cwd, opts.outputFile), text);
      } else {
        ctx.deps.stdout.write(text);
      }
      if (opts.attach === true && format !== 'table') {
        const a = await attachReport(ctx, loaded, opts, format, text, report.createdAt, signer);
        if (opts.quiet !== true) {
          ctx.deps.stderr.write(
            `Attached ${REPORT_ARTIFACT_TYPES[format]} to ${a.subject.digest}\n`,
          );
          ctx.deps.stderr.write(`Digest: ${a.descriptor.digest}\n`);
          if (a.signature !== undefined) {
            ctx.deps.stderr.write(`Signed ${a.reference}\n`);
            ctx.deps.stderr.write(`Signature: ${a.signature.digest}\n`);
          }
        }
      }
      if (exitCode !== 0 && report.findings.length > 0) {
        ctx.deps.stderr.write(
          `${report.findings.length} vulnerabilit${report.findings.length === 1 ? 'y' : 'ies'} found (--exit-code ${exitCode})\n`,
        );
        throw new WharfError('EXIT_STATUS', 'scan findings remain', {
          detail: { status: exitCode },
        });
      }
    });
}
