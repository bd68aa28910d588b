// The process: load config, build the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import { createApp, createDependencies } from './app';
import { ConfigError, loadConfig } from './config';
import { createMetricsServer } from './http/metrics-server';
import { createHttpServer } from './http/server';
import { createLogger } from './logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: err.message, problems: err.problems })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }

  const logger = createLogger(config.logLevel);
  const deps = await createDependencies(config, logger);
  const app = createApp(deps);
  const http = createHttpServer(app, logger, {
    maxHeaderBytes: config.http.maxHeaderBytes,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  const metricsServer =
    deps.metrics && config.metrics.port !== undefined ? createMetricsServer(deps.metrics.registry) : undefined;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    deps.lifecycle.draining = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    void http.shutdown().then((drained) => {
      logger.info({ drained }, 'stopped');
      logger.flush();
      process.exitCode = drained ? 0 : 1;
      // Let the log line reach stdout, then leave even if some handle lingers.
      setTimeout(() => process.exit(), 50).unref();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  const port = await http.listen(config.port, config.host);
  logger.info({ port, host: config.host }, 'listening');
  if (metricsServer) {
    await new Promise<void>((resolve) => metricsServer.listen(config.metrics.port, config.host, resolve));
    logger.info({ port: config.metrics.port }, 'metrics listening');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'start-up failed', err: String(err instanceof Error ? err.stack : err) })}\n`,
  );
  process.exit(1);
});
