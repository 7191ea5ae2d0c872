import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { collect } from '../oras/command.js';
import { notationRemoteCommand } from '../notation/flags.js';
import type { VerifyOptions } from './verify-run.js';

// The declaration only (cheap to load for `--help`); the work is in `verify-run.ts`, imported when it runs.

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
      const { verifyCommand } = await import('./verify-run.js');
      await verifyCommand(context(), reference, opts);
    });
}
