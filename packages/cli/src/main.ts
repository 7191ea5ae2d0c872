import { Command, CommanderError } from 'commander';
import { isWharfError } from '@wharf/core';
import { createCliLogger } from './logger.js';
import type { CliDeps, CommandContext } from './deps.js';
import { errorJson, exitCodeFor, formatError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { writeJson } from './output.js';
import { resolvePaths } from './paths.js';
import { VERSION } from './version.js';
import { registerServe } from './commands/serve.js';
import { registerVersion } from './commands/version.js';
import { registerPush } from './commands/push.js';
import { registerPull } from './commands/pull.js';
import { registerAttach } from './commands/attach.js';
import { registerDiscover } from './commands/discover.js';
import { registerResolve } from './commands/resolve.js';
import { registerTag } from './commands/tag.js';
import { registerManifest } from './commands/manifest.js';
import { registerCopy } from './commands/copy.js';
import { registerBlob } from './commands/blob.js';
import { registerRepo } from './commands/repo.js';
import { registerLogin } from './commands/login.js';
import { registerSbom } from './commands/sbom.js';
import { registerCert } from './commands/cert.js';
import { registerKey } from './commands/key.js';
import { registerPolicy } from './commands/policy.js';
import { registerPlugin } from './commands/plugin.js';
import { registerDb } from './commands/db.js';
import { registerScan } from './commands/scan.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import { registerList } from './commands/list.js';
import { registerInspect } from './commands/inspect.js';

const ROOT_EXAMPLES = `
Examples:
  # Start a registry on 127.0.0.1:5000 with embedded storage
  wharf serve

  # Show the version
  wharf version --output json

Exit codes:
  0    success
  1    error (network, registry, I/O, bad input)
  2    usage error
  3    verification failed (signature, policy, or scan threshold)
  130  interrupted
`;

/** Builds the `wharf` program. Commands are registered from `commands/*`, each a thin edge. */
export function createProgram(deps: CliDeps): Command {
  const program = new Command('wharf');
  program
    .description('Wharf: registry, artifacts, signing, SBOM and scanning for OCI supply chains')
    .option('-d, --debug', 'print debug logs and error causes to stderr', false)
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
    })
    .addHelpText('after', ROOT_EXAMPLES)
    .exitOverride();

  const context = (): CommandContext => {
    const debug = program.opts<{ debug: boolean }>().debug || deps.env['WHARF_DEBUG'] === '1';
    return {
      deps,
      debug,
      paths: resolvePaths(deps.env),
      logger: createCliLogger((l) => deps.stderr.write(l), debug ? 'debug' : 'warn'),
    };
  };

  registerServe(program, context);
  registerVersion(program, context);
  registerPush(program, context);
  registerPull(program, context);
  registerAttach(program, context);
  registerDiscover(program, context);
  registerResolve(program, context);
  registerTag(program, context);
  registerManifest(program, context);
  registerCopy(program, context);
  registerBlob(program, context);
  registerRepo(program, context);
  registerLogin(program, context);
  registerSbom(program, context);
  registerCert(program, context);
  registerKey(program, context);
  registerPolicy(program, context);
  registerPlugin(program, context);
  registerDb(program, context);
  registerScan(program, context);
  registerSign(program, context);
  registerVerify(program, context);
  registerList(program, context);
  registerInspect(program, context);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Whether the command line asks for JSON output, so errors are printed as JSON too. */
function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--output=json' || a === '--format=json' || a === '-ojson') return true;
    if ((a === '-o' || a === '--output' || a === '--format') && argv[i + 1] === 'json') return true;
  }
  return false;
}

/**
 * Runs the CLI and resolves to the exit code (an `ExitCode`, or the status a command chose, as
 * `wharf scan --exit-code N`). `argv` is the user's arguments (no node/script).
 * Never calls `process.exit`; `bin.ts` does that.
 */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  const program = createProgram(deps);
  if (argv.length === 0) {
    deps.stdout.write(program.helpInformation());
    return ExitCode.Ok;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return deps.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version displays are not errors; every other commander error is a usage error.
      if (err.exitCode === 0) return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (deps.signal.aborted) return ExitCode.Interrupted;
    // A command's chosen exit status (`wharf scan --exit-code N`): already reported, not an error.
    if (isWharfError(err, 'EXIT_STATUS')) return Number(err.detail?.['status'] ?? 1);
    const debug = argv.includes('-d') || argv.includes('--debug');
    if (wantsJson(argv)) writeJson(deps.stdout, errorJson(err));
    else deps.stderr.write(formatError(err, debug));
    return exitCodeFor(err);
  }
}

export { VERSION };
