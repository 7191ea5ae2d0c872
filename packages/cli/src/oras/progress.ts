import { ANNOTATION_TITLE, type Descriptor } from '@wharf/core/lite';
import type { TextOut } from '../deps.js';

/** The verbs a family of commands prints (oras `display/status`). */
export interface VerbSet {
  readonly start: string;
  readonly done: string;
  readonly exists: string;
  readonly skipped: string;
  readonly mounted: string;
  readonly processing: string;
  readonly restored: string;
}

export const PUSH_VERBS: VerbSet = {
  start: 'Uploading',
  done: 'Uploaded',
  exists: 'Exists',
  skipped: 'Skipped',
  mounted: 'Mounted',
  processing: 'Processing',
  restored: 'Restored',
};
export const PULL_VERBS: VerbSet = {
  start: 'Downloading',
  done: 'Downloaded',
  exists: 'Exists',
  skipped: 'Skipped',
  mounted: 'Mounted',
  processing: 'Processing',
  restored: 'Restored',
};
export const COPY_VERBS: VerbSet = {
  start: 'Copying',
  done: 'Copied',
  exists: 'Exists',
  skipped: 'Skipped',
  mounted: 'Mounted',
  processing: 'Processing',
  restored: 'Restored',
};

export type StatusKind = keyof VerbSet;

/** The 12-hex short digest oras prints. */
export function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return digest.slice(i + 1, i + 13);
}

