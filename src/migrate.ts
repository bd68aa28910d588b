// `npm run migrate` (in the image: `node dist/migrate.js`): applies pending database
// migrations and exits, for deployments that migrate as a separate step and run the
// service with MIGRATE_ON_START=false. Reads the same settings as the service
// (DATABASE_URL or DATABASE_URL_FILE); takes the same advisory lock, so it is safe to run
// while replicas start.
import { configOrExit, EXIT_BAD_CONFIG } from './config';
import { migrateWhenReachable } from './data-access/postgres/open';
import { createLogger, errorSummary } from './logger';

async function run(): Promise<number> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  if (config.store.kind !== 'postgres') {
    logger.fatal('nothing to migrate: set STORE=postgres and DATABASE_URL (or DATABASE_URL_FILE)');
    return EXIT_BAD_CONFIG;
  }
  try {
    await migrateWhenReachable(config.store, logger);
    return 0;
  } catch (err) {
    logger.fatal({ err: errorSummary(err) }, 'migration failed');
    return 1;
  }
}

void run().then((code) => {
  process.exitCode = code;
});
