// Throttling by fixed windows over an AttemptCounter. An attempt is reserved (counted)
// before the work it guards, so concurrent requests cannot slip past a check that only reads
// the count; the caller gives it back or clears it once that work has succeeded.
import { createHash } from 'node:crypto';
import type { AttemptCounter } from './attempt-counter';
import type { Clock } from './clock';
import { TooManyAttemptsError, type ThrottleScope } from './errors';

export interface LimitRule {
  readonly max: number;
  readonly windowMs: number;
}

export interface Limit {
  /** What is counted, e.g. 'login:account+address'; keys of different limits never meet. */
  readonly name: string;
  /** Who is counted: account key, client address... */
  readonly parts: readonly string[];
  readonly rule: LimitRule;
  /** On success the count starts again (true), or only this attempt is given back (false). */
  readonly clearOnSuccess: boolean;
}

/**
 * A fixed-size key for a limit: SHA-256 of its name and parts, 128 bits in base64url. Stored
 * state then costs the same per key whatever a client sends (an NFKC-expanded username can be
 * kilobytes), and holds no username or address in clear.
 */
export function limitKey(name: string, parts: readonly string[]): string {
  return createHash('sha256')
    .update([name, ...parts].join('\0'))
    .digest('base64url')
    .slice(0, 22);
}

/** Attempts reserved under several limits; settle them once the guarded work is done. */
export interface Reservation {
  /** The work succeeded: clear the limits marked clearOnSuccess, give back the others. */
  succeeded(): Promise<void>;
  /** The work never ran (e.g. hashing was busy): give every attempt back. */
  cancelled(): Promise<void>;
}

const NOTHING_RESERVED: Reservation = { succeeded: async () => undefined, cancelled: async () => undefined };

export class RateLimiter {
  constructor(
    private readonly counter: AttemptCounter,
    private readonly clock: Clock,
    private readonly scope: ThrottleScope,
    private readonly enabled: boolean,
  ) {}

  /**
   * Reserves one attempt under every limit, in order. At the first limit already used up it
   * gives back what it took and throws TooManyAttemptsError, so refused requests count
   * nowhere. A disabled limiter never touches the store.
   */
  async reserve(limits: readonly Limit[]): Promise<Reservation> {
    if (!this.enabled) return NOTHING_RESERVED;
    const taken: Array<{ readonly key: string; readonly limit: Limit }> = [];
    const giveBack = async () => {
      for (const { key } of taken) await this.counter.release(key);
    };
    for (const limit of limits) {
      const key = limitKey(limit.name, limit.parts);
      let reservation;
      try {
        reservation = await this.counter.reserve(key, limit.rule.max, limit.rule.windowMs);
      } catch (err) {
        await giveBack();
        throw err;
      }
      if (!reservation.allowed) {
        await giveBack();
        throw new TooManyAttemptsError(this.retryAfter(reservation.resetAt), this.scope);
      }
      taken.push({ key, limit });
    }
    return {
      succeeded: async () => {
        for (const { key, limit } of taken) {
          if (limit.clearOnSuccess) await this.counter.reset(key);
          else await this.counter.release(key);
        }
      },
      cancelled: giveBack,
    };
  }

  private retryAfter(resetAt: number): number {
    return Math.max(1, Math.ceil((resetAt - this.clock()) / 1000));
  }
}
