// The SessionStore contract, written once: every implementation (memory today, PostgreSQL
// next) runs this suite unchanged. `make` builds an empty store on the given clock.
import type { Clock } from '../../src/domain/clock';
import type { Liveness, Session, SessionStore } from '../../src/domain/session-store';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY = 86_400_000;

export function describeSessionStore(name: string, make: (clock: Clock) => SessionStore | Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let now: number;
    let store: SessionStore;
    let serial = 0;
    beforeEach(async () => {
      now = T0;
      store = await make(() => now);
    });

    const at = (usedSince?: number): Liveness => ({
      now: new Date(now),
      usedSince: usedSince === undefined ? undefined : new Date(usedSince),
    });
    const seen = { clientAddress: '192.0.2.7', userAgent: 'suite/1.0' };
    const session = (owner: string, overrides: Partial<Session> = {}): Session => {
      serial += 1;
      return {
        id: `s${String(serial).padStart(21, '0')}`,
        usernameKey: owner,
        createdAt: new Date(now),
        lastUsedAt: new Date(now),
        expiresAt: new Date(now + 14 * DAY),
        clientAddress: '192.0.2.1',
        userAgent: 'suite/0.1',
        ...overrides,
      };
    };
    const started = async (owner: string, hash: string, overrides: Partial<Session> = {}) => {
      const s = session(owner, overrides);
      expect(await store.create(s, hash, 50)).toEqual([]);
      return s;
    };

    it('a new session is active, listed with its details, and found by its refresh token', async () => {
      const s = await started('alice', 'h1');
      expect(await store.isActive(s.id, new Date(now))).toBe(true);
      expect(await store.listActive('alice', at())).toEqual([s]);
      expect(await store.findByRefreshToken('h1', at())).toEqual(s);
      expect(await store.listActive('bob', at())).toEqual([]);
      expect(await store.isActive('s-unknown', new Date(now))).toBe(false);
    });

    it('rotation consumes the current token: the next one becomes current, and the session records the client and time', async () => {
      const s = await started('alice', 'h1');
      now += 60_000;
      const rotated = await store.rotate('h1', 'h2', seen, at());
      expect(rotated).toEqual({
        outcome: 'rotated',
        session: { ...s, lastUsedAt: new Date(now), clientAddress: '192.0.2.7', userAgent: 'suite/1.0' },
      });
      expect((await store.rotate('h2', 'h3', seen, at())).outcome).toBe('rotated');
      expect(await store.isActive(s.id, new Date(now))).toBe(true);
    });

    it('presenting a consumed token ends the session (RFC 9700 §4.14.2): its current token and its access tokens stop', async () => {
      const s = await started('alice', 'h1');
      await store.rotate('h1', 'h2', seen, at());
      const reuse = await store.rotate('h1', 'hx', seen, at());
      expect(reuse.outcome).toBe('reused');
      expect(reuse.outcome === 'reused' && reuse.session.id).toBe(s.id);
      expect(await store.isActive(s.id, new Date(now))).toBe(false);
      expect((await store.rotate('h2', 'h3', seen, at())).outcome).toBe('unknown');
      expect((await store.rotate('hx', 'h4', seen, at())).outcome).toBe('unknown');
      expect(await store.listActive('alice', at())).toEqual([]);
    });

    it('an unknown token is unknown and changes nothing', async () => {
      const s = await started('alice', 'h1');
      expect(await store.rotate('nope', 'h2', seen, at())).toEqual({ outcome: 'unknown' });
      expect((await store.rotate('h1', 'h2', seen, at())).outcome).toBe('rotated');
      expect(await store.isActive(s.id, new Date(now))).toBe(true);
    });

    it.each([1, 2, 3, 4, 5])(
      'round %i: 20 concurrent rotations of one token give exactly one success, and the losers end the session',
      async () => {
        const s = await started('alice', 'h1');
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.rotate('h1', `next-${i}`, seen, at())),
        );
        expect(outcomes.filter((o) => o.outcome === 'rotated')).toHaveLength(1);
        expect(outcomes.filter((o) => o.outcome === 'reused').length).toBeGreaterThanOrEqual(1);
        expect(await store.isActive(s.id, new Date(now))).toBe(false);
      },
    );

    it('past its absolute end a session is neither active, nor listed, nor rotated', async () => {
      const s = await started('alice', 'h1', { expiresAt: new Date(now + DAY) });
      now += DAY - 1;
      expect(await store.isActive(s.id, new Date(now))).toBe(true);
      now += 1;
      expect(await store.isActive(s.id, new Date(now))).toBe(false);
      expect(await store.listActive('alice', at())).toEqual([]);
      expect(await store.rotate('h1', 'h2', seen, at())).toEqual({ outcome: 'unknown' });
      expect(await store.findByRefreshToken('h1', at())).toBeUndefined();
    });

    it('with an idle timeout, a session last used at or before `usedSince` is not rotated or listed', async () => {
      const s = await started('alice', 'h1');
      now += 10 * 60_000;
      expect((await store.rotate('h1', 'h2', seen, at(now - 11 * 60_000))).outcome).toBe('rotated');
      now += 30 * 60_000;
      expect(await store.listActive('alice', at(now - 30 * 60_000))).toEqual([]);
      expect(await store.rotate('h2', 'h3', seen, at(now - 30 * 60_000))).toEqual({ outcome: 'unknown' });
      expect(await store.listActive('alice', at())).toEqual([]);
      expect(s.id).toBeDefined();
    });

    it('end() ends one session of its owner only; another owner gets false and changes nothing', async () => {
      const a1 = await started('alice', 'a1');
      const a2 = await started('alice', 'a2');
      expect(await store.end('mallory', a1.id)).toBe(false);
      expect(await store.isActive(a1.id, new Date(now))).toBe(true);
      expect(await store.end('alice', a1.id)).toBe(true);
      expect(await store.end('alice', a1.id)).toBe(false);
      expect(await store.isActive(a1.id, new Date(now))).toBe(false);
      expect((await store.rotate('a1', 'x', seen, at())).outcome).toBe('unknown');
      expect(await store.isActive(a2.id, new Date(now))).toBe(true);
    });

    it('endAll() ends every session of the owner but the one kept, and no one else’s', async () => {
      const a1 = await started('alice', 'a1');
      const a2 = await started('alice', 'a2');
      const a3 = await started('alice', 'a3');
      const b1 = await started('bob', 'b1');
      expect([...(await store.endAll('alice', a2.id))].sort()).toEqual([a1.id, a3.id].sort());
      expect(await store.listActive('alice', at())).toEqual([a2]);
      expect(await store.isActive(b1.id, new Date(now))).toBe(true);
      expect(await store.endAll('alice')).toEqual([a2.id]);
      expect(await store.endAll('alice')).toEqual([]);
    });

    it('beyond the per-user cap, create() ends the least recently used sessions and says which', async () => {
      const old = await started('alice', 'o1');
      now += 1000;
      const mid = await started('alice', 'm1');
      now += 1000;
      await store.rotate('o1', 'o2', seen, at()); // old is now the most recently used
      now += 1000;
      const fresh = session('alice');
      expect(await store.create(fresh, 'f1', 2)).toEqual([mid.id]);
      expect((await store.listActive('alice', at())).map((s) => s.id)).toEqual([fresh.id, old.id]);
      expect((await store.rotate('m1', 'x', seen, at())).outcome).toBe('unknown');
    });

    it('lists the most recently used first', async () => {
      const first = await started('alice', 'f1');
      now += 1000;
      const second = await started('alice', 's1');
      now += 1000;
      await store.rotate('f1', 'f2', seen, at());
      expect((await store.listActive('alice', at())).map((s) => s.id)).toEqual([first.id, second.id]);
    });

    it('a consumed token still names its session for revocation (RFC 7009)', async () => {
      const s = await started('alice', 'h1');
      await store.rotate('h1', 'h2', seen, at());
      expect((await store.findByRefreshToken('h1', at()))?.id).toBe(s.id);
      expect((await store.findByRefreshToken('h2', at()))?.id).toBe(s.id);
    });
  });
}
