import type { CommandContext } from '../deps.js';
import { say } from '../oras/command.js';
import { requireWritable } from '../oras/target.js';
import {
  notationFlags,
  resolveArtifact,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { pathsOf } from '../notation/common.js';
import { prepareManifestSigner, type ManifestSignFlags } from '../notation/sign-manifest.js';
import { usageError } from '../usage.js';

export interface SignOptions extends NotationRemoteOptions, ManifestSignFlags {
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
  readonly forceReferrersTag?: boolean;
  readonly legacyManifest?: boolean;
}

export async function sign(
  ctx: CommandContext,
  reference: string,
  opts: SignOptions,
): Promise<void> {
  if (opts.forceReferrersTag && opts.ociLayout) {
    throw usageError('--force-referrers-tag cannot be used with --oci-layout');
  }
  const paths = pathsOf(ctx);
  // Flags checked and the key resolved before the registry is touched.
  const signer = await prepareManifestSigner(ctx, {
    ...(opts.key !== undefined ? { key: opts.key } : {}),
    ...(opts.id !== undefined ? { id: opts.id } : {}),
    ...(opts.plugin !== undefined ? { plugin: opts.plugin } : {}),
    ...(opts.pluginConfig !== undefined ? { pluginConfig: opts.pluginConfig } : {}),
    ...(opts.signatureFormat !== undefined ? { signatureFormat: opts.signatureFormat } : {}),
    ...(opts.expiry !== undefined ? { expiry: opts.expiry } : {}),
    ...(opts.userMetadata !== undefined ? { userMetadata: opts.userMetadata } : {}),
    ...(opts.timestampUrl !== undefined ? { timestampUrl: opts.timestampUrl } : {}),
    ...(opts.timestampRootCert !== undefined ? { timestampRootCert: opts.timestampRootCert } : {}),
    ...(opts.legacyManifest ? { legacyManifest: true } : {}),
  });
  const flags = await notationFlags(ctx, paths, opts, reference, {
    ...(opts.forceReferrersTag ? { distributionSpec: 'v1.1-referrers-tag' } : {}),
  });
  const {
    target,
    subject,
    reference: resolvedRef,
  } = await resolveArtifact(ctx, reference, flags, 'sign');
  try {
    const pushed = await signer.sign(requireWritable(target), subject, ctx.deps.signal);
    say(ctx, `Successfully signed ${resolvedRef}`);
    say(ctx, `Pushed the signature to ${target.name}@${pushed.manifest.digest}`);
  } finally {
    await target.close();
  }
}
