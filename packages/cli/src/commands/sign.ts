import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { collect, say } from '../oras/command.js';
import { requireWritable } from '../oras/target.js';
import {
  notationFlags,
  notationRemoteCommand,
  resolveArtifact,
  type NotationRemoteOptions,
} from '../notation/artifact.js';
import { pathsOf } from '../notation/common.js';
import { prepareManifestSigner } from '../notation/sign-manifest.js';
import { usageError } from '../usage.js';

interface SignOptions extends NotationRemoteOptions {
  readonly key?: string;
  readonly id?: string;
  readonly plugin?: string;
  readonly pluginConfig?: string[];
  readonly signatureFormat?: string;
  readonly expiry?: string;
  readonly userMetadata?: string[];
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
  readonly forceReferrersTag?: boolean;
  readonly legacyManifest?: boolean;
}

async function sign(ctx: CommandContext, reference: string, opts: SignOptions): Promise<void> {
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

/** `wharf sign`: notation sign (v2 flags and output, v1.3 spellings accepted). */
export function registerSign(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('sign')
    .description('Sign an artifact in a registry or OCI layout (notation sign)')
    .argument(
      '<reference>',
      'registry/repo{:tag|@digest}, or with --oci-layout <dir>{:tag|@digest}',
    )
    .option('-k, --key <name>', 'signing key name from signingkeys.json (default: the default key)')
    .option('--id <id>', 'key id of a plugin key (with --plugin)')
    .option('--plugin <name>', 'signing plugin (with --id)')
    .option('--plugin-config <k=v>', 'plugin configuration, repeatable', collect)
    .option(
      '--signature-format <format>',
      'jws or cose (default: config.json signatureFormat, else jws)',
    )
    .option('-e, --expiry <duration>', 'signature lifetime, a Go duration such as 24h or 3h20m')
    .option('-m, --user-metadata <k=v>', 'signed user metadata, repeatable', collect)
    .option('--timestamp-url <url>', 'RFC 3161 timestamping authority URL')
    .option('--timestamp-root-cert <file>', 'root certificate of the timestamping authority')
    .option(
      '--force-referrers-tag',
      'keep the referrers tag schema index (sha256-<hex>) even when the registry has the referrers API',
    )
    .option(
      '--legacy-manifest',
      "write notation v1.3's signature manifest form (notation v1.3 only finds that form in OCI layouts)",
    );
  notationRemoteCommand(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Sign with the default key (JWS unless config.json says otherwise)
  wharf sign localhost:5000/net-monitor@sha256:8456f0...

  # COSE, a named key, metadata, an expiry and an RFC 3161 timestamp
  wharf sign --signature-format cose -k release -m build=42 -e 720h \\
    --timestamp-url http://tsa.example --timestamp-root-cert tsa-root.pem localhost:5000/app:v1

  # Sign with a plugin key
  wharf sign --plugin com.example.kms --id key-1 --plugin-config region=eu localhost:5000/app@sha256:...

  # Sign in an OCI layout
  wharf sign --oci-layout ./layout@sha256:8456f0...`,
    )
    .action(async (reference: string, opts: SignOptions) => {
      await sign(context(), reference, opts);
    });
}
