// The store bundle the composition root wires: one implementation of every store port,
// chosen by STORE, with what the process needs to check and release them.
import type { Logger } from 'pino';
import type { StoreConfig } from '../config';
import type { AttemptCounter } from '../domain/attempt-counter';
import type { Clock } from '../domain/clock';
import type { RevocationStore } from '../domain/revocation-store';
import type { SessionStore } from '../domain/session-store';
import type { UserStore } from '../domain/user-store';
import { MemoryAttemptCounter } from './memory-attempt-counter';
import { MemoryRevocationStore } from './memory-revocation-store';
import { MemorySessionStore } from './memory-session-store';
import { MemoryUserStore } from './memory-user-store';
import type * as PostgresStores from './postgres/open';

export interface Stores {
  readonly kind: StoreConfig['kind'];
  readonly users: UserStore;
  readonly attempts: AttemptCounter;
  readonly revocations: RevocationStore;
  readonly sessions: SessionStore;
  /** Resolves when the stores can answer now; rejects otherwise (the readiness probe). */
  ping(): Promise<void>;
  /** Releases connections and timers; after the server has drained. */
  close(): Promise<void>;
}

export function memoryStores(clock: Clock, maxThrottleKeys: number): Stores {
  const users = new MemoryUserStore();
  return {
    kind: 'memory',
    users,
    attempts: new MemoryAttemptCounter(clock, maxThrottleKeys),
    revocations: new MemoryRevocationStore(clock),
    sessions: new MemorySessionStore(clock),
    ping: () => users.ping(),
    close: () => Promise.resolve(),
  };
}

/** The stores STORE names; for PostgreSQL this connects (with retries) and migrates first. */
export function openStores(
  config: StoreConfig,
  clock: Clock,
  maxThrottleKeys: number,
  logger: Logger,
): Promise<Stores> {
  if (config.kind !== 'postgres') return Promise.resolve(memoryStores(clock, maxThrottleKeys));
  // Required only here: with STORE=memory the process never loads pg or node-pg-migrate.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openPostgresStores } = require('./postgres/open') as typeof PostgresStores;
  return openPostgresStores(config, clock, logger);
}