/** The name oras shows for a blob: its title, else its media type. */
export function displayName(desc: Descriptor): string {
  return desc.annotations?.[ANNOTATION_TITLE] ?? desc.mediaType;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Human size, oras style (`1.2 MB`, `10 B`). */
export function humanSize(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} ${UNITS[0] ?? 'B'}` : `${v.toFixed(2)} ${UNITS[u] ?? ''}`;
}

interface Bar {
  readonly desc: Descriptor;
  readonly name: string;
  verb: string;
  bytes: number;
  readonly startedAt: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 200;
const BAR_CELLS = 20;

export interface ProgressOptions {
  /** Draw progress bars (a TTY and not `--no-tty`). */
  readonly tty: boolean;
  /** Print anything at all (false for `--format json`). */
  readonly enabled: boolean;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/**
 * Status output of push, pull and copy: on a TTY, two rows per blob in flight (bar, throughput,
 * percentage, elapsed; redrawn at most 5×/s) that become a `✓` line when done; otherwise oras's
 * plain lines `<Verb> <12-hex> <title|mediaType>` with the verbs padded to one width.
 */
export class Progress {
  readonly #out: TextOut;
  readonly #verbs: VerbSet;
  readonly #width: number;
  readonly #tty: boolean;
  readonly #enabled: boolean;
  readonly #now: () => number;
  readonly #bars = new Map<string, Bar>();
  #drawn = 0;
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: TextOut, verbs: VerbSet, options: ProgressOptions) {
    this.#out = out;
    this.#verbs = verbs;
    this.#width = Math.max(verbs.start.length, verbs.done.length + 1);
    this.#tty = options.tty && options.enabled;
    this.#enabled = options.enabled;
    this.#now = options.now ?? Date.now;
  }

  #pad(verb: string): string {
    return verb.padEnd(this.#width, ' ');
  }

  /** A plain line (erasing and redrawing the bars around it on a TTY). */
  print(line: string): void {
    if (!this.#enabled) return;
    if (this.#tty) {
      this.#erase();
      this.#out.write(`${line}\n`);
      this.#draw();
    } else {
      this.#out.write(`${line}\n`);
    }
  }

  /** `Preparing <name>` (push and attach, before hashing). */
  prepare(name: string): void {
    if (!this.#tty) this.print(`Preparing ${name}`);
  }

  /** A blob starts moving. */
  start(desc: Descriptor, kind: StatusKind = 'start'): void {
    const verb = this.#verbs[kind];
    if (!this.#tty) {
      this.print(`${this.#pad(verb)} ${shortDigest(desc.digest)} ${displayName(desc)}`);
      return;
    }
    this.#bars.set(desc.digest, {
      desc,
      name: displayName(desc),
      verb,
      bytes: 0,
      startedAt: this.#now(),
    });
    this.#timer ??= setInterval(() => this.#redraw(), REDRAW_MS);
    this.#timer.unref?.();
  }

  /** Cumulative bytes moved for `desc`. */
  bytes(desc: Descriptor, bytes: number): void {
    const bar = this.#bars.get(desc.digest);
    if (bar) bar.bytes = bytes;
  }

  /** A blob is done (`done`, `exists`, `skipped`, `mounted`, `restored`, …). */
  done(desc: Descriptor, kind: StatusKind = 'done'): void {
    const verb = this.#verbs[kind];
    if (!this.#tty) {
      this.print(`${this.#pad(verb)} ${shortDigest(desc.digest)} ${displayName(desc)}`);
      return;
    }
    const bar = this.#bars.get(desc.digest);
    this.#bars.delete(desc.digest);
    const elapsed = bar ? (this.#now() - bar.startedAt) / 1000 : 0;
    const size = `${humanSize(desc.size)}/${humanSize(desc.size)}`;
    this.print(
      `✓ ${this.#pad(verb)} ${displayName(desc)}  ${size} 100.00% ${formatSeconds(elapsed)}\n` +
        `  └─ ${desc.digest}`,
    );
  }

  /** Marks a blob failed on a TTY. */
  fail(desc: Descriptor): void {
    const bar = this.#bars.get(desc.digest);
    if (!bar || !this.#tty) return;
    this.#bars.delete(desc.digest);
    this.print(`✗ ${this.#pad(bar.verb)} ${bar.name}\n  └─ ${desc.digest}`);
  }

  /** Stops redrawing and erases the bars that are left. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty) this.#erase();
    this.#bars.clear();
  }

  #redraw(): void {
    this.#frame++;
    this.#erase();
    this.#draw();
  }

  #erase(): void {
    if (this.#drawn === 0) return;
    this.#out.write(`\x1b[${this.#drawn}A\x1b[0J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#bars.size === 0) return;
    const lines: string[] = [];
    const now = this.#now();
    for (const bar of this.#bars.values()) {
      const total = bar.desc.size;
      const ratio = total > 0 ? Math.min(1, bar.bytes / total) : 0;
      const filled = Math.round(ratio * BAR_CELLS);
      const cells = `\x1b[44m${' '.repeat(filled)}\x1b[0m${'.'.repeat(BAR_CELLS - filled)}`;
      const secs = Math.max((now - bar.startedAt) / 1000, 0.001);
      const rate = `${humanSize(Math.round(bar.bytes / secs))}/s`;
      const spin = SPINNER[this.#frame % SPINNER.length] ?? '⠋';
      lines.push(
        `${spin} [${cells}](${rate}) ${this.#pad(bar.verb)} ${bar.name}  ` +
          `${humanSize(bar.bytes)}/${humanSize(total)} ${(ratio * 100).toFixed(2)}% ${formatSeconds(secs)}`,
        `  └─ ${bar.desc.digest}`,
      );
    }
    this.#out.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.floor(s)}s`;
  return `${Math.floor(s / 60)}m${Math.floor(s % 60)}s`;
}

/** Whether progress bars are drawn: stdout is a TTY and `--no-tty` was not given. */
export function useTty(out: TextOut, ttyFlag: boolean | undefined): boolean {
  return out.isTTY === true && ttyFlag !== false;
}

/** Counts bytes flowing through an iterable, reporting cumulative totals. */
export async function* countBytes(
  source: AsyncIterable<Uint8Array>,
  onBytes: (total: number) => void,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    onBytes(total);
    yield chunk;
  }
}
