import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock';
import { type Database } from './database';
import { errorSummary } from '../../logger';

/** Rows deleted per statement, so that a large backlog never holds locks for long. */
const BATCH = 5_000;

const EXPIRED = {
  sessions: 'expires_at',
  revoked_tokens: 'expires_at',
  attempt_counters: 'reset_at',
} as const;

export type SweepCounts = Record<keyof typeof EXPIRED, number>;

/**
 * Deletes what can no longer matter: sessions past their absolute end (their consumed
 * refresh tokens go with them), revocations of tokens that have expired anyway, and closed
 * throttle windows. Every replica sweeps; deletions are idempotent, so overlapping sweeps
 * only repeat work.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async sweep(): Promise<SweepCounts> {
    const now = new Date(this.clock());
    const counts = { sessions: 0, revoked_tokens: 0, attempt_counters: 0 };
    for (const [table, column] of Object.entries(EXPIRED) as Array<[keyof SweepCounts, string]>) {
      for (;;) {
        const deleted = await this.db.query(
          `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${column} <= $1 LIMIT ${BATCH}))
           RETURNING 1`,
          [now],
        );
        counts[table] += deleted.length;
        if (deleted.length < BATCH) break;
      }
    }
    return counts;
  }

  /** Sweeps every `intervalMs` until stop(); a failed sweep is logged and tried again next time. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then((counts) => this.logger.debug({ counts }, 'expired rows swept'))
        .catch((err: unknown) => this.logger.warn({ err: errorSummary(err) }, 'sweep failed; next one retries'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
