/**
 * notation's `blob sign|verify|inspect|policy` under `wharf blob` (which also holds oras's
 * `fetch|push|delete`; docs/cli.md "Collisions"). Detached signatures are written as
 * `<file>.<jws|cose>.sig`.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { WharfError } from '@wharf/core/lite';
import {
  ALGORITHMS,
  MAX_ENVELOPE_BYTES,
  NotaryPlugin,
  createHttpTimestamper,
  envelopeMediaType,
  parseCertificates,
  parseEnvelope,
  parsePayload,
  selectBlobPolicy,
  signEnvelope,
  signWithPluginEnvelope,
  verify,
  type EnvelopeFormat,
  type TargetArtifact,
} from '@wharf/notary';
import {
  loadBlobTrustPolicy,
  openTrustStore,
  readNotationConfig,
  writeFileAtomic,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { collect, say, sayJson } from '../oras/command.js';
import { fileArg, keyValues, pathsOf } from '../notation/common.js';
import { parseGoDuration, resolveSigner } from '../notation/signer.js';
import { verificationFailure, httpRevocationChecker } from '../notation/artifact.js';
import { inspectEnvelope } from '../notation/inspect.js';
import { node, renderTree } from '../oras/tree.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';
import { addPolicyCommands } from './policy.js';

/** Signing agent Wharf writes (plugins append ` <name>/<version>`). */
const SIGNING_AGENT = 'wharf/0.1.0';

interface BlobSignOptions {
  readonly key?: string;
  readonly id?: string;
  readonly plugin?: string;
  readonly pluginConfig?: string[];
  readonly signatureFormat?: string;
  readonly signatureDirectory?: string;
  readonly mediaType?: string;
  readonly expiry?: string;
  readonly userMetadata?: string[];
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
  readonly force?: boolean;
}

interface BlobVerifyOptions {
  readonly signature?: string;
  readonly policyName?: string;
  readonly mediaType?: string;
  readonly userMetadata?: string[];
  readonly pluginConfig?: string[];
}

async function regularFile(path: string, what: string): Promise<number> {
  const st = await lstat(path).catch((err: unknown) => {
    throw new WharfError('NOT_FOUND', `${what} ${path} does not exist`, { cause: err });
  });
  if (!st.isFile())
    throw new WharfError('INVALID_ARGUMENT', `${what} ${path} is not a regular file`);
  return st.size;
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha384' | 'sha512'): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `${algorithm}:${h.digest('hex')}`;
}

/** The envelope format a signature file name declares: `<name>.<jws|cose>.sig`. */
export function signatureFormatOf(path: string): EnvelopeFormat {
  const parts = basename(path).split('.');
  if (parts.length < 3 || parts[parts.length - 1] !== 'sig') {
    throw new WharfError(
      'INVALID_ARGUMENT',
      `signature file ${path} must be named <blob>.<jws|cose>.sig`,
    );
  }
  const fmt = (parts[parts.length - 2] as string).toLowerCase();
  if (fmt !== 'jws' && fmt !== 'cose') {
    throw new WharfError(
      'INVALID_ARGUMENT',
      `unsupported signature format "${fmt}" in ${path} (jws or cose)`,
    );
  }
  return fmt;
}

