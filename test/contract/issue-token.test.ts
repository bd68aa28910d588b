// POST /token (OAuth2 password grant): every declared status, the token it issues, and
// login throttling.
import request from 'supertest';
import { PASSWORD, signup, login } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { MemoryAttemptCounter } from '../../src/data-access/memory-attempt-counter';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import type { AuthEvent } from '../../src/domain/auth-events';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import { Argon2idHasher, OWASP_ARGON2ID_MINIMUM, type PasswordHasher } from '../../src/domain/password-hasher';
import { buildTestApp, nowSeconds, sharedHashPool, TEST_ISSUER, type TestApp } from '../helpers/test-app';
import { decodePart, TEST_KID } from '../helpers/tokens';

const coverage = useContractCoverage('issue-token');

describe('POST /token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await signup(t.app, 'licat').expect(200);
  });

  it('when the form is url-encoded, then 200 with no-store caching headers (RFC 6749 §5.1)', async () => {
    const res = coverage.check(await login(t.app, 'licat'), 'issueToken');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
  });

  it('when the form is multipart, then 200', async () => {
    const res = coverage.check(
      await request(t.app).post('/token').field('username', 'licat').field('password', PASSWORD),
      'issueToken',
    );
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
  });

  it('when grant_type=password and a scope are sent (Swagger UI, OAuth2 clients), then 200', async () => {
    const res = coverage.check(
      await request(t.app)
        .post('/token')
        .type('form')
        .send({ grant_type: 'password', username: 'licat', password: PASSWORD, scope: '' }),
      'issueToken',
    );
    expect(res.status).toBe(200);
  });

  it('when the username differs in case or width, then it logs into the same account and sub is the registered name', async () => {
    const res = coverage.check(await login(t.app, 'ＬＩＣＡＴ'), 'issueToken');
    expect(res.status).toBe(200);
    expect(decodePart(res.body.access_token, 1).sub).toBe('licat');
  });

  it('then the token is an RFC 9068 access token: typ at+jwt, HS256, the key’s kid, sub/iat/nbf/exp/jti/iss/aud (RFC 8725 §3.11)', async () => {
    const res = await login(t.app, 'licat').expect(200);
    const header = decodePart(res.body.access_token, 0);
    const claims = decodePart(res.body.access_token, 1);
    const now = nowSeconds(t);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: TEST_KID });
    expect(claims).toEqual({
      sub: 'licat',
      sid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      iat: now,
      nbf: now,
      exp: now + 1800,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: TEST_ISSUER,
      aud: 'jwt-auth-service',
    });
    const again = await login(t.app, 'licat').expect(200);
    expect(decodePart(again.body.access_token, 1).jti).not.toBe(claims.jti);
  });

  it('when the password is wrong, then 401 "Incorrect username or password" with error=invalid_grant (RFC 6749 §5.2)', async () => {
    const res = coverage.check(await login(t.app, 'licat', 'wrong password!'), 'issueToken');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      detail: 'Incorrect username or password',
      error: 'invalid_grant',
      error_description: 'Incorrect username or password',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when the user does not exist, then the same 401 body as a wrong password (OWASP Authentication: generic error)', async () => {
    const unknown = coverage.check(await login(t.app, 'nobody-here'), 'issueToken');
    const wrong = await login(t.app, 'licat', 'wrong password!');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('when grant_type is not password, then 400 unsupported_grant_type (RFC 6749 §5.2)', async () => {
    const res = coverage.check(
      await request(t.app)
        .post('/token')
        .type('form')
        .send({ grant_type: 'client_credentials', username: 'licat', password: PASSWORD }),
      'issueToken',
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unsupported_grant_type', detail: expect.any(String) });
  });

  it('when the username is missing, then 422 with loc [body, username] (docs/compatibility.md)', async () => {
    const res = coverage.check(
      await request(t.app).post('/token').type('form').send({ password: PASSWORD }),
      'issueToken',
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' }],
    });
  });

  it.each([
    ['JSON', 'application/json', JSON.stringify({ username: 'licat', password: PASSWORD })],
    ['plain text', 'text/plain', `username=licat&password=${PASSWORD}`],
  ])(
    'when the body is %s instead of a form, then 415 naming the form encodings the contract accepts',
    async (_why, type, body) => {
      const res = coverage.check(
        await request(t.app).post('/token').set('Content-Type', type).send(body),
        'issueToken',
      );
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        detail: 'Unsupported media type: send the form as application/x-www-form-urlencoded (or multipart/form-data)',
      });
    },
  );

  it('when the form is over 16 KiB, then 413', async () => {
    const res = coverage.check(await login(t.app, 'licat', 'x'.repeat(17_000)), 'issueToken');
    expect(res.status).toBe(413);
  });

  it('when a multipart form carries a file, then 413 and nothing is stored', async () => {
    const res = await request(t.app)
      .post('/token')
      .field('username', 'licat')
      .field('password', PASSWORD)
      .attach('upload', Buffer.from('data'), 'a.txt');
    expect(res.status).toBe(413);
  });
});

