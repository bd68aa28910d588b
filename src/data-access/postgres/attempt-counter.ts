import type { AttemptCounter, Reservation } from '../../domain/attempt-counter';
import type { Clock } from '../../domain/clock';
import type { Database } from './database';

interface CounterRow {
  count: number;
  reset_at: Date;
}

/**
 * Fixed-window counters in PostgreSQL, shared by every replica. reserve() is one statement:
 * the upsert takes the row's lock, so concurrent reservations for one key, from any
 * replica, are counted one after the other and at most `max` are allowed in a window.
 *
 * Unlike the in-memory counter there is no key cap: rows cost disk, not the process's
 * memory, and closed windows are swept (see sweeper.ts).
 */
export class PostgresAttemptCounter implements AttemptCounter {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async reserve(key: string, max: number, windowMs: number): Promise<Reservation> {
    const now = this.clock();
    const [counted] = await this.db.query<CounterRow>(
      `INSERT INTO attempt_counters AS c (key, count, reset_at) VALUES ($1, 1, $3)
       ON CONFLICT (key) DO UPDATE
         SET count = CASE WHEN c.reset_at <= $2 THEN 1 ELSE c.count + 1 END,
             reset_at = CASE WHEN c.reset_at <= $2 THEN $3 ELSE c.reset_at END
         WHERE c.reset_at <= $2 OR c.count < $4
       RETURNING count, reset_at`,
      [key, new Date(now), new Date(now + windowMs), max],
    );
    if (counted !== undefined) return { allowed: true, count: counted.count, resetAt: counted.reset_at.getTime() };
    const [full] = await this.db.query<CounterRow>('SELECT count, reset_at FROM attempt_counters WHERE key = $1', [
      key,
    ]);
    // Swept between the two statements: its window had closed, but this attempt was refused.
    return { allowed: false, count: full?.count ?? max, resetAt: full?.reset_at.getTime() ?? now };
  }

  async release(key: string): Promise<void> {
    await this.db.query('UPDATE attempt_counters SET count = count - 1 WHERE key = $1 AND count > 0', [key]);
  }

  async reset(key: string): Promise<void> {
    await this.db.query('DELETE FROM attempt_counters WHERE key = $1', [key]);
  }
}