async function blobSign(ctx: CommandContext, file: string, opts: BlobSignOptions): Promise<void> {
  const path = fileArg(ctx, file);
  const size = await regularFile(path, 'blob');
  const paths = pathsOf(ctx);
  const config = await readNotationConfig(paths);
  const fmtFlag = opts.signatureFormat ?? config.signatureFormat ?? 'jws';
  if (fmtFlag !== 'jws' && fmtFlag !== 'cose') {
    throw usageError(`--signature-format "${fmtFlag}" is not supported (jws or cose)`);
  }
  const format: EnvelopeFormat = fmtFlag;
  if ((opts.timestampUrl === undefined) !== (opts.timestampRootCert === undefined)) {
    throw usageError('--timestamp-url and --timestamp-root-cert are required together');
  }
  const expiryMs = opts.expiry !== undefined ? parseGoDuration(opts.expiry) : undefined;
  const userMetadata = keyValues(opts.userMetadata, '--user-metadata');
  const pluginConfig = keyValues(opts.pluginConfig, '--plugin-config');
  const outDir =
    opts.signatureDirectory !== undefined ? fileArg(ctx, opts.signatureDirectory) : dirname(path);
  const sigPath = join(outDir, `${basename(path)}.${format}.sig`);
  if (!opts.force && (await lstat(sigPath).catch(() => undefined))) {
    throw new WharfError(
      'ALREADY_EXISTS',
      `signature file ${sigPath} already exists (use --force to overwrite)`,
    );
  }
  const resolved = await resolveSigner(paths, {
    ...(opts.key !== undefined ? { key: opts.key } : {}),
    ...(opts.id !== undefined ? { id: opts.id } : {}),
    ...(opts.plugin !== undefined ? { plugin: opts.plugin } : {}),
    pluginConfig,
  });
  let bytes: Uint8Array;
  if (resolved.kind === 'signer') {
    const spec = await resolved.signer.keySpec();
    const info = ALGORITHMS.find((a) => a.keySpec === spec);
    if (!info) throw new WharfError('UNSUPPORTED_ALGORITHM', `key spec ${spec} is not supported`);
    // The blob digest follows the key's hash (notary.md §1.2).
    const payload: TargetArtifact = {
      mediaType: opts.mediaType ?? 'application/octet-stream',
      digest: await hashFile(path, info.nodeHash),
      size,
    };
    const roots =
      opts.timestampRootCert !== undefined
        ? parseCertificates(await readFile(fileArg(ctx, opts.timestampRootCert))).map((c) => c.der)
        : undefined;
    const signingTime = new Date();
    const signed = await signEnvelope({
      format,
      payload,
      signer: resolved.signer,
      signingTime,
      ...(expiryMs !== undefined ? { expiry: new Date(signingTime.getTime() + expiryMs) } : {}),
      userMetadata,
      signingAgent: SIGNING_AGENT,
      ...(opts.timestampUrl !== undefined
        ? { timestamper: createHttpTimestamper({ url: opts.timestampUrl }) }
        : {}),
      ...(roots ? { timestampRoots: roots } : {}),
    });
    bytes = signed.bytes;
  } else {
    if (opts.timestampUrl !== undefined) {
      throw usageError(
        '--timestamp-url cannot be used with a plugin that generates envelopes (the plugin timestamps)',
      );
    }
    const meta = await resolved.plugin.describeKey(resolved.keyId, resolved.pluginConfig);
    const info = ALGORITHMS.find((a) => a.keySpec === meta.keySpec) as (typeof ALGORITHMS)[number];
    const signed = await signWithPluginEnvelope({
      plugin: resolved.plugin,
      keyId: resolved.keyId,
      pluginConfig: resolved.pluginConfig,
      format,
      payload: {
        mediaType: opts.mediaType ?? 'application/octet-stream',
        digest: await hashFile(path, info.nodeHash),
        size,
      },
      userMetadata,
      ...(expiryMs !== undefined ? { expirySeconds: Math.floor(expiryMs / 1000) } : {}),
    });
    bytes = signed.bytes;
  }
  await writeFileAtomic(sigPath, bytes, 0o644);
  say(ctx, `Successfully signed ${file}`);
  say(ctx, `Signature file written to ${sigPath}`);
}