// The addresses come from X-Forwarded-For through TRUST_PROXY=loopback, as behind a proxy.
const from = (t: TestApp, ip: string, username: string, password = PASSWORD) =>
  request(t.app).post('/token').set('X-Forwarded-For', ip).type('form').send({ username, password });

/** A hasher that counts real and dummy verifications (the password checks a limit bounds). */
async function countingHasher() {
  const real = await Argon2idHasher.create(sharedHashPool(), OWASP_ARGON2ID_MINIMUM);
  const counts = { checks: 0 };
  const hasher: PasswordHasher = {
    hash: (p) => real.hash(p),
    verify: (h, p) => ((counts.checks += 1), real.verify(h, p)),
    needsRehash: (h) => real.needsRehash(h),
    verifyDummy: (p) => ((counts.checks += 1), real.verifyDummy(p)),
  };
  return { hasher, counts };
}

describe('POST /token throttling (OWASP Authentication Cheat Sheet: throttling without a lockout weapon)', () => {
  it('when one address reaches LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP for an account, then 429 with Retry-After even for the right password, until the window ends', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3', LOGIN_FAILURE_WINDOW_SECONDS: '900' });
    await signup(t.app, 'victim').expect(200);
    for (let i = 0; i < 3; i++) await login(t.app, 'victim', 'not the password').expect(401);

    const res = coverage.check(await login(t.app, 'victim'), 'issueToken');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBe(900);
    expect(res.body).toEqual({ detail: 'Too many failed login attempts; try again later' });

    t.clock.advance(600);
    const later = await login(t.app, 'VICTIM');
    expect(later.status).toBe(429);
    expect(Number(later.headers['retry-after'])).toBe(300);

    t.clock.advance(301);
    await login(t.app, 'victim').expect(200);
  });

  it('when an attacker used up the strict limit from one address, then the owner logging in from another address with the right password gets 200 (no lockout as a weapon)', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3' });
    await signup(t.app, 'owner').expect(200);
    for (let i = 0; i < 3; i++) await from(t, '203.0.113.66', 'owner', 'guess guess').expect(401);
    await from(t, '203.0.113.66', 'owner').expect(429);
    await from(t, '198.51.100.10', 'owner').expect(200);
  });

  it('when failures for one account come from many addresses, then the looser LOGIN_MAX_FAILURES_PER_ACCOUNT slows them, from every address', async () => {
    const t = await buildTestApp({
      TRUST_PROXY: 'loopback',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '10',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '4',
    });
    await signup(t.app, 'popular').expect(200);
    for (let i = 0; i < 4; i++) await from(t, `203.0.113.${i + 1}`, 'popular', 'guess guess').expect(401);
    const res = coverage.check(await from(t, '198.51.100.10', 'popular'), 'issueToken');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('when one address fails across many accounts, then the per-address limit answers 429', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '4' });
    for (let i = 0; i < 4; i++) await login(t.app, `user${i}`, 'guess guess').expect(401);
    const res = await login(t.app, 'user99', 'guess guess');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('when one address used up its failures, then another address can still try the same accounts', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_IP: '2' });
    await signup(t.app, 'shared').expect(200);
    for (let i = 0; i < 2; i++) await from(t, '198.51.100.1', `guess${i}`, 'wrong wrong').expect(401);
    await from(t, '198.51.100.1', 'shared').expect(429);
    await from(t, '198.51.100.2', 'shared').expect(200);
  });

  it('when a trusted proxy passes an address that is not an IP, then it is never used: the client counts as the peer', async () => {
    const events: AuthEvent[] = [];
    const t = await buildTestApp(
      { TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_IP: '2' },
      { events: { record: (e) => events.push(e) } },
    );
    await from(t, 'not-an-ip', 'nobody1', 'guess guess').expect(401);
    await from(t, '1.2.3.4, <script>', 'nobody2', 'guess guess').expect(401);
    // Both counted under the peer's address, so the peer's third failure is refused.
    await login(t.app, 'nobody3', 'guess guess').expect(429);
    expect(events.map((e) => (e.type === 'login' ? e.ip : ''))).toEqual([
      expect.stringMatching(/127\.0\.0\.1$/),
      expect.stringMatching(/127\.0\.0\.1$/),
      expect.stringMatching(/127\.0\.0\.1$/),
    ]);
  });

  it("when one account is locked for an address, then another account's login from that address still works", async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '2' });
    await signup(t.app, 'locked-out').expect(200);
    await signup(t.app, 'bystander').expect(200);
    for (let i = 0; i < 2; i++) await login(t.app, 'locked-out', 'not the password').expect(401);
    await login(t.app, 'locked-out').expect(429);
    await login(t.app, 'bystander').expect(200);
  });

  it('when a login succeeds, then the strict count for that account and address starts again', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3' });
    await signup(t.app, 'forgetful').expect(200);
    for (let round = 0; round < 3; round++) {
      await login(t.app, 'forgetful', 'nope nope').expect(401);
      await login(t.app, 'forgetful', 'nope nope').expect(401);
      await login(t.app, 'forgetful').expect(200);
    }
  });

  it('when logins succeed, then they count against no limit: only failures use up the looser limits', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '3' });
    await signup(t.app, 'regular').expect(200);
    for (let i = 0; i < 5; i++) await login(t.app, 'regular').expect(200);
    for (let i = 0; i < 3; i++) await login(t.app, 'regular', 'nope nope').expect(401);
    await login(t.app, 'regular').expect(429);
  });

  it('when a login succeeds, then it gives back its own attempt to the per-address limit but keeps the failures before it', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '3' });
    await signup(t.app, 'between').expect(200);
    await login(t.app, 'ghost1', 'guess guess').expect(401);
    await login(t.app, 'ghost2', 'guess guess').expect(401);
    await login(t.app, 'between').expect(200);
    await login(t.app, 'ghost3', 'guess guess').expect(401);
    await login(t.app, 'ghost4', 'guess guess').expect(429);
  });

  it('when a login succeeds, then it gives back its own attempt to the per-account limit but keeps the failures from other addresses', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    await signup(t.app, 'steady').expect(200);
    await from(t, '203.0.113.1', 'steady', 'guess guess').expect(401);
    await from(t, '203.0.113.2', 'steady', 'guess guess').expect(401);
    await from(t, '203.0.113.3', 'steady').expect(200);
    await from(t, '203.0.113.4', 'steady', 'guess guess').expect(401);
    await from(t, '203.0.113.5', 'steady', 'guess guess').expect(429);
  });

  it('when one account has used its per-account failures, then another account is still counted on its own', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' });
    await signup(t.app, 'target').expect(200);
    await signup(t.app, 'elsewhere').expect(200);
    await from(t, '203.0.113.1', 'target', 'guess guess').expect(401);
    await from(t, '203.0.113.2', 'target', 'guess guess').expect(401);
    await from(t, '203.0.113.3', 'target').expect(429);
    await from(t, '203.0.113.4', 'elsewhere', 'guess guess').expect(401);
    await from(t, '203.0.113.5', 'elsewhere').expect(200);
  });

  it('when the user store fails during a login, then 500 and the attempt is given back: a fault never costs the owner a try', async () => {
    const users = new MemoryUserStore();
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' }, { users });
    await signup(t.app, 'unlucky').expect(200);
    const findByKey = users.findByKey.bind(users);
    users.findByKey = () => Promise.reject(new Error('store unreachable'));
    expect((await login(t.app, 'unlucky', 'guess guess')).status).toBe(500);
    users.findByKey = findByKey;
    await login(t.app, 'unlucky', 'guess guess').expect(401);
    await login(t.app, 'unlucky').expect(429);
  });

  it('when upgrading a stored hash fails for another reason than capacity, then the login answers 500 rather than hiding the fault', async () => {
    const real = await Argon2idHasher.create(sharedHashPool(), OWASP_ARGON2ID_MINIMUM);
    const failing: PasswordHasher = {
      hash: () => Promise.reject(new Error('worker crashed')),
      verify: (phc, p) => real.verify(phc, p),
      needsRehash: () => true,
      verifyDummy: (p) => real.verifyDummy(p),
    };
    const users = new MemoryUserStore();
    const t = await buildTestApp({}, { users, hasher: failing });
    await users.create({
      username: 'upgrading',
      usernameKey: 'upgrading',
      skeletons: [],
      passwordHash: await real.hash(PASSWORD),
      createdAt: new Date(t.clock.now()),
      passwordChangedAt: new Date(t.clock.now()),
    });
    const res = await login(t.app, 'upgrading');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ detail: 'Internal Server Error' });
  });

  it('when an address has used its sign-ups, then its login failures are still counted apart from them', async () => {
    const t = await buildTestApp({ SIGNUP_MAX_PER_IP: '2', LOGIN_MAX_FAILURES_PER_IP: '2' });
    await signup(t.app, 'first-one').expect(200);
    await signup(t.app, 'second-one').expect(200);
    await login(t.app, 'first-one', 'wrong wrong').expect(401);
    await login(t.app, 'first-one').expect(200);
  });

  it('when 60 wrong passwords for one account arrive at once, then exactly 10 are checked and 50 refused with 429 (the attempt is reserved before the check)', async () => {
    const { hasher, counts } = await countingHasher();
    const t = await buildTestApp({}, { hasher });
    await signup(t.app, 'besieged').expect(200);
    const answers = await Promise.all(Array.from({ length: 60 }, () => login(t.app, 'besieged', 'wrong guess')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(counts.checks).toBe(10);
    await login(t.app, 'besieged').expect(429);
  });

  it('when 30 guesses across accounts arrive at once from one address, then at most LOGIN_MAX_FAILURES_PER_IP are checked', async () => {
    const { hasher, counts } = await countingHasher();
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '5' }, { hasher });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(t.app, `nobody${i}`, 'guess')));
    expect(answers.filter((r) => r.status === 401)).toHaveLength(5);
    expect(counts.checks).toBe(5);
  });

  it('when logins name users that cannot exist (they break the username rules), then they share one bucket and still verify the dummy hash', async () => {
    const { hasher, counts } = await countingHasher();
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3' }, { hasher });
    for (const name of ['li cat', 'no/such', 'x']) await login(t.app, name, 'guess guess').expect(401);
    expect(counts.checks).toBe(3);
    await login(t.app, 'also not valid!', 'guess guess').expect(429);
    // A name that could exist has buckets of its own.
    await login(t.app, 'could-exist', 'guess guess').expect(401);
  });

  it('when RATE_LIMIT_ENABLED=false (load tests), then failures are never throttled', async () => {
    const t = await buildTestApp({
      RATE_LIMIT_ENABLED: 'false',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1',
      LOGIN_MAX_FAILURES_PER_IP: '1',
    });
    await signup(t.app, 'loadtest').expect(200);
    for (let i = 0; i < 3; i++) await login(t.app, 'loadtest', 'wrong wrong').expect(401);
    await login(t.app, 'loadtest').expect(200);
  });

  it('when the throttle cannot store one more client, then 503 with Retry-After, and the clients it knows are still counted (fail closed)', async () => {
    // Room for four keys: the sign-up's address, then a login's address, account+address and account.
    const t = await buildTestApp({}, { attempts: new MemoryAttemptCounter(() => Date.UTC(2026, 0, 15, 12), 4) });
    await signup(t.app, 'known').expect(200);
    await login(t.app, 'known', 'wrong wrong').expect(401);
    const res = coverage.check(await login(t.app, 'newcomer'), 'issueToken');
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual({ detail: 'The service is under heavy load; try again later' });
    await login(t.app, 'known').expect(200);
  });
});

describe('POST /token when password hashing is at capacity', () => {
  it('then 503 with Retry-After at once, before any password check, and the refused attempt costs no throttle count', async () => {
    const pool = new Argon2Pool({ threads: 1, queueLimit: 0, niceIncrement: 0 });
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' }, { hashPool: pool });
    await signup(t.app, 'patient').expect(200);
    // One hash occupies the only thread; nothing may wait.
    const busy = pool.hash('occupying the thread', { ...OWASP_ARGON2ID_MINIMUM, timeCost: 60 });
    const res = coverage.check(await login(t.app, 'patient', 'wrong wrong'), 'issueToken');
    await busy;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({ detail: 'The service is busy checking passwords; try again shortly' });
    // The refused attempt was given back: the one allowed failure is still there.
    await login(t.app, 'patient', 'wrong wrong').expect(401);
    await login(t.app, 'patient').expect(429);
    await pool.close();
  });
});
