import { WharfError } from '@wharf/core';
import { NotaryPlugin } from '@wharf/notary';
import {
  loadOciTrustPolicy,
  openTrustStore,
  verifyArtifact,
  type ArtifactVerification,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { say, sayJson } from '../oras/command.js';
import {
  httpRevocationChecker,
  notationFlags,
  parseMaxSignatures,
  resolveArtifact,
  verificationFailure,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { keyValues, pathsOf } from '../notation/common.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';

export interface VerifyOptions extends NotationRemoteOptions {
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

export async function verifyCommand(
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
