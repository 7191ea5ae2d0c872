import { WharfError } from '@wharf/core';
import type { CommandContext } from '../deps.js';

/** A stdin that may be a terminal (`tty.ReadStream`). */
type MaybeTty = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
};

/** True when stdin is a terminal we can prompt on. */
export function stdinIsTty(ctx: CommandContext): boolean {
  return (ctx.deps.stdin as MaybeTty | undefined)?.isTTY === true;
}

/**
 * Reads answers from a terminal line by line. With `secret`, the terminal is put in raw mode so
 * typed characters are not echoed (as oras and docker read passwords); Backspace edits, Ctrl-C
 * aborts (exit 130), Ctrl-D ends the line. Hand-written because node:readline echoes input and
 * has no no-echo mode.
 */
export class TtyPrompt {
  readonly #ctx: CommandContext;
  readonly #stdin: MaybeTty;
  #pending = '';

  constructor(ctx: CommandContext) {
    const stdin = ctx.deps.stdin as MaybeTty | undefined;
    if (!stdin) throw new WharfError('USAGE', 'stdin is not available');
    this.#ctx = ctx;
    this.#stdin = stdin;
  }

  /** Asks `question` on stderr and returns the answer without its line ending. */
  async ask(question: string, secret = false): Promise<string> {
    this.#ctx.deps.stderr.write(question);
    if (secret) this.#stdin.setRawMode?.(true);
    try {
      const answer = await this.#line(secret);
      if (secret) this.#ctx.deps.stderr.write('\n');
      return answer;
    } finally {
      if (secret) this.#stdin.setRawMode?.(false);
    }
  }

  #line(secret: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = '';
      const finish = (rest: string): void => {
        this.#pending = rest;
        this.#stdin.removeListener('data', onData);
        this.#stdin.removeListener('end', onEnd);
        this.#stdin.pause();
        resolve(answer);
      };
      const feed = (text: string): boolean => {
        for (let i = 0; i < text.length; i++) {
          const c = text[i] as string;
          if (c === '\r' || c === '\n' || c === '\u0004') {
            const next = c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
            finish(text.slice(next));
            return true;
          }
          if (c === '\u0003') {
            this.#stdin.removeListener('data', onData);
            this.#stdin.removeListener('end', onEnd);
            this.#stdin.pause();
            reject(new WharfError('ABORTED', 'interrupted'));
            return true;
          }
          if (secret && (c === '\u007f' || c === '\b')) answer = answer.slice(0, -1);
          else answer += c;
        }
        return false;
      };
      const onData = (chunk: string | Buffer): void => {
        feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      };
      const onEnd = (): void => finish('');
      const pending = this.#pending;
      this.#pending = '';
      if (feed(pending)) return;
      this.#stdin.on('data', onData);
      this.#stdin.on('end', onEnd);
      this.#stdin.resume();
    });
  }
}
