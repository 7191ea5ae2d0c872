/**
 * notation's registry flags, declared apart from `artifact.ts` so that declaring a command (for its
 * `--help`) loads no signing or registry library (start-up time; see `main.ts`).
 * @module
 */
import { Option, type Command } from 'commander';
import { remoteCommand } from '../oras/command.js';

/**
 * Adds the oras remote flags (`-u`, `-p`, `--plain-http`, `--oci-layout`, TLS, `--registry-config`…)
 * and notation's `--insecure-registry` (plain HTTP, as notation means it).
 */
export function notationRemoteCommand(cmd: Command): Command {
  remoteCommand(cmd, { ociLayout: true });
  cmd.option(
    '--insecure-registry',
    'use plain HTTP for the registry (notation spelling of --plain-http)',
  );
  // notation v1.3's deprecated flag: the Referrers API is always used when the registry has it.
  cmd.addOption(
    new Option('--allow-referrers-api', 'deprecated (notation v1.3); no effect').hideHelp(),
  );
  return cmd;
}
