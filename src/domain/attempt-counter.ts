// Fixed-window attempt counters behind an interface, so throttling state can move to a
// shared store (PostgreSQL) when the service runs as several replicas. Every implementation
// must make reserve() atomic: of any number of concurrent calls for one key, at most `max`
// are allowed in a window.

export interface Reservation {
  /** True when the attempt was counted; false when the key had used up its window. */
  readonly allowed: boolean;
  /** Attempts counted in the current window, this one included when allowed. */
  readonly count: number;
  /** Epoch milliseconds at which the window closes and the count drops to zero. */
  readonly resetAt: number;
}

export interface AttemptCounter {
  /**
   * Counts one attempt for `key` when fewer than `max` were counted in its window (opening a
   * window of `windowMs` when none is open); otherwise counts nothing and refuses.
   * Rejects with ThrottleStateFullError when a new key cannot be stored.
   */
  reserve(key: string, max: number, windowMs: number): Promise<Reservation>;
  /** Gives back one counted attempt (never below zero). */
  release(key: string): Promise<void>;
  /** Forgets `key`: its count starts again from zero. */
  reset(key: string): Promise<void>;
}
