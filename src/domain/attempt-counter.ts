// Fixed-window counters behind an interface, so throttling state can move to a shared store
// (Redis, PostgreSQL) when the service runs as several replicas.

export interface WindowCount {
  readonly count: number;
  /** Epoch milliseconds at which the window closes and the count drops to zero. */
  readonly resetAt: number;
}

export interface AttemptCounter {
  /** Current count for `key`, or zero with resetAt = now when there is none. */
  peek(key: string): Promise<WindowCount>;
  /** Adds one to `key`; opens a new window of `windowMs` when none is open. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  reset(key: string): Promise<void>;
}
