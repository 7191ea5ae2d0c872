import type { Logger } from '@wharf/core';
import type { WharfPaths } from './paths.js';

/**
 * A writable stream: stdout or stderr, or a test double. Strings are text; a `Uint8Array` is
 * written as raw bytes (`blob fetch -o -`), never re-encoded.
 */
export interface TextOut {
  write(chunk: string | Uint8Array): unknown;
  /** True when the stream is a terminal (progress bars, colours). */
  readonly isTTY?: boolean;
}

/** Everything a command may touch of the outside world, injected so tests can run `main()` in-process. */
export interface CliDeps {
  readonly stdout: TextOut;
  readonly stderr: TextOut;
  readonly stdin?: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on SIGINT; long operations pass it down. */
  readonly signal: AbortSignal;
}

/** What a command action receives once global options are parsed. */
export interface CommandContext {
  readonly deps: CliDeps;
  readonly logger: Logger;
  readonly paths: WharfPaths;
  readonly debug: boolean;
}
