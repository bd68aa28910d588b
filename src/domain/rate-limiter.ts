import type { AttemptCounter } from './attempt-counter';
import type { Clock } from './clock';
import { TooManyAttemptsError } from './errors';

export interface LimitRule {
  readonly max: number;
  readonly windowMs: number;
}

/** A named fixed-window limit over an AttemptCounter; disabled limiters never refuse. */
export class RateLimiter {
  constructor(
    private readonly counter: AttemptCounter,
    private readonly clock: Clock,
    private readonly scope: 'login' | 'signup',
    private readonly enabled: boolean,
  ) {}

  /** Throws TooManyAttemptsError when `key` has used up `rule` in the current window. */
  async assertAllowed(key: string, rule: LimitRule): Promise<void> {
    if (!this.enabled) return;
    const { count, resetAt } = await this.counter.peek(key);
    if (count >= rule.max) throw new TooManyAttemptsError(this.retryAfter(resetAt), this.scope);
  }

  /** Counts one attempt; throws when this attempt goes over the limit. */
  async consume(key: string, rule: LimitRule): Promise<void> {
    if (!this.enabled) return;
    const { count, resetAt } = await this.counter.hit(key, rule.windowMs);
    if (count > rule.max) throw new TooManyAttemptsError(this.retryAfter(resetAt), this.scope);
  }

  async record(key: string, rule: LimitRule): Promise<void> {
    if (!this.enabled) return;
    await this.counter.hit(key, rule.windowMs);
  }

  async reset(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.counter.reset(key);
  }

  private retryAfter(resetAt: number): number {
    return Math.max(1, Math.ceil((resetAt - this.clock()) / 1000));
  }
}
