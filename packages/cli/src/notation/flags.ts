/**
 * notation's registry flags, declared apart from `artifact.ts` so that declaring a command (for its
 * `--help`) loads no signing or registry library (start-up time; see `main.ts`).
 * @module
 */
import { Option, type Command } from 'commander';
import { collect, remoteCommand } from '../oras/command.js';

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

/**
 * Adds the `--sign` flags of commands that attach and then sign what they pushed (`wharf sbom`,
 * `wharf scan`): notation's key selection and signing options, each described as a `--sign` option.
 */
export function addAttachSignOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--sign', `with --attach: sign ${what} (notation workflow)`)
    .option(
      '-k, --key <name>',
      '--sign: signing key from signingkeys.json (default: the default key)',
    )
    .option('--id <id>', '--sign: key id of a plugin key (with --plugin)')
    .option('--plugin <name>', '--sign: signing plugin (with --id)')
    .option('--plugin-config <k=v>', '--sign: plugin configuration, repeatable', collect)
    .option('--signature-format <format>', '--sign: jws or cose (default: config.json, else jws)')
    .option('-e, --expiry <duration>', '--sign: signature lifetime, a Go duration such as 24h')
    .option('-m, --user-metadata <k=v>', '--sign: signed user metadata, repeatable', collect);
}