async function blobVerify(
  ctx: CommandContext,
  file: string,
  opts: BlobVerifyOptions,
): Promise<void> {
  if (opts.signature === undefined) throw usageError('--signature is required');
  const path = fileArg(ctx, file);
  const size = await regularFile(path, 'blob');
  const sigPath = fileArg(ctx, opts.signature);
  const format = signatureFormatOf(sigPath);
  const sigSize = await regularFile(sigPath, 'signature file');
  if (sigSize > MAX_ENVELOPE_BYTES) {
    throw new WharfError(
      'ENVELOPE_MALFORMED',
      `signature file ${opts.signature} is larger than ${MAX_ENVELOPE_BYTES} bytes`,
    );
  }
  const userMetadata = keyValues(opts.userMetadata, '--user-metadata');
  const pluginConfig = keyValues(opts.pluginConfig, '--plugin-config');
  const paths = pathsOf(ctx);
  const policy = selectBlobPolicy((await loadBlobTrustPolicy(paths)).document, opts.policyName);
  if (policy.level === 'skip') {
    say(ctx, `Trust policy is configured to skip signature verification for ${file}`);
    return;
  }
  const envelope = await readFile(sigPath);
  const mediaType = envelopeMediaType(format);
  // The payload's digest algorithm says how to hash the blob; the signature is checked by verify().
  let algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256';
  try {
    const alg = parsePayload(
      parseEnvelope(envelope, mediaType).payload,
    ).targetArtifact.digest.split(':')[0];
    if (alg === 'sha384' || alg === 'sha512') algorithm = alg;
  } catch (err) {
    throw verificationFailure(err);
  }
  const result = await verify({
    envelope,
    envelopeMediaType: mediaType,
    policy,
    trustStore: openTrustStore(paths),
    expectedArtifact: {
      digest: await hashFile(path, algorithm),
      size,
      ...(opts.mediaType !== undefined ? { mediaType: opts.mediaType } : {}),
    },
    userMetadata,
    revocationChecker: httpRevocationChecker(ctx, paths),
    verificationPlugins: {
      open: (name: string) => NotaryPlugin.open(paths.pluginsDir, name),
      pluginConfig,
    },
  });
  for (const w of result.warnings) ctx.deps.stderr.write(`Warning: ${w}\n`);
  if (!result.ok) {
    throw verificationFailure(
      result.error ?? new WharfError('VERIFICATION_FAILED', 'signature verification failed'),
    );
  }
  if (result.warnings.length > 0) ctx.deps.stderr.write('\n');
  say(ctx, `Successfully verified signature for ${file}`);
  const meta = Object.entries(result.userMetadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (meta.length > 0) {
    say(ctx, '');
    say(ctx, 'The artifact was signed with the following user metadata.');
    say(ctx, '');
    ctx.deps.stdout.write(goTable([['KEY', 'VALUE'], ...meta]));
  }
}

async function blobInspect(ctx: CommandContext, sig: string, output: string): Promise<void> {
  if (output !== 'tree' && output !== 'json' && output !== 'text') {
    throw usageError(`unsupported output format "${output}" (use tree or json)`);
  }
  const sigPath = fileArg(ctx, sig);
  const format = signatureFormatOf(sigPath);
  if ((await regularFile(sigPath, 'signature file')) > MAX_ENVELOPE_BYTES) {
    throw new WharfError('ENVELOPE_MALFORMED', `signature file ${sig} is too large`);
  }
  const view = inspectEnvelope(await readFile(sigPath), envelopeMediaType(format));
  if (output === 'json') sayJson(ctx, view.json);
  else ctx.deps.stdout.write(renderTree(node(sig, view.nodes)));
}

/** Adds notation's `sign`, `verify`, `inspect` and `policy` to the `blob` command. */
export function registerBlobSigning(blob: Command, context: () => CommandContext): void {
  blob
    .command('sign')
    .description(
      'Sign a blob file, writing a detached signature <file>.<jws|cose>.sig (notation blob sign)',
    )
    .argument('<blob_path>', 'file to sign')
    .option('-k, --key <name>', 'signing key name from signingkeys.json (default: the default key)')
    .option('--id <id>', 'key id of a plugin key (with --plugin)')
    .option('--plugin <name>', 'signing plugin (with --id)')
    .option('--plugin-config <k=v>', 'plugin configuration, repeatable', collect)
    .option(
      '--signature-format <format>',
      'jws or cose (default: config.json signatureFormat, else jws)',
    )
    .option('--signature-directory <dir>', "directory for the signature file (default: the blob's)")
    .option('--media-type <type>', 'media type of the blob', 'application/octet-stream')
    .option('-e, --expiry <duration>', 'signature lifetime, a Go duration such as 24h or 3h20m')
    .option('-m, --user-metadata <k=v>', 'signed user metadata, repeatable', collect)
    .option('--timestamp-url <url>', 'RFC 3161 timestamping authority URL')
    .option('--timestamp-root-cert <file>', 'root certificate of the timestamping authority')
    .option('--force', 'overwrite an existing signature file')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob sign --key mykey ./app.tar.gz\n  wharf blob sign --plugin my-kms --id key-1 --signature-format cose -m build=42 ./app.tar.gz\n  wharf blob sign --signature-directory ./sigs --force ./app.tar.gz',
    )
    .action(async (file: string, opts: BlobSignOptions) => {
      await blobSign(context(), file, opts);
    });

  blob
    .command('verify')
    .description(
      'Verify a blob against its detached signature and the blob trust policy (exit 3 on failure)',
    )
    .argument('<blob_path>', 'the signed file')
    .option('-s, --signature <file>', 'signature file <blob>.<jws|cose>.sig')
    .option('--policy-name <name>', 'blob trust policy statement (default: the global one)')
    .option('--media-type <type>', 'media type the signature must name')
    .option('-m, --user-metadata <k=v>', 'metadata that must be signed, repeatable', collect)
    .option('--plugin-config <k=v>', 'verification plugin configuration, repeatable', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob verify --signature app.tar.gz.jws.sig app.tar.gz\n  wharf blob verify -s app.tar.gz.cose.sig --policy-name release -m build=42 app.tar.gz',
    )
    .action(async (file: string, opts: BlobVerifyOptions) => {
      await blobVerify(context(), file, opts);
    });

  blob
    .command('inspect')
    .description('Show the signed and unsigned attributes of a blob signature')
    .argument('<signature_path>', 'signature file <blob>.<jws|cose>.sig')
    .option('-o, --output <format>', 'tree or json', 'tree')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob inspect app.tar.gz.jws.sig\n  wharf blob inspect -o json app.tar.gz.jws.sig',
    )
    .action(async (sig: string, opts: { output: string }) => {
      await blobInspect(context(), sig, opts.output);
    });

  const policy = blob
    .command('policy')
    .description('Manage the blob trust policy (trustpolicy.blob.json)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob policy import ./trustpolicy.blob.json\n  wharf blob policy show',
    );
  addPolicyCommands(policy, 'blob', context);
}
