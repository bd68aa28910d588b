import { MemoryAttemptCounter } from '../../src/data-access/memory-attempt-counter';
import type { AttemptCounter } from '../../src/domain/attempt-counter';
import { ThrottleStateFullError, TooManyAttemptsError } from '../../src/domain/errors';
import { limitKey, RateLimiter, type Limit } from '../../src/domain/rate-limiter';

describe('MemoryAttemptCounter', () => {
  // The behaviour every counter shares is in test/helpers/store-suites.ts; this is what only
  // the in-memory table has: a bound on keys.
  it('size counts keys; reset forgets one', async () => {
    const counter = new MemoryAttemptCounter(() => 0);
    await counter.reserve('k', 1, 1000);
    expect(counter.size).toBe(1);
    await counter.release('unknown');
    expect(counter.size).toBe(1);
    await counter.reset('k');
    expect(counter.size).toBe(0);
  });

  it("when an attacker fills the table, then new keys are refused (fail closed, 503) and the victim's count is not reset", async () => {
    let now = 0;
    const counter = new MemoryAttemptCounter(() => now, 1000);
    for (let i = 0; i < 9; i++) await counter.reserve('victim', 10, 60_000);
    for (let i = 0; i < 999; i++) await counter.reserve(`attacker:${i}`, 10, 60_000);
    await expect(counter.reserve('newcomer', 10, 60_000)).rejects.toEqual(new ThrottleStateFullError(60));
    expect(counter.size).toBe(1000);
    expect(await counter.reserve('victim', 10, 60_000)).toMatchObject({ allowed: true, count: 10 });
    expect(await counter.reserve('victim', 10, 60_000)).toMatchObject({ allowed: false });
    now = 30_000;
    await expect(counter.reserve('newcomer', 10, 60_000)).rejects.toMatchObject({ retryAfterSeconds: 30 });
  });

  it('when windows have closed, then a full table sweeps them and takes new keys again', async () => {
    let now = 0;
    const counter = new MemoryAttemptCounter(() => now, 1000);
    for (let i = 0; i < 1000; i++) await counter.reserve(`old:${i}`, 10, 1000);
    now = 1000;
    expect(await counter.reserve('fresh', 10, 1000)).toMatchObject({ allowed: true, count: 1 });
    expect(counter.size).toBe(1);
  });

  it('sweeps expired windows as time passes, without waiting for the table to fill', async () => {
    let now = 0;
    const counter = new MemoryAttemptCounter(() => now, 100_000);
    for (let i = 0; i < 100; i++) await counter.reserve(`short:${i}`, 10, 500);
    now = 2000;
    await counter.reserve('later', 10, 500);
    expect(counter.size).toBe(1);
  });
});

describe('limitKey', () => {
  it('is a fixed-size digest, whatever the length of what it counts, and differs by limit name', () => {
    const long = limitKey('login:account', ['x'.repeat(100_000)]);
    expect(long).toMatch(/^[\w-]{22}$/);
    expect(limitKey('login:account', ['licat'])).not.toBe(limitKey('login:address', ['licat']));
    expect(limitKey('login:account+address', ['a', 'b'])).not.toBe(limitKey('login:account+address', ['ab', '']));
  });
});

describe('RateLimiter', () => {
  const rule = { max: 2, windowMs: 10_500 };
  const limit = (name: string, clearOnSuccess = false): Limit => ({ name, parts: ['p'], rule, clearOnSuccess });

  it('refuses once a limit is used up, with Retry-After rounded up to whole seconds and the scope named', async () => {
    let now = 0;
    const limiter = new RateLimiter(new MemoryAttemptCounter(() => now), () => now, 'login', true);
    await limiter.reserve([limit('a')]);
    await limiter.reserve([limit('a')]);
    now = 100;
    await expect(limiter.reserve([limit('a')])).rejects.toEqual(new TooManyAttemptsError(11, 'login'));
  });

  it('when a later limit refuses, then the attempts already taken under earlier limits are given back', async () => {
    const counter = new MemoryAttemptCounter(() => 0);
    const limiter = new RateLimiter(counter, () => 0, 'login', true);
    const tight = { name: 'tight', parts: ['p'], rule: { max: 1, windowMs: 1000 }, clearOnSuccess: false };
    await limiter.reserve([tight]);
    await expect(limiter.reserve([limit('loose'), tight])).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(limiter.reserve([limit('loose'), tight])).rejects.toBeInstanceOf(TooManyAttemptsError);
    // Neither refused request counted under "loose".
    expect(await counter.reserve(limitKey('loose', ['p']), 1, 1000)).toMatchObject({ allowed: true, count: 1 });
  });

  it('on success, clears the limits marked clearOnSuccess and gives back one attempt to the others', async () => {
    const counter = new MemoryAttemptCounter(() => 0);
    const limiter = new RateLimiter(counter, () => 0, 'login', true);
    await limiter.reserve([limit('cleared', true), limit('kept')]);
    const reservation = await limiter.reserve([limit('cleared', true), limit('kept')]);
    await reservation.succeeded();
    expect(await counter.reserve(limitKey('cleared', ['p']), 9, 1000)).toMatchObject({ count: 1 });
    expect(await counter.reserve(limitKey('kept', ['p']), 9, 1000)).toMatchObject({ count: 2 });
  });

  it('when cancelled (the guarded work never ran), then every attempt is given back', async () => {
    const counter = new MemoryAttemptCounter(() => 0);
    const limiter = new RateLimiter(counter, () => 0, 'signup', true);
    await (await limiter.reserve([limit('a'), limit('b')])).cancelled();
    expect(await counter.reserve(limitKey('a', ['p']), 9, 1000)).toMatchObject({ count: 1 });
    expect(await counter.reserve(limitKey('b', ['p']), 9, 1000)).toMatchObject({ count: 1 });
  });

  it('when the store fails mid-way, then what was taken is given back and the error passes on', async () => {
    const counter = new MemoryAttemptCounter(() => 0);
    const released: string[] = [];
    const flaky: AttemptCounter = {
      reserve: (key, max, windowMs) =>
        key === limitKey('broken', ['p']) ? Promise.reject(new Error('down')) : counter.reserve(key, max, windowMs),
      release: async (key) => void released.push(key),
      reset: (key) => counter.reset(key),
    };
    const limiter = new RateLimiter(flaky, () => 0, 'login', true);
    await expect(limiter.reserve([limit('a'), limit('broken')])).rejects.toThrow('down');
    expect(released).toEqual([limitKey('a', ['p'])]);
  });

  it('when disabled (RATE_LIMIT_ENABLED=false), then it never refuses and never touches the counter store', async () => {
    const untouchable: AttemptCounter = {
      reserve: () => Promise.reject(new Error('reserve called')),
      release: () => Promise.reject(new Error('release called')),
      reset: () => Promise.reject(new Error('reset called')),
    };
    const limiter = new RateLimiter(untouchable, () => 0, 'login', false);
    for (let i = 0; i < 5; i++) {
      const reservation = await limiter.reserve([{ ...limit('a', true), rule: { max: 1, windowMs: 1000 } }]);
      await reservation.succeeded();
      await reservation.cancelled();
    }
  });
});
