import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { collect } from '../oras/command.js';
import { notationRemoteCommand } from '../notation/flags.js';
import type { SignOptions } from './sign-run.js';

// The declaration only (cheap to load for `--help`); the work is in `sign-run.ts`, imported when it runs.

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
      const { sign } = await import('./sign-run.js');
      await sign(context(), reference, opts);
    });
}
