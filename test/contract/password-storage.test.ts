// How passwords are stored and checked: argon2id, re-hashing, and the dummy verification.
import { HashingBusyError } from '../../src/domain/errors';
import { Argon2idHasher, type PasswordHasher } from '../../src/domain/password-hasher';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { PASSWORD, signup, login } from '../helpers/accounts';
import { buildTestApp, sharedHashPool } from '../helpers/test-app';

describe('password storage (OWASP Password Storage Cheat Sheet)', () => {
  it('when a user signs up, then only an argon2id PHC string with m=19456,t=2,p=1 is stored, never the password', async () => {
    const users = new MemoryUserStore();
    const t = await buildTestApp({}, { users });
    await signup(t.app, 'hashme').expect(200);
    const stored = await users.findByKey('hashme');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored?.passwordHash).not.toContain(PASSWORD);
  });

  it('when the argon2 parameters were raised since sign-up, then a successful login re-hashes with the new ones', async () => {
    const users = new MemoryUserStore();
    const before = await buildTestApp({}, { users });
    await signup(before.app, 'oldhash').expect(200);

    const after = await buildTestApp({ ARGON2_TIME_COST: '3' }, { users });
    await login(after.app, 'oldhash').expect(200);
    expect((await users.findByKey('oldhash'))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    await login(after.app, 'oldhash').expect(200);
  });

  it('when the user is unknown, then a dummy argon2 verification still runs, so timing does not reveal which usernames exist', async () => {
    const real = await Argon2idHasher.create(sharedHashPool(), { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const calls: string[] = [];
    const spy: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: (h, p) => (calls.push('verify'), real.verify(h, p)),
      needsRehash: (h) => real.needsRehash(h),
      verifyDummy: (p) => (calls.push('dummy'), real.verifyDummy(p)),
    };
    const t = await buildTestApp({}, { hasher: spy });
    await signup(t.app, 'exists').expect(200);

    await login(t.app, 'does-not-exist').expect(401);
    expect(calls).toEqual(['dummy']);
    await login(t.app, 'exists', 'wrong password!').expect(401);
    expect(calls).toEqual(['dummy', 'verify']);
  });

  it('when the upgrade of a stored hash finds hashing at capacity, then the login still succeeds and the next login upgrades it', async () => {
    const users = new MemoryUserStore();
    const before = await buildTestApp({}, { users });
    await signup(before.app, 'patient').expect(200);
    const stronger = await Argon2idHasher.create(sharedHashPool(), { memoryCost: 19456, timeCost: 3, parallelism: 1 });
    let busy = true;
    const hasher: PasswordHasher = {
      hash: (p) => (busy ? Promise.reject(new HashingBusyError(1)) : stronger.hash(p)),
      verify: (h, p) => stronger.verify(h, p),
      needsRehash: (h) => stronger.needsRehash(h),
      verifyDummy: (p) => stronger.verifyDummy(p),
    };
    const after = await buildTestApp({ ARGON2_TIME_COST: '3' }, { users, hasher });
    await login(after.app, 'patient').expect(200);
    expect((await users.findByKey('patient'))?.passwordHash).toMatch(/m=19456,t=2,p=1/);
    busy = false;
    await login(after.app, 'patient').expect(200);
    expect((await users.findByKey('patient'))?.passwordHash).toMatch(/m=19456,t=3,p=1/);
  });
});
