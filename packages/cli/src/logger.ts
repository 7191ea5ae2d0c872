import type { Logger } from '@wharf/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A stderr logger for the CLI. Hand-written rather than pino because the CLI is benchmarked on
 * wall time against oras and notation, and loading pino costs start-up time for a few lines.
 * Prints `level: message key=value …`; values are JSON-encoded when not plain.
 */
export function createCliLogger(write: (line: string) => void, level: LogLevel): Logger {
  const min = ORDER[level];
  const emit = (lvl: LogLevel, obj: object, msg?: string): void => {
    if (ORDER[lvl] < min) return;
    const fields = Object.entries(obj)
      .map(
        ([k, v]) =>
          `${k}=${typeof v === 'string' && /^[\w./:@+-]*$/.test(v) ? v : JSON.stringify(v)}`,
      )
      .join(' ');
    write(`${lvl}: ${msg ?? ''}${fields ? (msg ? ' ' : '') + fields : ''}\n`);
  };
  return {
    debug: (o, m) => emit('debug', o, m),
    info: (o, m) => emit('info', o, m),
    warn: (o, m) => emit('warn', o, m),
    error: (o, m) => emit('error', o, m),
  };
}
