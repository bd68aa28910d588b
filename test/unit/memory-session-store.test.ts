import { MemorySessionStore } from '../../src/data-access/memory-session-store';
import { describeSessionStore } from '../helpers/session-store-suite';

describeSessionStore('memory', (clock) => new MemorySessionStore(clock));

describe('MemorySessionStore memory', () => {
  it('sweeps sessions past their absolute end on the next create, and forgets every hash of an ended session', async () => {
    let now = 0;
    const store = new MemorySessionStore(() => now, 1000);
    const session = (id: string, expiresAtMs: number) => ({
      id,
      usernameKey: 'alice',
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: new Date(expiresAtMs),
      clientAddress: '192.0.2.1',
      userAgent: undefined,
    });
    const seen = { clientAddress: '192.0.2.1', userAgent: undefined };
    const live = () => ({ now: new Date(now), usedSince: undefined });
    await store.create(session('short', 5000), 'h1', 10);
    await store.rotate('h1', 'h2', seen, live());
    await store.create(session('long', 50_000), 'l1', 10);
    expect(store.size).toBe(2);
    now = 5000;
    await store.create(session('new', 60_000), 'n1', 10);
    expect(store.size).toBe(2);
    expect(await store.findByRefreshToken('h1', live())).toBeUndefined();
    expect(await store.endAll('alice')).toHaveLength(2);
    expect(store.size).toBe(0);
  });
});
