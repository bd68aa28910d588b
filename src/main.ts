// The process: load config, compose, listen, and shut down cleanly on SIGTERM/SIGINT.
import { createDependencies } from './composition-root';
import { configOrExit, EXIT_BAD_CONFIG } from './config';
import { KeyDirectoryError } from './data-access/key-directory';
import { StoreStartupError } from './data-access/store-startup-error';
import { NoSigningKeyError } from './domain/signing-keys';
import { appReady, createApp } from './http/app';
import { createMetricsServer } from './http/metrics-server';
import { createHttpServer } from './http/server';
import { createLogger } from './logger';
import { installCrashPolicy } from './process-policy';
import { exitWithFatal, type FatalLine } from './startup-failure';

/** EX_UNAVAILABLE (sysexits.h): the database, or the port, is not available at start-up. */
const EXIT_STORE_UNAVAILABLE = 69;

const config = configOrExit();
const logger = createLogger(config.logLevel);

async function main(): Promise<void> {
  installCrashPolicy(process, logger);
  for (const warning of config.warnings) logger.warn(warning);

  const deps = await createDependencies(config, logger);
  const app = createApp(deps);
  // The validator's view of the contract is loaded before the port opens: /readyz answers 200
  // only when the first request will not wait for it.
  await appReady(deps);
  const http = createHttpServer(app, logger, {
    maxHeaderBytes: config.http.maxHeaderBytes,
    lameDuckMs: config.http.lameDuckMs,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  const endpoint = deps.metricsEndpoint;
  const metricsServer = endpoint.on === 'own-port' ? createMetricsServer(endpoint.registry) : undefined;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Readiness turns false at once, so load balancers stop sending new traffic while the
    // lame-duck period still serves whatever reaches us.
    deps.lifecycle.draining = true;
    logger.info({ signal }, 'shutting down: readiness off, draining in-flight requests');
    void http
      .shutdown()
      .then(async (drained) => {
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        await deps.close();
        return drained;
      })
      .then((drained) => {
        logger.info({ drained }, 'stopped');
        logger.flush();
        process.exitCode = drained ? 0 : 1;
        // Let the log line reach stdout, then leave even if some handle lingers.
        setTimeout(() => process.exit(), 50).unref();
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const port = await http.listen(config.port, config.host);
  logger.info({ port, host: config.host }, 'listening');
  if (metricsServer && endpoint.on === 'own-port') {
    const metricsPort = await new Promise<number>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(endpoint.port, config.host, () => {
        const address = metricsServer.address();
        resolve(typeof address === 'object' && address ? address.port : endpoint.port);
      });
    });
    logger.info({ port: metricsPort }, 'metrics listening');
  }
}

/** Why the listener could not bind, and what to do about it. */
const LISTEN_FAILURES: Readonly<Record<string, (port: number, host: string) => Omit<FatalLine, 'cause'>>> = {
  EADDRINUSE: (port, host) => ({
    msg: `start-up failed: port ${port} on ${host} is already in use`,
    fix: `stop the process listening on port ${port} (\`ss -ltnp 'sport = :${port}'\` shows it; often another copy of this service), or set PORT (and METRICS_PORT) to free ports`,
  }),
  EACCES: (port) => ({
    msg: `start-up failed: no permission to listen on port ${port}`,
    fix: 'ports below 1024 need privileges: set PORT to 1024 or above (put a proxy or a port mapping in front)',
  }),
  EADDRNOTAVAIL: (_port, host) => ({
    msg: `start-up failed: HOST ${host} is not an address of this machine`,
    fix: 'set HOST to 0.0.0.0 (every interface), 127.0.0.1, or an address this machine has',
  }),
};

/**
 * Start-up failures an operator can fix, said in one line with the fix (no stack trace), and
 * their exit codes; anything else is a bug, logged with its stack.
 */
function startupFailure(err: unknown): { line: FatalLine; code: number } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof StoreStartupError) {
    return {
      line: {
        msg: `start-up failed: ${message}`,
        fix: 'as the message says; README "Storage" covers DATABASE_URL, migrations and start-up retries',
      },
      code: EXIT_STORE_UNAVAILABLE,
    };
  }
  if (err instanceof KeyDirectoryError || err instanceof NoSigningKeyError) {
    return {
      line: { msg: `start-up failed: ${message}`, fix: 'see README "Signing keys, JWKS and rotation"' },
      code: EXIT_BAD_CONFIG,
    };
  }
  const { code, port, address } = err as NodeJS.ErrnoException & { port?: number; address?: string };
  const explain =
    code === undefined || (err as { syscall?: string }).syscall !== 'listen' ? undefined : LISTEN_FAILURES[code];
  if (explain !== undefined && code !== undefined) {
    return {
      line: { ...explain(port ?? config.port, address ?? config.host), cause: code },
      code: code === 'EADDRINUSE' ? EXIT_STORE_UNAVAILABLE : EXIT_BAD_CONFIG,
    };
  }
  return {
    line: {
      msg: `start-up failed: ${message}`,
      fix: 'this is a bug: please report it with this line',
      ...(err instanceof Error && err.stack !== undefined ? { problems: [err.stack] } : {}),
    },
    code: 1,
  };
}

main().catch((err: unknown) => {
  const { line, code } = startupFailure(err);
  exitWithFatal(line, code, logger);
});
