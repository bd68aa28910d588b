// `npm run migrate` (in the image: `node dist/migrate.js`): applies pending database
// migrations and exits, for deployments that migrate as a separate step and run the
// service with MIGRATE_ON_START=false. Reads the same settings as the service
// (DATABASE_URL or DATABASE_URL_FILE); takes the same advisory lock, so it is safe to run
// while replicas start.
import { ConfigError, loadConfig } from './config';
import { migrate } from './data-access/postgres/migrations';
import { retryUnavailable } from './data-access/postgres/open';
import { createLogger, errorSummary } from './logger';

async function run(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: err.message, problems: err.problems })}\n`);
    return 78;
  }
  const logger = createLogger(config.logLevel);
  if (config.store.kind !== 'postgres') {
    logger.fatal('nothing to migrate: set STORE=postgres and DATABASE_URL (or DATABASE_URL_FILE)');
    return 78;
  }
  const store = config.store;
  try {
    const applied = await retryUnavailable(
      'applying migrations',
      () => migrate(store, logger),
      store.startupTimeoutMs,
      logger,
    );
    logger.info({ applied }, applied.length > 0 ? 'database migrated' : 'database schema is current');
    return 0;
  } catch (err) {
    logger.fatal({ err: errorSummary(err) }, 'migration failed');
    return 1;
  }
}

void run().then((code) => {
  process.exitCode = code;
});
