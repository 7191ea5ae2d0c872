/**
 * Shared pieces of the notation configuration commands (`cert`, `key`, `policy`, `plugin`,
 * `blob sign|verify|inspect|policy`): paths, name checks, `k=v` parsing, atomic copies.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { WharfError } from '@wharf/core';
import { notationPaths, type NotationPaths } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { usageError } from '../usage.js';

/** notation's directories for this invocation's environment. */
export function pathsOf(ctx: CommandContext): NotationPaths {
  return notationPaths(ctx.deps.env);
}

/** A path argument resolved against the invocation's working directory. */
export function fileArg(ctx: CommandContext, path: string): string {
  return resolve(ctx.deps.cwd, path);
}

export const STORE_TYPES = ['ca', 'signingAuthority', 'tsa'] as const;
export type StoreType = (typeof STORE_TYPES)[number];

/** `--type`: `ca`, `signingAuthority` or `tsa` (usage error otherwise). */
export function storeType(value: string | undefined, required = true): StoreType | undefined {
  if (value === undefined) {
    if (required) throw usageError('--type is required (ca, signingAuthority or tsa)');
    return undefined;
  }
  if (!(STORE_TYPES as readonly string[]).includes(value)) {
    throw usageError(`unsupported store type: ${value} (use ca, signingAuthority or tsa)`);
  }
  return value as StoreType;
}

/**
 * A named store, key or certificate name: notation's `[a-zA-Z0-9_.-]+`, and never `.` or `..`
 * (those would leave the trust store directory).
 */
export function checkName(what: string, name: string | undefined): string {
  if (name === undefined || name === '') throw usageError(`${what} is required`);
  if (!/^[a-zA-Z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw new WharfError(
      'INVALID_ARGUMENT',
      `${what} ${JSON.stringify(name)} is invalid: it needs to follow [a-zA-Z0-9_.-]+ and not be "." or ".."`,
    );
  }
  return name;
}

/** Parses repeatable `k=v` flags (`--plugin-config`, `-m`); the first `=` splits. */
export function keyValues(
  values: readonly string[] | undefined,
  flag: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw usageError(`${flag} "${v}": expected key=value`);
    const k = v.slice(0, i);
    if (k in out) throw usageError(`${flag}: duplicate key "${k}"`);
    out[k] = v.slice(i + 1);
  }
  return out;
}

/** Copies `from` to `to` through a temp file and a rename. */
export async function copyFileAtomic(from: string, to: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  const tmp = `${to}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await copyFile(from, tmp);
    await chmod(tmp, mode);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Go's `time.Time.String()` for a UTC instant: `2006-01-02 15:04:05 +0000 UTC`. */
export function goTimeUtc(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/**
 * Accepts notation 1.x's `-v/--verbose` (removed in notation 2) on the commands that had it;
 * hidden from help, no effect (use `-d/--debug`).
 */
export function acceptVerbose(cmd: Command): Command {
  return cmd.addOption(new Option('-v, --verbose', 'notation 1.x spelling, ignored').hideHelp());
}
