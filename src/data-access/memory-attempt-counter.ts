import type { AttemptCounter, Reservation } from '../domain/attempt-counter';
import type { Clock } from '../domain/clock';
import { ThrottleStateFullError } from '../domain/errors';

interface Entry {
  count: number;
  resetAt: number;
}

/** Expired windows are swept at most this often (and whenever the table is full). */
const SWEEP_EVERY_MS = 1000;

/**
 * Fixed-window counters in a Map, one process's state. reserve() checks and counts in one
 * synchronous step, so concurrent requests cannot all pass a check before any is counted.
 *
 * Bounded: at most `maxKeys` entries (callers pass fixed-size digests as keys). Expired
 * windows are swept; when the table is still full, a new key is refused with
 * ThrottleStateFullError (the caller answers 503) instead of evicting a live counter,
 * which would hand an attacker a way to reset a victim's count.
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly entries = new Map<string, Entry>();
  /** The earliest resetAt among the entries, as of the last sweep (Infinity when none). */
  private nextExpiry = Number.POSITIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  async reserve(key: string, max: number, windowMs: number): Promise<Reservation> {
    const now = this.clock();
    let entry = this.entries.get(key);
    if (entry && entry.resetAt <= now) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      this.makeRoom(now);
      entry = { count: 0, resetAt: now + windowMs };
      this.entries.set(key, entry);
      if (entry.resetAt < this.nextExpiry) this.nextExpiry = entry.resetAt;
    }
    if (entry.count >= max) return { allowed: false, count: entry.count, resetAt: entry.resetAt };
    entry.count += 1;
    return { allowed: true, count: entry.count, resetAt: entry.resetAt };
  }

  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private makeRoom(now: number): void {
    // Sweep only when some window may have closed: a full table under attack then costs
    // nothing per refused key until the earliest window actually ends.
    const full = this.entries.size >= this.maxKeys;
    if (now >= this.nextExpiry && (full || now - this.lastSweep >= SWEEP_EVERY_MS)) this.sweep(now);
    if (this.entries.size >= this.maxKeys) {
      throw new ThrottleStateFullError(Math.max(1, Math.ceil((this.nextExpiry - now) / 1000)));
    }
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.entries) {
      if (entry.resetAt <= now) this.entries.delete(key);
      else if (entry.resetAt < next) next = entry.resetAt;
    }
    this.nextExpiry = next;
  }
}
