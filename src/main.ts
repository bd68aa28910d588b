// The process: load config, compose, listen, and shut down cleanly on SIGTERM/SIGINT.
import { createDependencies } from './composition-root';
import { configOrExit, EXIT_BAD_CONFIG } from './config';
import { KeyDirectoryError } from './data-access/key-directory';
import { StoreStartupError } from './data-access/postgres/open';
import { NoSigningKeyError } from './domain/signing-keys';
import { createApp } from './http/app';
import { createMetricsServer } from './http/metrics-server';
import { createHttpServer } from './http/server';
import { createLogger } from './logger';
import { installCrashPolicy } from './process-policy';

/** EX_UNAVAILABLE (sysexits.h): the database could not be reached or prepared at start-up. */
const EXIT_STORE_UNAVAILABLE = 69;

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  installCrashPolicy(process, logger);

  const deps = await createDependencies(config, logger);
  const http = createHttpServer(createApp(deps), logger, {
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

/** Start-up failures that are an operator's to fix, with their exit codes: said in one line, no stack trace. */
function operatorProblem(err: unknown): number | undefined {
  if (err instanceof StoreStartupError) return EXIT_STORE_UNAVAILABLE;
  if (err instanceof KeyDirectoryError || err instanceof NoSigningKeyError) return EXIT_BAD_CONFIG;
  return undefined;
}

main().catch((err: unknown) => {
  const code = operatorProblem(err);
  if (code !== undefined) {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: `start-up failed: ${(err as Error).message}` })}\n`);
    process.exit(code);
  }
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'start-up failed', err: String(err instanceof Error ? err.stack : err) })}\n`,
  );
  process.exit(1);
});
