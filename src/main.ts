// The process: load config, compose, listen, and shut down cleanly on SIGTERM/SIGINT.
import { createDependencies } from './composition-root';
import { ConfigError, loadConfig, type Config } from './config';
import { createApp } from './http/app';
import { createMetricsServer } from './http/metrics-server';
import { createHttpServer } from './http/server';
import { createLogger } from './logger';
import { installCrashPolicy } from './process-policy';

/** EX_CONFIG (sysexits.h): the configuration is invalid. */
const EXIT_BAD_CONFIG = 78;

function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: err.message, problems: err.problems })}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  installCrashPolicy(process, logger);

  const deps = await createDependencies(config, logger);
  const http = createHttpServer(createApp(deps), logger, {
    maxHeaderBytes: config.http.maxHeaderBytes,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
  });
  const endpoint = deps.metricsEndpoint;
  const metricsServer = endpoint.on === 'own-port' ? createMetricsServer(endpoint.registry) : undefined;

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

  const port = await http.listen(config.port, config.host);
  logger.info({ port, host: config.host }, 'listening');
  if (metricsServer && endpoint.on === 'own-port') {
    await new Promise<void>((resolve) => metricsServer.listen(endpoint.port, config.host, resolve));
    logger.info({ port: endpoint.port }, 'metrics listening');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'start-up failed', err: String(err instanceof Error ? err.stack : err) })}\n`,
  );
  process.exit(1);
});
