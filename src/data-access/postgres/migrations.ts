// Schema migrations: versioned SQL files in ./migrations, applied by node-pg-migrate.
// node-pg-migrate is pinned to its 7.x line: 8 and 9 are ESM-only, which CommonJS output and
// jest on Node 20 cannot require (the same trap as jose 6).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';
import { connectionSettings, type PostgresConfig } from './database';

/** Copied next to the compiled module by `npm run build`. */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * node-pg-migrate's own advisory lock key. Start-up waits for it (pg_advisory_lock) where
 * node-pg-migrate's CLI only tries it, so replicas starting together apply migrations once,
 * one after the other, and never race with an operator running the CLI.
 */
const MIGRATION_LOCK = '7241865325823964';

/** The migration files, in the order they apply (names start with a timestamp). */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();
}

async function withClient<T>(config: PostgresConfig, work: (client: Client) => Promise<T>): Promise<T> {
  // A connection of its own, without the request path's statement timeout: a migration or the
  // wait for another replica's may take longer than any request should.
  const client = new Client(connectionSettings(config, 'migrations'));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Applies every pending migration under the advisory lock; resolves with the names applied. */
export function migrate(config: PostgresConfig, logger: Logger): Promise<string[]> {
  return withClient(config, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const applied = await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        count: Infinity,
        migrationsTable: MIGRATIONS_TABLE,
        checkOrder: true,
        singleTransaction: true,
        // node-pg-migrate's own try-lock would succeed anyway: this session holds the lock.
        noLock: true,
        logger: {
          debug: (msg: string) => logger.debug({ migration: msg }, 'migration'),
          info: (msg: string) => logger.debug({ migration: msg }, 'migration'),
          warn: (msg: string) => logger.warn({ migration: msg }, 'migration'),
          error: (msg: string) => logger.error({ migration: msg }, 'migration'),
        },
      });
      return applied.map((m) => m.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

/** The migrations not yet applied (for MIGRATE_ON_START=false: refuse to run on an old schema). */
export function pendingMigrations(config: PostgresConfig): Promise<string[]> {
  return withClient(config, async (client) => {
    const table = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      MIGRATIONS_TABLE,
    ]);
    const applied = new Set<string>();
    if (table.rows[0]?.exists === true) {
      for (const row of (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows)
        applied.add(row.name);
    }
    return migrationNames().filter((name) => !applied.has(name));
  });
}
