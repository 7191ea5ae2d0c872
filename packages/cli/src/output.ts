import { InvalidArgumentError } from 'commander';
import type { TextOut } from './deps.js';

/** Machine-readable output formats. `json` output is stable and documented in docs/cli.md. */
export type OutputFormat = 'text' | 'json';

/** Commander parser for `--output`/`--format`: `text` or `json`. */
export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'text' || value === 'json') return value;
  throw new InvalidArgumentError(`unsupported output format "${value}" (use text or json)`);
}

/** Writes one JSON document followed by a newline. */
export function writeJson(out: TextOut, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
