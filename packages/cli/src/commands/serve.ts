import type { Command } from 'commander';
import type { ConfigFlags } from '@wharf/registry-server';
import type { CommandContext } from '../deps.js';
import { usageError } from '../usage.js';

interface ServeOptions {
  readonly config?: string;
  readonly listen?: string;
  readonly dataDir?: string;
  readonly logLevel?: string;
}

/** Splits `host:port`, `:port` or `[v6]:port` into config flags. */
export function parseListen(value: string): { 'listen.host': string; 'listen.port': string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!m) throw usageError(`--listen must be host:port, :port or [ipv6]:port, got "${value}"`);
  return { 'listen.host': m[1] ?? (m[2] || '127.0.0.1'), 'listen.port': m[3] as string };
}

/** `wharf serve`: the registry on embedded storage. Configuration: file < WHARF_* env < flags. */
export function registerServe(program: Command, context: () => CommandContext): void {
  program
    .command('serve')
    .description(
      'Run the OCI registry (Distribution 1.1 with the Referrers API) on embedded storage',
    )
    .option('-c, --config <file>', 'YAML or JSON configuration file')
    .option(
      '--listen <host:port>',
      'address to listen on (default 127.0.0.1:5000; env WHARF_LISTEN)',
    )
    .option(
      '--data-dir <dir>',
      'where blobs and metadata live (default ./.wharf-data; env WHARF_DATA_DIR)',
    )
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .addHelpText(
      'after',
      `
Examples:
  # Serve on 127.0.0.1:5000 with data under ./.wharf-data
  wharf serve

  # Serve on all interfaces, port 5001, with data under /var/lib/wharf
  wharf serve --listen 0.0.0.0:5001 --data-dir /var/lib/wharf

  # Use a configuration file; flags and WHARF_* variables override it
  wharf serve --config /etc/wharf/config.yaml

The server logs one JSON line per request on stdout and stops gracefully on SIGTERM.`,
    )
    .action(async (opts: ServeOptions) => {
      const { deps } = context();
      const flags: Record<string, unknown> = {};
      if (opts.listen !== undefined) Object.assign(flags, parseListen(opts.listen));
      if (opts.dataDir !== undefined) flags['dataDir'] = opts.dataDir;
      if (opts.logLevel !== undefined) flags['log.level'] = opts.logLevel;
      // Loaded on demand: the server's dependencies would slow every other command's start-up.
      const { loadConfig, startServer } = await import('@wharf/registry-server');
      const config = loadConfig({
        file: opts.config,
        env: deps.env,
        flags: flags as ConfigFlags,
        cwd: deps.cwd,
      });
      const running = await startServer(config, { handleSignals: true });
      await new Promise<void>((resolve) => {
        if (deps.signal.aborted) resolve();
        deps.signal.addEventListener('abort', () => resolve(), { once: true });
        running.server.once('close', () => resolve());
      });
      await running.close();
    });
}
