// A PostgreSQL for tests. With DATABASE_URL set, that database is used (it must be a
// throwaway one: tests empty its tables). Otherwise a throwaway cluster of our own
// (scripts/throwaway-postgres.js, shared with the benchmark): stopped and deleted by
// destroy(); stop() and start() restart it on the same port, for outage tests.
import { Client } from 'pg';

interface Cluster {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startThrowawayCluster } = require('../../scripts/throwaway-postgres.js') as {
  startThrowawayCluster: () => Promise<Cluster>;
};

export interface TestDatabase {
  readonly url: string;
  /** False for an external DATABASE_URL: outage tests, which stop the server, are skipped. */
  readonly ownCluster: boolean;
  /** Stops the server (fast shutdown: clients are disconnected). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Empties every table the migrations created (not the migrations table). */
  truncate(): Promise<void>;
  /** Creates an empty database `<prefix>_<n>` on the same server; resolves with its URL. */
  createDatabase(prefix: string): Promise<string>;
  destroy(): Promise<void>;
}

let databaseSerial = 0;
async function createDatabase(url: string, prefix: string): Promise<string> {
  databaseSerial += 1;
  const name = `${prefix}_${process.pid}_${databaseSerial}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.toString();
}
const TABLES = ['users', 'user_skeletons', 'sessions', 'consumed_refresh_tokens', 'revoked_tokens', 'attempt_counters'];

async function truncateAll(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const existing = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY ($1)`,
      [TABLES],
    );
    if (existing.rows.length > 0) await client.query(`TRUNCATE ${existing.rows.map((r) => r.name).join(', ')} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      url: external,
      ownCluster: false,
      stop: () => Promise.reject(new Error('an external DATABASE_URL cannot be stopped by the tests')),
      start: () => Promise.resolve(),
      truncate: () => truncateAll(external),
      createDatabase: (prefix) => createDatabase(external, prefix),
      destroy: () => Promise.resolve(),
    };
  }
  const cluster = await startThrowawayCluster();
  const url = cluster.url;
  return {
    url,
    ownCluster: true,
    start: () => cluster.start(),
    stop: () => cluster.stop(),
    truncate: () => truncateAll(url),
    createDatabase: (prefix) => createDatabase(url, prefix),
    destroy: () => cluster.destroy(),
  };
}
