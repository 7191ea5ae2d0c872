#!/usr/bin/env node
import module from 'node:module';
import { join } from 'node:path';

// Node >= 22.1 can cache compiled modules on disk (most of start-up is module loading); Node 20 has
// no such API, so this is a no-op there. It must run before `main.js` and its graph are imported.
const enableCompileCache = (module as { enableCompileCache?: (dir?: string) => unknown })
  .enableCompileCache;
const xdgCache = process.env['XDG_CACHE_HOME'];
enableCompileCache?.(xdgCache ? join(xdgCache, 'wharf', 'compile-cache') : undefined);

const { main } = await import('./main.js');

// A reader that goes away (`wharf … | head`) closes stdout: stop quietly with 128 + SIGPIPE, as Go's
// oras and notation and coreutils do, instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new Error('interrupted'));
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
