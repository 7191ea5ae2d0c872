import type { Command } from 'commander';
import { WharfError } from '@wharf/core';
import { NotaryPlugin } from '@wharf/notary';
import {
  loadOciTrustPolicy,
  openTrustStore,
  verifyArtifact,
  type ArtifactVerification,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { collect, say, sayJson } from '../oras/command.js';
import {
  httpRevocationChecker,
  notationFlags,
  notationRemoteCommand,
  parseMaxSignatures,
  resolveArtifact,
  verificationFailure,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { keyValues, pathsOf } from '../notation/common.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';

interface VerifyOptions extends NotationRemoteOptions {
  readonly userMetadata?: string[];
  readonly pluginConfig?: string[];
  readonly maxSignatures?: string;
  readonly scope?: string;
  readonly output?: string;
}

/** The stable `-o json` document (docs/cli.md). */
function verificationJson(v: ArtifactVerification): Record<string, unknown> {
  const r = v.result;
  return {
    reference: v.reference,
    verified: v.ok,
    skipped: v.skipped,
    policy: { name: v.policy.name, level: v.policy.level },
    signature: v.signature?.digest ?? null,
    checks: (r?.checks ?? []).map((c) => ({
      check: c.check,
      action: c.action,
      status: c.status,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    })),
    warnings: r?.warnings ?? [],
    userMetadata: r?.userMetadata ?? {},
    signaturesTried: v.attempts.map((a) => ({
      digest: a.signature.digest,
      verified: a.result?.ok ?? false,
      ...(a.result?.error || a.error
        ? {
            error: {
              code: (a.result?.error ?? a.error)?.code,
              message: (a.result?.error ?? a.error)?.message,
            },
          }
        : {}),
    })),
    ...(v.error ? { error: { code: v.error.code, message: v.error.message } } : {}),
  };
}

async function verifyCommand(
  ctx: CommandContext,
  reference: string,
  opts: VerifyOptions,
): Promise<void> {
  const output = opts.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw usageError(`--output "${output}" is not supported (text or json)`);
  }
  if (opts.ociLayout && opts.scope === undefined) {
    throw usageError('--scope is required with --oci-layout (the trust policy scope to apply)');
  }
  if (!opts.ociLayout && opts.scope !== undefined) {
    throw usageError('--scope is only used with --oci-layout');
  }
  const userMetadata = keyValues(opts.userMetadata, '--user-metadata');
  const pluginConfig = keyValues(opts.pluginConfig, '--plugin-config');
  const maxSignatures = parseMaxSignatures(opts.maxSignatures);
  const paths = pathsOf(ctx);
  const policy = (await loadOciTrustPolicy(paths)).document;
  const flags = await notationFlags(ctx, paths, opts, reference);
  const {
    target,
    subject,
    reference: resolvedRef,
  } = await resolveArtifact(ctx, reference, flags, 'verify');
  let v: ArtifactVerification;
  try {
    v = await verifyArtifact({
      source: target.store,
      subject,
      scope: opts.scope ?? target.name,
      policy,
      trustStore: openTrustStore(paths),
      userMetadata,
      revocationChecker: httpRevocationChecker(ctx, paths),
      verificationPlugins: {
        open: (name: string) => NotaryPlugin.open(paths.pluginsDir, name),
        pluginConfig,
      },
      maxSignatures,
      signal: ctx.deps.signal,
    });
  } catch (err) {
    throw verificationFailure(err);
  } finally {
    await target.close();
  }
  if (output === 'json') {
    sayJson(ctx, verificationJson(v));
    if (!v.ok) {
      // Already reported on stdout; exit 3 without a second (text) error.
      throw new WharfError('EXIT_STATUS', 'verification failed', { detail: { status: 3 } });
    }
    return;
  }
  if (v.skipped) {
    say(ctx, `Trust policy is configured to skip signature verification for ${resolvedRef}`);
    return;
  }
  const warnings = v.result?.warnings ?? [];
  for (const w of warnings) ctx.deps.stderr.write(`Warning: ${w}\n`);
  if (!v.ok) {
    const err = v.error ?? new WharfError('VERIFICATION_FAILED', 'signature verification failed');
    if (ctx.debug) {
      for (const a of v.attempts) {
        const e = a.result?.error ?? a.error;
        if (e) ctx.deps.stderr.write(`signature ${a.signature.digest}: ${e.message}\n`);
      }
    }
    throw verificationFailure(
      err,
      v.attempts.length > 1 ? err.message : `signature verification failed: ${err.message}`,
    );
  }
  if (warnings.length > 0) ctx.deps.stderr.write('\n');
  say(ctx, `Successfully verified signature for ${resolvedRef}`);
  const meta = Object.entries(v.result?.userMetadata ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (meta.length > 0) {
    say(ctx, '');
    say(ctx, 'The artifact was signed with the following user metadata.');
    say(ctx, '');
    ctx.deps.stdout.write(goTable([['KEY', 'VALUE'], ...meta]));
  }
}

/** `wharf verify`: notation verify; exit code 3 when verification fails. */
export function registerVerify(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('verify')
    .description('Verify the signatures of an artifact against the trust policy (notation verify)')
    .argument(
      '<reference>',
      'registry/repo{:tag|@digest}, or with --oci-layout <dir>{:tag|@digest}',
    )
    .option('-m, --user-metadata <k=v>', 'metadata that must be signed, repeatable', collect)
    .option('--plugin-config <k=v>', 'verification plugin configuration, repeatable', collect)
    .option('--max-signatures <n>', 'maximum number of signatures to evaluate', '100')
    .option('--scope <scope>', 'trust policy scope for an OCI layout (with --oci-layout)')
    .option(
      '-o, --output <format>',
      'text or json (Wharf extension: every check, machine-readable)',
    );
  notationRemoteCommand(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Verify against trustpolicy.oci.json (exit code 3 when verification fails)
  wharf verify localhost:5000/net-monitor@sha256:8456f0...

  # Require signed metadata
  wharf verify -m build=42 localhost:5000/net-monitor:v1

  # Verify in an OCI layout with the policy scope local/net-monitor
  wharf verify --oci-layout --scope local/net-monitor ./layout@sha256:8456f0...

  # Every check's outcome as JSON
  wharf verify -o json localhost:5000/net-monitor@sha256:8456f0...`,
    )
    .action(async (reference: string, opts: VerifyOptions) => {
      await verifyCommand(context(), reference, opts);
    });
}
