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

/** Raw JSON bytes, re-indented with `--pretty`. */
export function prettyBytes(bytes: Uint8Array, pretty: boolean): string {
  const text = Buffer.from(bytes).toString('utf8');
  return pretty ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text;
}

/** Writes `-o file` (or stdout for `-`). */
export async function writeOutput(
  ctx: CommandContext,
  output: string,
  bytes: Uint8Array,
): Promise<void> {
  if (output === '-') ctx.deps.stdout.write(Buffer.from(bytes).toString('utf8'));
  else await writeFile(resolve(ctx.deps.cwd, output), bytes);
}

/** Asks `question` on stderr and reads a y/N answer from stdin (false when there is none). */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.deps.stderr.write(`${question} [y/N] `);
  if (!ctx.deps.stdin) return false;
  const answer = (await readStdin(ctx)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
