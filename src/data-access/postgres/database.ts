// node-postgres, once: the pool and its settings, the one place that tells "the database
// cannot answer now" (503, retry) from a fault in our own SQL (500), and transactions.
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import type { StoreConfig } from '../../config';
import { StoreUnavailableError } from '../../domain/errors';
import { errorSummary } from '../../logger';

export type PostgresConfig = Extract<StoreConfig, { kind: 'postgres' }>;

/** What a client that found the database unavailable is told to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 2;

const APPLICATION_NAME = 'jwt-auth-service';

/**
 * Settings every connection of ours uses (the pool's, the change feed's, the migrator's);
 * `role` names it in pg_stat_activity for operators.
 */
export function connectionSettings(config: PostgresConfig, role: 'requests' | 'changes' | 'migrations') {
  return {
    connectionString: config.url,
    application_name: `${APPLICATION_NAME} (${role})`,
    connectionTimeoutMillis: config.connectTimeoutMs,
    // TCP keepalive: a peer that vanished without a FIN is noticed instead of waited on forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * The request path's pool. Statements end server-side after `statementTimeoutMs`
 * (statement_timeout) and client-side a second later (query_timeout), so neither a slow
 * plan nor a silent network holds a request. The 'error' listener is required: pg 8 emits
 * 'error' on the pool when an idle client's connection dies (e.g. 57P01 when PostgreSQL
 * restarts), and an EventEmitter with no listener for 'error' throws, killing the process.
 */
export function createPool(config: PostgresConfig, logger: Logger): Pool {
  const pool = new Pool({
    ...connectionSettings(config, 'requests'),
    max: config.poolMax,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.statementTimeoutMs,
    query_timeout: config.statementTimeoutMs + 1_000,
  });
  pool.on('error', (err) => {
    logger.warn({ err: errorSummary(err) }, 'database connection lost (idle client); the pool reconnects');
  });
  return pool;
}

/** SQLSTATE classes and codes that mean "cannot answer now", not "your SQL is wrong". */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57P'];
const UNAVAILABLE_SQLSTATES = new Set([
  '57014', // query_canceled: statement_timeout
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** node-postgres reports its own connection and timeout failures as plain Errors. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Client was closed and is not queryable/,
];

/** True when `err` says the database is unreachable, restarting, overloaded or too slow. */
export function isUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: errors from Node's core (ECONNREFUSED) may come from another realm
  // (a vm context, as under jest), and are Errors all the same.
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c))) return true;
  }
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message));
}

/** Rethrows `err` as StoreUnavailableError when the database could not answer. */
export function translate(err: unknown): never {
  if (isUnavailable(err)) throw new StoreUnavailableError(RETRY_AFTER_SECONDS, { cause: err });
  throw err;
}

/** `work`, or a rejection with `message` after `ms` (the work itself is not cancelled). */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the stores need from the database: parameterised statements and transactions. */
export class Database {
  constructor(readonly pool: Pool) {}

  async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values as unknown[])).rows;
    } catch (err) {
      return translate(err);
    }
  }

  /** Runs `work` in one transaction (READ COMMITTED): committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      return translate(err);
    }
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(new Transaction(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A connection that failed mid-transaction is not returned to the pool for reuse.
      broken = isUnavailable(err) ? err : undefined;
      await client.query('ROLLBACK').catch(() => undefined);
      return translate(err);
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }
}

export class Transaction {
  constructor(private readonly client: PoolClient) {}

  async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.client.query<R>(text, values as unknown[])).rows;
  }
}
