import type { Clock } from '../domain/clock';
import type { AttemptCounter, WindowCount } from '../domain/attempt-counter';

interface Entry {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters in a Map. Bounded: past `maxKeys` it drops closed windows, then the
 * oldest ones, so an attacker cycling through addresses cannot grow memory without limit.
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  async peek(key: string): Promise<WindowCount> {
    const now = this.clock();
    const entry = this.entries.get(key);
    if (!entry || entry.resetAt <= now) return { count: 0, resetAt: now };
    return { count: entry.count, resetAt: entry.resetAt };
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.clock();
    let entry = this.entries.get(key);
    if (!entry || entry.resetAt <= now) {
      this.entries.delete(key);
      if (this.entries.size >= this.maxKeys) this.evict(now);
      entry = { count: 0, resetAt: now + windowMs };
      this.entries.set(key, entry);
    }
    entry.count += 1;
    return { count: entry.count, resetAt: entry.resetAt };
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.resetAt <= now) this.entries.delete(key);
    }
    // Map iteration follows insertion order, so the first keys are the oldest windows.
    const excess = this.entries.size - Math.floor(this.maxKeys * 0.9);
    if (excess <= 0) return;
    let removed = 0;
    for (const key of this.entries.keys()) {
      if (removed++ >= excess) break;
      this.entries.delete(key);
    }
  }
}
