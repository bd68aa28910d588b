// PostgreSQL stores over a test database: migrated once, then one pool and one change feed
// per test file; each make*() empties the tables and builds a store with fresh caches.
import pino from 'pino';
import type { StoreConfig } from '../../src/config';
import type { Clock } from '../../src/domain/clock';
import { PostgresAttemptCounter } from '../../src/data-access/postgres/attempt-counter';
import { ChangeFeed, FeedCache, type FeedTiming } from '../../src/data-access/postgres/change-feed';
import { createPool, Database } from '../../src/data-access/postgres/database';
import { migrate } from '../../src/data-access/postgres/migrations';
import { PostgresRevocationStore } from '../../src/data-access/postgres/revocation-store';
import { PostgresSessionStore } from '../../src/data-access/postgres/session-store';
import { PostgresUserStore } from '../../src/data-access/postgres/user-store';
import type { TestDatabase } from './postgres';

export type PostgresConfig = Extract<StoreConfig, { kind: 'postgres' }>;

export const quietLogger = pino({ level: 'silent' });

export function postgresConfig(url: string, overrides: Partial<PostgresConfig> = {}): PostgresConfig {
  return {
    kind: 'postgres',
    url,
    poolMax: 20,
    connectTimeoutMs: 2_000,
    statementTimeoutMs: 5_000,
    startupTimeoutMs: 10_000,
    migrateOnStart: true,
    ...overrides,
  };
}

/** Fast feed timing for tests: outages are noticed within a few hundred milliseconds. */
export const TEST_FEED_TIMING: FeedTiming = {
  heartbeatMs: 100,
  heartbeatTimeoutMs: 500,
  retryMinMs: 50,
  retryMaxMs: 500,
};

export class PostgresFixture {
  readonly config: PostgresConfig;
  readonly db: Database;
  readonly feed: ChangeFeed;

  private constructor(readonly database: TestDatabase) {
    this.config = postgresConfig(database.url);
    this.db = new Database(createPool(this.config, quietLogger));
    this.feed = new ChangeFeed(this.config, quietLogger, TEST_FEED_TIMING);
  }

  static async open(database: TestDatabase): Promise<PostgresFixture> {
    const fixture = new PostgresFixture(database);
    await migrate(fixture.config, quietLogger);
    await fixture.feed.start();
    return fixture;
  }

  cache<V>(kind: 's' | 'u' | 'r'): FeedCache<V> {
    return new FeedCache<V>(this.feed, kind, { maxEntries: 1000, ttlMs: 60_000 });
  }

  async users(): Promise<PostgresUserStore> {
    await this.database.truncate();
    return new PostgresUserStore(this.db, this.cache('u'));
  }

  async sessions(): Promise<PostgresSessionStore> {
    await this.database.truncate();
    return new PostgresSessionStore(this.db, this.cache('s'));
  }

  async revocations(clock: Clock): Promise<PostgresRevocationStore> {
    await this.database.truncate();
    return new PostgresRevocationStore(this.db, this.cache('r'), clock);
  }

  async attempts(clock: Clock): Promise<PostgresAttemptCounter> {
    await this.database.truncate();
    return new PostgresAttemptCounter(this.db, clock);
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.db.pool.end();
  }
}
