// The store contracts for accounts, throttle counters and revocations, written once: every
// implementation (memory, PostgreSQL) runs these suites unchanged, like the SessionStore
// suite in session-store-suite.ts. `make` builds an empty store on the given clock.
import type { AttemptCounter } from '../../src/domain/attempt-counter';
import type { Clock } from '../../src/domain/clock';
import type { RevocationStore } from '../../src/domain/revocation-store';
import type { User, UserStore } from '../../src/domain/user-store';
import { prepareNewUsername } from '../../src/domain/username';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0, 123);

type Make<S> = (clock: Clock) => S | Promise<S>;

/** A user as sign-up builds one: the domain prepares the name, the store only keeps it. */
export function userNamed(
  raw: string,
  createdAtMs = T0,
  passwordHash = `$argon2id$v=19$m=19456,t=2,p=1$fixture$${raw}`,
): User {
  const name = prepareNewUsername(raw);
  return {
    username: name.display,
    usernameKey: name.key,
    skeletons: name.skeletons,
    passwordHash,
    createdAt: new Date(createdAtMs),
    passwordChangedAt: new Date(createdAtMs),
  };
}

export function describeUserStore(name: string, make: Make<UserStore>): void {
  describe(`UserStore contract: ${name}`, () => {
    let store: UserStore;
    beforeEach(async () => {
      store = await make(() => T0);
    });

    it('keeps an account as created, to the millisecond, and finds it by key only', async () => {
      const alice = userNamed('Alice');
      expect(await store.create(alice)).toBe(true);
      expect(await store.findByKey(alice.usernameKey)).toEqual(alice);
      expect(await store.findByKey('Alice')).toBeUndefined();
      expect(await store.findByKey('bob')).toBeUndefined();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('refuses a second account whose name differs only in case (the key is case-folded), keeping the first', async () => {
      const first = userNamed('Alice');
      expect(await store.create(first)).toBe(true);
      for (const variant of ['alice', 'ALICE', 'aLiCe']) {
        expect(await store.create(userNamed(variant, T0, 'other-hash'))).toBe(false);
      }
      expect(await store.findByKey(first.usernameKey)).toEqual(first);
      expect(await store.isNameTaken(userNamed('ALICE').usernameKey, [])).toBe(true);
    });

    it('refuses a look-alike (a shared confusable skeleton), and the refused sign-up leaves nothing behind', async () => {
      expect(await store.create(userNamed('paypal'))).toBe(true);
      const lookAlike = userNamed('paypa1');
      expect(lookAlike.usernameKey).not.toBe('paypal');
      expect(await store.isNameTaken(lookAlike.usernameKey, lookAlike.skeletons)).toBe(true);
      expect(await store.create(lookAlike)).toBe(false);
      expect(await store.findByKey(lookAlike.usernameKey)).toBeUndefined();
      // None of the refused account's key or skeletons were kept.
      const unrelated = userNamed('zebra');
      expect(await store.isNameTaken(lookAlike.usernameKey, unrelated.skeletons)).toBe(false);
      expect(await store.create(unrelated)).toBe(true);
    });

    it('is not taken when neither the key nor any skeleton is', async () => {
      await store.create(userNamed('alice'));
      const bob = userNamed('bob');
      expect(await store.isNameTaken(bob.usernameKey, bob.skeletons)).toBe(false);
      expect(await store.isNameTaken(bob.usernameKey, [])).toBe(false);
    });

    it('when 20 sign-ups of one name in different cases race, then exactly one account is created', async () => {
      const variants = Array.from({ length: 20 }, (_, i) =>
        // The i-th of the 32 case variants of "racer".
        userNamed([...'racer'].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(''), T0, `hash-${i}`),
      );
      const results = await Promise.all(variants.map((u) => store.create(u)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = variants[results.indexOf(true)];
      expect(await store.findByKey('racer')).toEqual(winner);
    });

    it('when look-alike sign-ups race, then exactly one of them is created', async () => {
      const names = ['mike', 'rnike', 'MIKE', 'rnIke', 'Mike', 'RNIKE'];
      const results = await Promise.all(names.map((n) => store.create(userNamed(n))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('a password change replaces the hash and records when; a re-hash keeps passwordChangedAt; createdAt never moves', async () => {
      const alice = userNamed('alice');
      await store.create(alice);
      await store.updatePasswordHash(alice.usernameKey, 'rehashed');
      expect(await store.findByKey(alice.usernameKey)).toEqual({ ...alice, passwordHash: 'rehashed' });
      const changedAt = new Date(T0 + 86_400_000 + 7);
      await store.updatePasswordHash(alice.usernameKey, 'changed', changedAt);
      expect(await store.findByKey(alice.usernameKey)).toEqual({
        ...alice,
        passwordHash: 'changed',
        passwordChangedAt: changedAt,
      });
      await store.updatePasswordHash('nobody', 'x', changedAt);
      expect(await store.findByKey('nobody')).toBeUndefined();
    });

    it('deletes an account: it is not found, and its name is free again, for anyone', async () => {
      const alice = userNamed('Alice');
      await store.create(alice);
      await store.create(userNamed('bob'));
      expect(await store.findByKey(alice.usernameKey)).toEqual(alice);
      expect(await store.delete(alice.usernameKey)).toBe(true);
      expect(await store.findByKey(alice.usernameKey)).toBeUndefined();
      expect(await store.isNameTaken(alice.usernameKey, alice.skeletons)).toBe(false);
      const namesake = userNamed('ALICE', T0 + 60_000, 'namesake-hash');
      expect(await store.create(namesake)).toBe(true);
      expect(await store.findByKey(alice.usernameKey)).toEqual(namesake);
      expect(await store.findByKey('bob')).toBeDefined();
    });

    it('deleting an account frees its skeletons: a look-alike can sign up, and the name itself again', async () => {
      const paypal = userNamed('paypal');
      await store.create(paypal);
      const lookAlike = userNamed('paypa1');
      expect(await store.create(lookAlike)).toBe(false);
      expect(await store.delete(paypal.usernameKey)).toBe(true);
      expect(await store.isNameTaken(lookAlike.usernameKey, lookAlike.skeletons)).toBe(false);
      expect(await store.create(lookAlike)).toBe(true);
      // The look-alike now holds the shared skeletons: the first name is taken again.
      expect(await store.create(userNamed('paypal'))).toBe(false);
      expect(await store.delete(lookAlike.usernameKey)).toBe(true);
      expect(await store.create(userNamed('paypal'))).toBe(true);
    });

    it('deleting an unknown account, or one already deleted, changes nothing and resolves false', async () => {
      const alice = userNamed('alice');
      await store.create(alice);
      expect(await store.delete('nobody')).toBe(false);
      expect(await store.delete(alice.usernameKey)).toBe(true);
      expect(await store.delete(alice.usernameKey)).toBe(false);
      expect(await store.isNameTaken(alice.usernameKey, alice.skeletons)).toBe(false);
    });

    it('with createdAt, deletes only the account created then: never a namesake signed up after it', async () => {
      const first = userNamed('alice', T0);
      await store.create(first);
      expect(await store.delete(first.usernameKey, new Date(T0 + 1))).toBe(false);
      expect(await store.findByKey(first.usernameKey)).toEqual(first);
      expect(await store.delete(first.usernameKey, new Date(T0))).toBe(true);
      const namesake = userNamed('Alice', T0 + 60_000);
      await store.create(namesake);
      // A second request of the first account's owner, late: the namesake stays.
      expect(await store.delete(first.usernameKey, first.createdAt)).toBe(false);
      expect(await store.findByKey(first.usernameKey)).toEqual(namesake);
      expect(await store.isNameTaken(namesake.usernameKey, [])).toBe(true);
    });
  });
}

export function describeAttemptCounter(name: string, make: Make<AttemptCounter>): void {
  describe(`AttemptCounter contract: ${name}`, () => {
    let now: number;
    let counter: AttemptCounter;
    beforeEach(async () => {
      now = T0;
      counter = await make(() => now);
    });

    it('reserves up to max in a window, refuses without counting past it, and starts again after the window', async () => {
      expect(await counter.reserve('k', 2, 1000)).toEqual({ allowed: true, count: 1, resetAt: T0 + 1000 });
      expect(await counter.reserve('k', 2, 1000)).toEqual({ allowed: true, count: 2, resetAt: T0 + 1000 });
      expect(await counter.reserve('k', 2, 1000)).toEqual({ allowed: false, count: 2, resetAt: T0 + 1000 });
      now = T0 + 999;
      expect((await counter.reserve('k', 2, 1000)).allowed).toBe(false);
      now = T0 + 1000;
      expect(await counter.reserve('k', 2, 1000)).toEqual({ allowed: true, count: 1, resetAt: T0 + 2000 });
    });

    it('counts each key on its own', async () => {
      await counter.reserve('a', 1, 1000);
      expect((await counter.reserve('a', 1, 1000)).allowed).toBe(false);
      expect((await counter.reserve('b', 1, 1000)).allowed).toBe(true);
    });

    it('when 50 reservations for one key race, then exactly max are allowed (atomic reserve)', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => counter.reserve('k', 10, 60_000)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect(
        results
          .filter((r) => r.allowed)
          .map((r) => r.count)
          .sort((a, b) => a - b),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('release gives one attempt back, never below zero; reset forgets the key', async () => {
      await counter.reserve('k', 1, 1000);
      expect((await counter.reserve('k', 1, 1000)).allowed).toBe(false);
      await counter.release('k');
      await counter.release('k');
      expect(await counter.reserve('k', 1, 1000)).toMatchObject({ allowed: true, count: 1 });
      await counter.reset('k');
      expect(await counter.reserve('k', 1, 1000)).toMatchObject({ allowed: true, count: 1 });
      await counter.release('unknown');
      await counter.reset('unknown');
    });

    it('when reservations and releases race, then the count stays exact', async () => {
      await Promise.all(Array.from({ length: 10 }, () => counter.reserve('k', 100, 60_000)));
      await Promise.all([
        ...Array.from({ length: 5 }, () => counter.release('k')),
        ...Array.from({ length: 5 }, () => counter.reserve('k', 100, 60_000)),
      ]);
      expect((await counter.reserve('k', 100, 60_000)).count).toBe(11);
    });
  });
}

export function describeRevocationStore(name: string, make: Make<RevocationStore>): void {
  describe(`RevocationStore contract: ${name}`, () => {
    let now: number;
    let store: RevocationStore;
    beforeEach(async () => {
      now = T0;
      store = await make(() => now);
    });

    it('reports a jti revoked until its token would have expired, then not', async () => {
      await store.revoke('a', T0 + 5000);
      expect(await store.isRevoked('a')).toBe(true);
      expect(await store.isRevoked('b')).toBe(false);
      now = T0 + 4999;
      expect(await store.isRevoked('a')).toBe(true);
      now = T0 + 5000;
      expect(await store.isRevoked('a')).toBe(false);
    });

    it('a second revocation of one jti never shortens the first', async () => {
      await store.revoke('a', T0 + 5000);
      await store.revoke('a', T0 + 1000);
      now = T0 + 2000;
      expect(await store.isRevoked('a')).toBe(true);
      await store.revoke('a', T0 + 9000);
      now = T0 + 8000;
      expect(await store.isRevoked('a')).toBe(true);
    });

    it('a jti checked before its revocation is refused right after it (no stale answer)', async () => {
      expect(await store.isRevoked('c')).toBe(false);
      await store.revoke('c', T0 + 5000);
      expect(await store.isRevoked('c')).toBe(true);
    });
  });
}
