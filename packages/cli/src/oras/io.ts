import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Descriptor } from '@wharf/core';
import type { CommandContext } from '../deps.js';
import { readStdin } from './target.js';

/** A descriptor as oras prints it: mediaType, digest, size (plus artifactType, annotations). */
export function plainDescriptor(desc: Descriptor): Record<string, unknown> {
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(desc.annotations ? { annotations: desc.annotations } : {}),
    ...(desc.artifactType !== undefined ? { artifactType: desc.artifactType } : {}),
  };
}

/** JSON compact, or indented with `--pretty`. */
export function jsonText(value: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/** The raw bytes untouched, or JSON re-indented with `--pretty`. */
export function prettyBytes(bytes: Uint8Array, pretty: boolean): string | Uint8Array {
  if (!pretty) return bytes;
  return `${JSON.stringify(JSON.parse(Buffer.from(bytes).toString('utf8')), null, 2)}\n`;
}

/**
 * Writes raw bytes to stdout (no text encoding), waiting for `drain` when a real stream
 * asks for it, so a large blob streams without piling up in memory.
 */
export async function writeStdoutBytes(
  ctx: CommandContext,
  chunk: Uint8Array | string,
): Promise<void> {
  const out = ctx.deps.stdout as CommandContext['deps']['stdout'] & {
    once?: (event: 'drain', listener: () => void) => unknown;
  };
  if (out.write(chunk) === false && typeof out.once === 'function') {
    await new Promise<void>((resolveDrain) => out.once?.('drain', resolveDrain));
  }
}

/** Writes `-o file` (or stdout for `-`). */
export async function writeOutput(
  ctx: CommandContext,
  output: string,
  bytes: Uint8Array,
): Promise<void> {
  if (output === '-') await writeStdoutBytes(ctx, bytes);
  else await writeFile(resolve(ctx.deps.cwd, output), bytes);
}

/** Asks `question` on stderr and reads a y/N answer from stdin (false when there is none). */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.deps.stderr.write(`${question} [y/N] `);
  if (!ctx.deps.stdin) return false;
  const answer = (await readStdin(ctx)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
