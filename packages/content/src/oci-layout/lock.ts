import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ContentError } from '@wharf/core';
import { sleep } from '../internal/abort.js';
import { Mutex } from '../internal/semaphore.js';

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** A lock older than this (by mtime) is considered abandoned. Default 30 s. */
  readonly staleMs?: number;
  /** Give up after waiting this long. Default 60 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly nonce: string;
}

const HOST = hostname();

// One mutex per lock path in this process, so in-process contenders queue instead of polling.
const processMutexes = new Map<string, { mutex: Mutex; users: number }>();

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

async function readInfo(
  path: string,
): Promise<{ info: LockInfo | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let info: LockInfo | undefined;
    try {
      const v = JSON.parse(text) as Partial<LockInfo>;
      if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.nonce === 'string') {
        info = { pid: v.pid, host: v.host, nonce: v.nonce };
      }
    } catch {
      info = undefined; // being written, or garbage: judged by mtime
    }
    return { info, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function isStale(found: { info: LockInfo | undefined; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - found.mtimeMs > staleMs) return true;
  const { info } = found;
  return (
    info !== undefined && info.host === HOST && info.pid !== process.pid && !processAlive(info.pid)
  );
}

async function tryCreate(path: string, info: LockInfo): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(JSON.stringify(info));
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes an abandoned lock, guarded by a second O_EXCL "breaker" file so two breakers cannot race. */
async function breakStale(
  path: string,
  seen: { info: LockInfo | undefined; mtimeMs: number },
  staleMs: number,
): Promise<void> {
  const breaker = `${path}.break`;
  const mine: LockInfo = { pid: process.pid, host: HOST, nonce: randomUUID() };
  if (!(await tryCreate(breaker, mine))) {
    const b = await readInfo(breaker);
    if (b && isStale(b, staleMs)) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    const now = await readInfo(path);
    // Only remove the very lock we judged stale (same nonce, or same unreadable mtime).
    if (
      now &&
      now.info?.nonce === seen.info?.nonce &&
      (seen.info !== undefined || now.mtimeMs === seen.mtimeMs) &&
      isStale(now, staleMs)
    ) {
      await unlink(path).catch(() => undefined);
    }
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/**
 * Takes a cross-process lock: an O_EXCL lock file holding `{pid, host, nonce}`, with stale
 * detection (dead local pid, or mtime older than `staleMs`). Contenders in the same process queue
 * on a mutex first. Returns the release function.
 *
 * @throws ContentError `IO_ERROR` on timeout, `ABORTED`
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  let slot = processMutexes.get(path);
  if (!slot) {
    slot = { mutex: new Mutex(), users: 0 };
    processMutexes.set(path, slot);
  }
  slot.users++;
  try {
    return await slot.mutex.run(async () => {
      const release = await acquireFileLock(path, options);
      try {
        return await fn();
      } finally {
        await release();
      }
    }, options.signal);
  } finally {
    slot.users--;
    if (slot.users === 0) processMutexes.delete(path);
  }
}

async function acquireFileLock(path: string, options: LockOptions): Promise<() => Promise<void>> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const info: LockInfo = { pid: process.pid, host: HOST, nonce: randomUUID() };
  let delay = 1;
  for (;;) {
    try {
      if (await tryCreate(path, info)) break;
    } catch (cause) {
      throw new ContentError('IO_ERROR', `cannot create lock file ${path}`, { cause });
    }
    const seen = await readInfo(path).catch(() => undefined);
    if (seen && isStale(seen, staleMs)) {
      await breakStale(path, seen, staleMs).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ContentError(
        'IO_ERROR',
        `timed out after ${timeoutMs} ms waiting for lock ${path}`,
        {
          detail: { path, holder: seen?.info },
        },
      );
    }
    await sleep(delay + Math.random() * delay, options.signal);
    delay = Math.min(delay * 2, 50);
  }
  return async () => {
    const now = await readInfo(path).catch(() => undefined);
    if (now?.info?.nonce === info.nonce) await unlink(path).catch(() => undefined);
  };
}
