#!/usr/bin/env node
/**
 * `wharf-registry [--config file] [--listen host:port] [--data-dir dir]`: the only place besides
 * the CLI that reads `process.env` and exits. `wharf serve` in @wharf/cli does the same through
 * `loadConfig` + `startServer`.
 */
import { isWharfError } from '@wharf/core';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

function parseArgs(argv: readonly string[]): { file?: string; flags: Record<string, unknown> } {
  const flags: Record<string, unknown> = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) {
        process.stderr.write(`missing value for ${arg}\n`);
        process.exit(2);
      }
      return v;
    };
    if (arg === '--config' || arg === '-c') file = next();
    else if (arg === '--listen') {
      const v = next();
      const colon = v.lastIndexOf(':');
      flags['listen.host'] = v.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1';
      flags['listen.port'] = v.slice(colon + 1);
    } else if (arg === '--port') flags['listen.port'] = next();
    else if (arg === '--data-dir') flags.dataDir = next();
    else if (arg === '--log-level') flags['log.level'] = next();
    else if (arg.startsWith('--set=')) {
      const [k, ...v] = arg.slice(6).split('=');
      flags[k as string] = v.join('=');
    } else {
      process.stderr.write(`unknown argument ${arg}\n`);
      process.exit(2);
    }
  }
  return file === undefined ? { flags } : { file, flags };
}

try {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig({ file: args.file, env: process.env, flags: args.flags });
  await startServer(config);
} catch (err) {
  if (isWharfError(err)) process.stderr.write(`wharf-registry: ${err.message}\n`);
  else process.stderr.write(`wharf-registry: ${String(err)}\n`);
  process.exit(1);
}
