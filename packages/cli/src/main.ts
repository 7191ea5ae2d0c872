import { Command, CommanderError } from 'commander';
import { isWharfError } from '@wharf/core/lite';
import { createCliLogger } from './logger.js';
import type { CliDeps, CommandContext } from './deps.js';
import { errorJson, exitCodeFor, formatError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { writeJson } from './output.js';
import { resolvePaths } from './paths.js';
import { VERSION } from './version.js';

type Register = (program: Command, context: () => CommandContext) => void;

/**
 * Every top-level command: the names (and aliases) it registers and how to load its module. Modules
 * are imported only when needed so that `wharf version` or `wharf sign` does not load every
 * library (start-up time; `test/startup.test.ts` checks it). The order is the help's order.
 */
const COMMANDS: readonly {
  readonly names: readonly string[];
  readonly load: () => Promise<Register>;
}[] = [
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  { names: ['version'], load: async () => (await import('./commands/version.js')).registerVersion },
  { names: ['push'], load: async () => (await import('./commands/push.js')).registerPush },
  { names: ['pull'], load: async () => (await import('./commands/pull.js')).registerPull },
  { names: ['attach'], load: async () => (await import('./commands/attach.js')).registerAttach },
  {
    names: ['discover'],
    load: async () => (await import('./commands/discover.js')).registerDiscover,
  },
  {
    names: ['resolve', 'digest'],
    load: async () => (await import('./commands/resolve.js')).registerResolve,
  },
  { names: ['tag'], load: async () => (await import('./commands/tag.js')).registerTag },
  {
    names: ['manifest'],
    load: async () => (await import('./commands/manifest.js')).registerManifest,
  },
  { names: ['copy', 'cp'], load: async () => (await import('./commands/copy.js')).registerCopy },
  { names: ['blob'], load: async () => (await import('./commands/blob.js')).registerBlob },
  { names: ['repo'], load: async () => (await import('./commands/repo.js')).registerRepo },
  {
    names: ['login', 'logout'],
    load: async () => (await import('./commands/login.js')).registerLogin,
  },
  { names: ['sbom'], load: async () => (await import('./commands/sbom.js')).registerSbom },
  {
    names: ['certificate', 'cert'],
    load: async () => (await import('./commands/cert.js')).registerCert,
  },
  { names: ['key'], load: async () => (await import('./commands/key.js')).registerKey },
  { names: ['policy'], load: async () => (await import('./commands/policy.js')).registerPolicy },
  { names: ['plugin'], load: async () => (await import('./commands/plugin.js')).registerPlugin },
  { names: ['db'], load: async () => (await import('./commands/db.js')).registerDb },
  { names: ['scan'], load: async () => (await import('./commands/scan.js')).registerScan },
  { names: ['sign'], load: async () => (await import('./commands/sign.js')).registerSign },
  { names: ['verify'], load: async () => (await import('./commands/verify.js')).registerVerify },
  { names: ['list', 'ls'], load: async () => (await import('./commands/list.js')).registerList },
  { names: ['inspect'], load: async () => (await import('./commands/inspect.js')).registerInspect },
];

/**
 * The commands to register for `argv`: only the one it names, or all when it names none (root help,
 * `help <cmd>`, a typo for which commander suggests a name). Root options (`-d`) may come first.
 */
function commandsFor(argv: readonly string[] | undefined): typeof COMMANDS {
  if (argv === undefined) return COMMANDS;
  const first = argv.find((a) => a !== '-d' && a !== '--debug');
  const named = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  return named === undefined ? COMMANDS : [named];
}

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

/**
 * Builds the `wharf` program. Commands are registered from `commands/*`, each a thin edge: all of
 * them, or with `argv` (the user's arguments) only the command it names.
 */
export async function createProgram(deps: CliDeps, argv?: readonly string[]): Promise<Command> {
  const registers = await Promise.all(commandsFor(argv).map((c) => c.load()));
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

  for (const register of registers) register(program, context);
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
  const program = await createProgram(deps, argv);
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
