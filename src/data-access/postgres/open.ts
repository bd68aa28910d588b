// Opening the PostgreSQL stores: wait for the database (with backoff, bounded), apply or
// check migrations, start the change feed and the sweeper, and hand back the stores.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock';
import type { Stores } from '../stores';
import { PostgresAttemptCounter } from './attempt-counter';
import { ChangeFeed, FeedCache, type FeedTiming } from './change-feed';
import { createPool, Database, isUnavailable, withTimeout, type PostgresConfig } from './database';
import { errorSummary } from '../../logger';
import { migrate, pendingMigrations } from './migrations';
import { PostgresRevocationStore } from './revocation-store';
import { PostgresSessionStore } from './session-store';
import { StoreStartupError } from '../store-startup-error';
import { Sweeper } from './sweeper';
import { PostgresUserStore } from './user-store';

export interface OpenOptions {
  readonly feedTiming?: FeedTiming;
  /** How often expired rows are swept (default once a minute). */
  readonly sweepEveryMs?: number;
  readonly cache?: { readonly maxEntries: number; readonly ttlMs: number };
}

/**
 * A readiness probe answers within this, even when the database hangs before the change
 * feed's heartbeat has noticed (probes usually time out after 1 to 3 s).
 */
const READINESS_TIMEOUT_MS = 1_000;

/**
 * Runs `attempt` until it succeeds, retrying only "unavailable" failures with exponential
 * backoff (250 ms doubling to 5 s) for at most `budgetMs`. Anything else (wrong password,
 * no such database) fails at once: waiting would not fix it.
 */
export async function retryUnavailable<T>(
  what: string,
  attempt: () => Promise<T>,
  budgetMs: number,
  logger: Logger,
): Promise<T> {
  const started = Date.now();
  for (let delay = 250, tries = 1; ; delay = Math.min(delay * 2, 5_000), tries += 1) {
    try {
      return await attempt();
    } catch (err) {
      const cause = errorSummary(err);
      if (!isUnavailable(err)) {
        throw new StoreStartupError(`${what} failed: ${String(cause.message)}`, { cause: err });
      }
      const elapsed = Date.now() - started;
      if (elapsed + delay > budgetMs) {
        throw new StoreStartupError(
          `${what}: the database did not answer within ${Math.round(budgetMs / 1000)} s (${tries} tries; last: ${String(cause.message)}). ` +
            'Check DATABASE_URL and that PostgreSQL is running; DATABASE_STARTUP_TIMEOUT_SECONDS sets how long to wait.',
          { cause: err },
        );
      }
      logger.warn({ err: cause, attempt: tries, retryInMs: delay }, `${what}: database not reachable yet, retrying`);
      await sleep(delay);
    }
  }
}

/** Applies pending migrations, waiting for the database as start-up does; logs what it applied. */
export async function migrateWhenReachable(config: PostgresConfig, logger: Logger): Promise<void> {
  const applied = await retryUnavailable(
    'applying migrations',
    () => migrate(config, logger),
    config.startupTimeoutMs,
    logger,
  );
  logger.info({ applied }, applied.length > 0 ? 'database migrated' : 'database schema is current');
}

export async function openPostgresStores(
  config: PostgresConfig,
  clock: Clock,
  logger: Logger,
  options: OpenOptions = {},
): Promise<Stores> {
  const budget = config.startupTimeoutMs;
  if (config.migrateOnStart) {
    await migrateWhenReachable(config, logger);
  } else {
    const pending = await retryUnavailable('checking migrations', () => pendingMigrations(config), budget, logger);
    if (pending.length > 0) {
      throw new StoreStartupError(
        `the database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). ` +
          'Run `npm run migrate` (in the image: node dist/migrate.js), or set MIGRATE_ON_START=true.',
      );
    }
  }

  const feed = new ChangeFeed(config, logger, options.feedTiming);
  await retryUnavailable('listening for changes', () => feed.start(), budget, logger);
  const pool = createPool(config, logger);
  const db = new Database(pool);
  const cacheOptions = options.cache ?? { maxEntries: 100_000, ttlMs: 60_000 };
  const users = new PostgresUserStore(db, new FeedCache(feed, 'u', cacheOptions));
  const sweeper = new Sweeper(db, clock, logger);
  sweeper.start(options.sweepEveryMs ?? 60_000);

  return {
    kind: 'postgres',
    users,
    attempts: new PostgresAttemptCounter(db, clock),
    revocations: new PostgresRevocationStore(db, new FeedCache(feed, 'r', cacheOptions), clock),
    sessions: new PostgresSessionStore(db, new FeedCache(feed, 's', cacheOptions)),
    // Not ready while the feed is down: caches are bypassed then, and the database is
    // most likely unreachable too. Answering at once keeps the probe fast.
    ping: async () => {
      if (!feed.isLive()) throw new Error('change feed not connected');
      await withTimeout(db.ping(), READINESS_TIMEOUT_MS, 'database did not answer the readiness ping in time');
    },
    close: async () => {
      await sweeper.stop();
      await feed.close();
      await pool.end();
    },
  };
}
