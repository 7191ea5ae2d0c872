import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { pino } from 'pino';
import { createRegistryApp, type Registry, type RegistryDeps } from './app.js';
import type { RegistryConfig } from './config.js';

export interface StartServerOptions extends RegistryDeps {
  /** Install SIGTERM/SIGINT handlers that shut down gracefully (default true). */
  readonly handleSignals?: boolean;
}

/** A listening registry. */
export interface RunningServer {
  readonly registry: Registry;
  readonly server: Server;
  /** `http://host:port` actually bound (port 0 resolves to the chosen port). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests, stops GC, closes the metadata store. */
  close(): Promise<void>;
}

/**
 * Starts the registry on `config.listen` (default 127.0.0.1:5000) with @hono/node-server.
 * Logs JSON with pino. On SIGTERM/SIGINT: stop accepting connections, let in-flight requests
 * finish (idle keep-alive sockets are closed), close the database, exit 0.
 */
export async function startServer(
  config: Readonly<RegistryConfig>,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.log.level });
  const registry = await createRegistryApp(config, { ...options, logger });
  const server = createAdaptorServer({
    fetch: registry.app.fetch,
    serverOptions: { keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, dataDir: config.dataDir, auth: config.auth.type }, 'wharf registry listening');

  let gcTimer: NodeJS.Timeout | undefined;
  if (config.gc.interval > 0) {
    gcTimer = setInterval(() => {
      registry.runGc().catch((err: unknown) => logger.error({ err }, 'garbage collection failed'));
    }, config.gc.interval);
    gcTimer.unref();
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (gcTimer) clearInterval(gcTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await registry.close();
      logger.info({}, 'wharf registry stopped');
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const force = setTimeout(() => process.exit(1), 30_000);
      force.unref();
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  return { registry, server, url, port: address.port, close };
}
