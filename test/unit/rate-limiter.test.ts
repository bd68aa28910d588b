import { MemoryAttemptCounter } from '../../src/data-access/memory-attempt-counter';
import type { AttemptCounter } from '../../src/domain/attempt-counter';
import { TooManyAttemptsError } from '../../src/domain/errors';
import { RateLimiter } from '../../src/domain/rate-limiter';

describe('MemoryAttemptCounter', () => {
  it('counts within a window and starts again after it', async () => {
    let now = 0;
    const counter = new MemoryAttemptCounter(() => now);
    await counter.hit('k', 1000);
    await counter.hit('k', 1000);
    expect(await counter.peek('k')).toEqual({ count: 2, resetAt: 1000 });
    now = 1000;
    expect((await counter.peek('k')).count).toBe(0);
    expect(await counter.hit('k', 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it('stays bounded when keys keep coming (an attacker rotating addresses)', async () => {
    const counter = new MemoryAttemptCounter(() => 0, 1000);
    for (let i = 0; i < 5000; i++) await counter.hit(`ip:${i}`, 60_000);
    expect(counter.size).toBeLessThanOrEqual(1000);
    // The newest keys are the ones kept.
    expect((await counter.peek('ip:4999')).count).toBe(1);
    expect((await counter.peek('ip:0')).count).toBe(0);
  });
});

describe('RateLimiter', () => {
  it('refuses once the limit is used, with Retry-After rounded up to whole seconds', async () => {
    let now = 0;
    const limiter = new RateLimiter(new MemoryAttemptCounter(() => now), () => now, 'login', true);
    const rule = { max: 2, windowMs: 10_500 };
    await limiter.record('k', rule);
    await limiter.record('k', rule);
    now = 100;
    await expect(limiter.assertAllowed('k', rule)).rejects.toEqual(expect.objectContaining({ retryAfterSeconds: 11 }));
    await expect(limiter.assertAllowed('k', rule)).rejects.toBeInstanceOf(TooManyAttemptsError);
  });

  it('when disabled, never refuses', async () => {
    const limiter = new RateLimiter(new MemoryAttemptCounter(() => 0), () => 0, 'signup', false);
    for (let i = 0; i < 10; i++) await limiter.consume('k', { max: 1, windowMs: 1000 });
  });

  it('when disabled (RATE_LIMIT_ENABLED=false), then no method touches the counter store at all', async () => {
    const untouchable: AttemptCounter = {
      peek: () => Promise.reject(new Error('peek called')),
      hit: () => Promise.reject(new Error('hit called')),
      reset: () => Promise.reject(new Error('reset called')),
    };
    const limiter = new RateLimiter(untouchable, () => 0, 'login', false);
    const rule = { max: 1, windowMs: 1000 };
    await expect(limiter.assertAllowed('k', rule)).resolves.toBeUndefined();
    await expect(limiter.consume('k', rule)).resolves.toBeUndefined();
    await expect(limiter.record('k', rule)).resolves.toBeUndefined();
    await expect(limiter.reset('k')).resolves.toBeUndefined();
  });

  it('consume counts the attempt and refuses only the one that goes over the limit, naming its scope', async () => {
    const limiter = new RateLimiter(new MemoryAttemptCounter(() => 0), () => 0, 'signup', true);
    const rule = { max: 2, windowMs: 5000 };
    await limiter.consume('k', rule);
    await limiter.consume('k', rule);
    await expect(limiter.consume('k', rule)).rejects.toEqual(
      expect.objectContaining({ scope: 'signup', retryAfterSeconds: 5 }),
    );
  });

  it('assertAllowed passes below the limit and reset starts the count again', async () => {
    const limiter = new RateLimiter(new MemoryAttemptCounter(() => 0), () => 0, 'login', true);
    const rule = { max: 2, windowMs: 5000 };
    await limiter.record('k', rule);
    await expect(limiter.assertAllowed('k', rule)).resolves.toBeUndefined();
    await limiter.record('k', rule);
    await expect(limiter.assertAllowed('k', rule)).rejects.toBeInstanceOf(TooManyAttemptsError);
    await limiter.reset('k');
    await expect(limiter.assertAllowed('k', rule)).resolves.toBeUndefined();
  });
});
