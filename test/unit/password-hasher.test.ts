import { Argon2idHasher, OWASP_ARGON2ID_MINIMUM } from '../../src/domain/password-hasher';
import { sharedHashPool } from '../helpers/test-app';

describe('Argon2idHasher (OWASP Password Storage Cheat Sheet)', () => {
  let hasher: Argon2idHasher;
  beforeAll(async () => {
    hasher = await Argon2idHasher.create(sharedHashPool(), OWASP_ARGON2ID_MINIMUM);
  });

  it('produces an argon2id PHC string with m=19456, t=2, p=1 and a random salt', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const phc = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify(phc, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(phc, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('treats a corrupt stored hash as a wrong password, not an exception', async () => {
    await expect(hasher.verify('$argon2id$v=19$m=19456,t=2,p=1$broken', 'x')).resolves.toBe(false);
    await expect(hasher.verify('plaintext', 'plaintext')).resolves.toBe(false);
  });

  it('asks for a re-hash when the stored parameters differ from the current ones', async () => {
    const stronger = await Argon2idHasher.create(sharedHashPool(), { memoryCost: 19456, timeCost: 3, parallelism: 1 });
    const phc = await hasher.hash('pw pw pw pw');
    expect(hasher.needsRehash(phc)).toBe(false);
    expect(stronger.needsRehash(phc)).toBe(true);
    expect(stronger.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    // Each parameter on its own.
    const salt = 'c29tZXNhbHRzb21lc2FsdA';
    const digest = 'ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk';
    expect(hasher.needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$${salt}$${digest}`)).toBe(false);
    expect(hasher.needsRehash(`$argon2id$v=19$m=65536,t=2,p=1$${salt}$${digest}`)).toBe(true);
    expect(hasher.needsRehash(`$argon2id$v=19$m=19456,t=3,p=1$${salt}$${digest}`)).toBe(true);
    expect(hasher.needsRehash(`$argon2id$v=19$m=19456,t=2,p=2$${salt}$${digest}`)).toBe(true);
    expect(hasher.needsRehash(`$argon2i$v=19$m=19456,t=2,p=1$${salt}$${digest}`)).toBe(true);
  });

  it('never blocks the event loop: other callbacks run while a hash is computed', async () => {
    let ticks = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      ticks += 1;
      setImmediate(spin);
    };
    setImmediate(spin);
    await hasher.hash('a password that takes a while');
    done = true;
    // A synchronous hash finishes inside hash(), before the first setImmediate can run: 0 ticks.
    // Asking for more than one tick would be a timing assertion: if the main thread is paused
    // (a GC, a busy machine) while the worker hashes, the answer is there after one loop turn.
    // CI saw exactly that once.
    expect(ticks).toBeGreaterThan(0);
  });

  it('verifies unknown users against a real argon2id hash in the same pool, so they take as long (OWASP Authentication)', async () => {
    const pool = sharedHashPool();
    const verified: string[] = [];
    const counting = Object.create(pool) as typeof pool;
    counting.verify = (phc: string, password: string) => (verified.push(phc), pool.verify(phc, password));
    const dummyUser = await Argon2idHasher.create(counting, OWASP_ARGON2ID_MINIMUM);
    await dummyUser.verifyDummy('whatever was typed');
    expect(verified).toEqual([expect.stringMatching(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)]);
  });
});
