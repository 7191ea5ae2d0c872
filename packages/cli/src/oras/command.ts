import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { writeJson } from '../output.js';
import { addRemoteOptions, addTtyOption, type RemoteOptionSet } from './options.js';
import { Progress, useTty, type VerbSet } from './progress.js';

/** Adds the flags every remote-target command has (remote flags, `--no-tty`). */
export function remoteCommand(cmd: Command, set: RemoteOptionSet = {}): Command {
  addRemoteOptions(cmd, '', set);
  return addTtyOption(cmd);
}

/** `--format` option with the formats the command has. */
export function formatOption(cmd: Command, formats: string): Command {
  return cmd.option('--format <format>', `output format: ${formats}`);
}

/** A status printer on stdout, silent for JSON output. */
export function progressFor(
  ctx: CommandContext,
  verbs: VerbSet,
  opts: { readonly tty?: boolean },
  json: boolean,
): Progress {
  return new Progress(ctx.deps.stdout, verbs, {
    tty: useTty(ctx.deps.stdout, opts.tty),
    enabled: !json,
  });
}

/** Writes a line to stdout. */
export function say(ctx: CommandContext, line: string): void {
  ctx.deps.stdout.write(`${line}\n`);
}

/** Writes one JSON document to stdout. */
export function sayJson(ctx: CommandContext, value: unknown): void {
  writeJson(ctx.deps.stdout, value);
}

/** The flags `push` and `attach` share (oras `option.Packer`, `--concurrency`, `--format`). */
export interface PackFlags {
  readonly artifactType?: string;
  readonly annotation?: string[];
  readonly annotationFile?: string;
  readonly config?: string;
  readonly exportManifest?: string;
  readonly concurrency?: string;
  readonly disablePathValidation?: boolean;
  readonly format?: string;
  readonly tty?: boolean;
}

/**
 * Adds the flags `push` and `attach` share, declared once here; `artifactType` is the help
 * text of `--artifact-type` (required for attach).
 */
export function addPackOptions(cmd: Command, artifactType: string): Command {
  cmd
    .option('--artifact-type <type>', artifactType)
    .option('-a, --annotation <key=value>', 'manifest annotation (repeatable)', collect)
    .option('--annotation-file <file>', 'JSON file of annotations ($manifest, $config, <file>)')
    .option('--config <file[:type]>', 'config file, with an optional media type')
    .option('--export-manifest <file>', 'also write the pushed manifest to a file')
    .option('--concurrency <n>', 'concurrent uploads', '5')
    .option('--disable-path-validation', 'allow absolute and parent file paths as titles');
  return formatOption(cmd, 'text or json');
}

/** Collects repeatable option values. */
export const collect = (value: string, previous: readonly string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];
