// Every operation and every declared status of openapi.yaml, exercised over the real app
// (supertest, no listening). The last test fails if a declared (operation, status) pair
// was not exercised by a test above it.
import request from 'supertest';
import type { Express } from 'express';
import { Argon2idHasher, type PasswordHasher } from '../../src/domain/password-hasher';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { createMetricsServer } from '../../src/http/metrics-server';
import { ContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, sharedContract, type TestApp } from '../helpers/test-app';
import { decodePart, forgeToken, validClaims } from '../helpers/tokens';

const PASSWORD = 'correct horse battery staple';

let coverage: ContractCoverage;

beforeAll(async () => {
  coverage = new ContractCoverage(await sharedContract());
});

const signup = (app: Express, username: string, password: string = PASSWORD) =>
  request(app).post('/signup').send({ username, password });

const login = (app: Express, username: string, password: string = PASSWORD) =>
  request(app).post('/token').type('form').send({ username, password });

async function tokenFor(app: Express, username: string): Promise<string> {
  await signup(app, username).expect(200);
  const res = await login(app, username).expect(200);
  return (res.body as { access_token: string }).access_token;
}

const nowSeconds = (t: TestApp) => Math.floor(t.clock.now() / 1000);

describe('the seed scenario (SEED.md): signup → token → protected', () => {
  it('when a client of the original service runs its flow unchanged, then every step answers as the original did', async () => {
    const { app } = await buildTestApp();

    const created = coverage.check(await signup(app, 'licat'), 'signup');
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ message: 'User created successfully' });

    const issued = coverage.check(await login(app, 'licat'), 'issueToken');
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });

    const greeted = coverage.check(
      await request(app).get('/protected').set('Authorization', `Bearer ${issued.body.access_token}`),
      'getProtected',
    );
    expect(greeted.status).toBe(200);
    expect(greeted.body).toEqual({ message: 'Hello licat! This is a protected route' });
  });
});

describe('POST /signup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await signup(t.app, 'licat').expect(200);
  });

  it('when the username is taken, then 400 "Username already exists" (SEED.md)', async () => {
    const res = coverage.check(await signup(t.app, 'licat'), 'signup');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Username already exists' });
  });

  it.each([
    ['another case', 'LICAT'],
    ['full-width letters (NFKC)', 'ｌｉｃａｔ'],
    ['mixed case and full width', 'Ｌicat'],
  ])('when the name differs only by %s, then it is the same account: 400', async (_why, name) => {
    const res = coverage.check(await signup(t.app, name), 'signup');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Username already exists' });
  });

  it('when two sign-ups for one new name race, then exactly one succeeds', async () => {
    const results = await Promise.all([signup(t.app, 'racer'), signup(t.app, 'RACER'), signup(t.app, 'Racer')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it('when the password is missing, then 422 with loc [body, password] and type value_error.missing (SEED.md)', async () => {
    const res = coverage.check(await request(t.app).post('/signup').send({ username: 'newbie' }), 'signup');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ loc: ['body', 'password'], msg: 'field required', type: 'value_error.missing' }],
    });
  });

  it('when both fields are missing, then 422 lists both', async () => {
    const res = coverage.check(await request(t.app).post('/signup').send({}), 'signup');
    expect(res.status).toBe(422);
    const locs = (res.body.detail as Array<{ loc: string[] }>).map((d) => d.loc.join('.')).sort();
    expect(locs).toEqual(['body.password', 'body.username']);
  });

  it("when the password is the original's example 1234, then 422 that says it is too short (NIST SP 800-63B §3.1.1.2)", async () => {
    const res = coverage.check(await signup(t.app, 'shorty', '1234'), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toEqual({
      loc: ['body', 'password'],
      msg: 'ensure this value has at least 8 characters',
      type: 'value_error.any_str.min_length',
    });
  });

  it.each(['password1', 'PASSWORD1', 'qwertyuiop', 'iloveyou1'])(
    'when the password %s is on the common-password list, then 422 value_error.password.common (ASVS 5.0 6.2.4)',
    async (password) => {
      const res = coverage.check(await signup(t.app, 'commoner', password), 'signup');
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'value_error.password.common' });
    },
  );

  it('when the password equals the username, then 422', async () => {
    const res = coverage.check(await signup(t.app, 'samesame1', 'SameSame1'), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'value_error.password.username' });
  });

  it('when the password is 64 characters of lower-case letters only, then it is accepted: no composition rules (ASVS 5.0 6.2.2, 6.2.5)', async () => {
    const res = coverage.check(await signup(t.app, 'longpass', 'a'.repeat(30) + 'b'.repeat(34)), 'signup');
    expect(res.status).toBe(200);
  });

  it('when the password is longer than 256 characters, then 422 max_length', async () => {
    const res = coverage.check(await signup(t.app, 'toolong', 'x'.repeat(257)), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'value_error.any_str.max_length' });
  });

  it.each([
    ['too short', 'ab'],
    ['a space', 'li cat'],
    ['a slash', 'li/cat'],
    ['too long', 'a'.repeat(65)],
  ])('when the username has %s, then 422 naming body.username', async (_why, username) => {
    const res = coverage.check(await signup(t.app, username), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body', 'username']);
  });

  it('when a field has the wrong type, then 422 type_error.str', async () => {
    const res = coverage.check(
      await request(t.app).post('/signup').send({ username: 5, password: PASSWORD }),
      'signup',
    );
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toEqual({ loc: ['body', 'username'], msg: 'str type expected', type: 'type_error.str' });
  });

  it('when the body is a JSON array, then 422 type_error.dict at loc [body]', async () => {
    const res = coverage.check(await request(t.app).post('/signup').send([1, 2]), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc: ['body'], type: 'type_error.dict' });
  });

  it('when the JSON is malformed, then 400 JSON error, not HTML', async () => {
    const res = coverage.check(
      await request(t.app).post('/signup').set('Content-Type', 'application/json').send('{"username": "x",'),
      'signup',
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Malformed JSON body' });
  });

  it('when the body is a form instead of JSON, then 415', async () => {
    const res = coverage.check(
      await request(t.app).post('/signup').type('form').send({ username: 'formy', password: PASSWORD }),
      'signup',
    );
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ detail: 'Unsupported media type' });
  });

  it('when the body is over 16 KiB, then 413 JSON error', async () => {
    const res = coverage.check(await signup(t.app, 'bigbody', 'p'.repeat(20_000)), 'signup');
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ detail: 'Request body too large' });
  });

  it('when unknown extra fields are sent, then they are ignored as by the original', async () => {
    const res = coverage.check(
      await request(t.app).post('/signup').send({ username: 'extra', password: PASSWORD, email: 'x@example.com' }),
      'signup',
    );
    expect(res.status).toBe(200);
  });
});

describe('POST /signup throttling', () => {
  it('when one address exceeds SIGNUP_MAX_PER_IP, then 429 with Retry-After (RFC 6585 §4), and the window reopens later', async () => {
    const t = await buildTestApp({ SIGNUP_MAX_PER_IP: '2', SIGNUP_WINDOW_SECONDS: '3600' });
    await signup(t.app, 'first').expect(200);
    await signup(t.app, 'second').expect(200);

    const res = coverage.check(await signup(t.app, 'third'), 'signup');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3600');
    expect(res.body).toEqual({ detail: 'Too many sign-ups; try again later' });

    t.clock.advance(3601);
    await signup(t.app, 'third').expect(200);
  });
});

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

  it('then the token is an RFC 9068 access token: typ at+jwt, HS256, sub/iat/nbf/exp/jti/iss/aud (RFC 8725 §3.11)', async () => {
    const res = await login(t.app, 'licat').expect(200);
    const header = decodePart(res.body.access_token, 0);
    const claims = decodePart(res.body.access_token, 1);
    const now = nowSeconds(t);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(claims).toEqual({
      sub: 'licat',
      iat: now,
      nbf: now,
      exp: now + 1800,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: 'jwt-auth-service',
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

  it('when the username is missing, then 422 with loc [body, username] (SEED.md)', async () => {
    const res = coverage.check(
      await request(t.app).post('/token').type('form').send({ password: PASSWORD }),
      'issueToken',
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' }],
    });
  });

  it('when the body is JSON instead of a form, then 415', async () => {
    const res = coverage.check(
      await request(t.app).post('/token').send({ username: 'licat', password: PASSWORD }),
      'issueToken',
    );
    expect(res.status).toBe(415);
  });

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

describe('POST /token throttling (OWASP Authentication: account lockout, without permanent lockout)', () => {
  it('when an account has LOGIN_MAX_FAILURES_PER_ACCOUNT failures, then 429 with Retry-After even for the right password, until the window ends', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURE_WINDOW_SECONDS: '900' });
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

  it('when one address fails across many accounts, then the per-address limit answers 429', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_MAX_FAILURES_PER_ACCOUNT: '100' });
    for (let i = 0; i < 4; i++) await login(t.app, `user${i}`, 'guess guess').expect(401);
    const res = await login(t.app, 'user99', 'guess guess');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('when a login succeeds, then the account failure count starts again', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    await signup(t.app, 'forgetful').expect(200);
    await login(t.app, 'forgetful', 'nope nope').expect(401);
    await login(t.app, 'forgetful', 'nope nope').expect(401);
    await login(t.app, 'forgetful').expect(200);
    await login(t.app, 'forgetful', 'nope nope').expect(401);
    await login(t.app, 'forgetful', 'nope nope').expect(401);
    await login(t.app, 'forgetful').expect(200);
  });

  it('when RATE_LIMIT_ENABLED=false (load tests), then failures are never throttled', async () => {
    const t = await buildTestApp({ RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '1' });
    await signup(t.app, 'loadtest').expect(200);
    for (let i = 0; i < 3; i++) await login(t.app, 'loadtest', 'wrong wrong').expect(401);
    await login(t.app, 'loadtest').expect(200);
  });
});

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
    const real = await Argon2idHasher.create({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
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
});

describe('GET /protected', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await buildTestApp();
    token = await tokenFor(t.app, 'licat');
  });

  const protectedWith = (authorization?: string) => {
    const req = request(t.app).get('/protected');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])(
    'when the scheme is spelled %s, then 200 (scheme is case-insensitive)',
    async (scheme) => {
      const res = coverage.check(await protectedWith(`${scheme} ${token}`), 'getProtected');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'Hello licat! This is a protected route' });
    },
  );

  it.each([
    ['no Authorization header', undefined],
    ['a Basic scheme', 'Basic bGljYXQ6cGFzcw=='],
    ['the scheme alone', 'Bearer'],
    ['an empty header', ''],
  ])(
    'when there is %s, then 401 "Not authenticated" with WWW-Authenticate: Bearer (RFC 6750 §3)',
    async (_why, header) => {
      const res = coverage.check(await protectedWith(header), 'getProtected');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    },
  );

  const attacks: Array<[string, (t: TestApp) => string]> = [
    [
      'alg "none" (RFC 8725 §2.1)',
      (t) =>
        forgeToken({
          digest: 'none',
          header: { alg: 'none', typ: 'at+jwt' },
          claims: validClaims('licat', nowSeconds(t)),
        }),
    ],
    [
      'a signature made with another key',
      (t) =>
        forgeToken({
          secret: 'an-entirely-different-secret-of-48-bytes-length!!',
          claims: validClaims('licat', nowSeconds(t)),
        }),
    ],
    [
      'HS512 with the right secret: algorithm not allowed (RFC 8725 §3.1)',
      (t) => forgeToken({ digest: 'sha512', claims: validClaims('licat', nowSeconds(t)) }),
    ],
    [
      'an expired exp beyond the leeway',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t) - 4000), exp: nowSeconds(t) - 60 } }),
    ],
    [
      'nbf in the future beyond the leeway',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), nbf: nowSeconds(t) + 60 } }),
    ],
    [
      'a wrong iss (RFC 8725 §3.8)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), iss: 'someone-else' } }),
    ],
    [
      'a wrong aud (RFC 8725 §3.9)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), aud: 'another-api' } }),
    ],
    [
      'typ JWT instead of at+jwt (RFC 8725 §3.11, RFC 9068 §4)',
      (t) => forgeToken({ header: { alg: 'HS256', typ: 'JWT' }, claims: validClaims('licat', nowSeconds(t)) }),
    ],
    ['no typ header', (t) => forgeToken({ header: { alg: 'HS256' }, claims: validClaims('licat', nowSeconds(t)) })],
    ['no exp claim', (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), exp: undefined } })],
    ['no sub claim', (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), sub: undefined } })],
    ['a sub for a user who does not exist', (t) => forgeToken({ claims: validClaims('ghost', nowSeconds(t)) })],
    [
      'a tampered payload (sub changed after signing)',
      () => {
        const [h, , s] = token.split('.');
        const forged = Buffer.from(JSON.stringify({ ...decodePart(token, 1), sub: 'admin' })).toString('base64url');
        return `${h}.${forged}.${s}`;
      },
    ],
    [
      'an oversized token (> 4096 characters)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t)), pad: 'x'.repeat(5000) } }),
    ],
    ['garbage', () => 'not.a.jwt'],
    ['a single segment', () => 'abc'],
  ];

  it.each(attacks)(
    'when the token has %s, then 401 "Invalid token" with error="invalid_token" (RFC 6750 §3.1)',
    async (_why, make) => {
      const res = coverage.check(await protectedWith(`Bearer ${make(t)}`), 'getProtected');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid token' });
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    },
  );

  it('when the token expired less than the clock leeway ago, then it is still accepted (RFC 8725 §3.10 leeway)', async () => {
    const now = nowSeconds(t);
    const justExpired = forgeToken({ claims: { ...validClaims('licat', now), exp: now - 3 } });
    const res = coverage.check(await protectedWith(`Bearer ${justExpired}`), 'getProtected');
    expect(res.status).toBe(200);
  });

  it('when the token was issued 30 minutes ago, then it has expired: 401', async () => {
    const t2 = await buildTestApp();
    const old = await tokenFor(t2.app, 'ageing');
    t2.clock.advance(30 * 60 + 6);
    const res = await request(t2.app).get('/protected').set('Authorization', `Bearer ${old}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('when the header carries a token of 10 000 characters, then 401, not 431 or 5xx', async () => {
    const res = await protectedWith(`Bearer ${'a'.repeat(10_000)}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Invalid token' });
  });

  it("when the token's user was deleted, or deleted and re-created, then the old token is refused", async () => {
    const users = new MemoryUserStore();
    const t2 = await buildTestApp({}, { users });
    const old = await tokenFor(t2.app, 'ephemeral');
    await users.delete('ephemeral');
    await request(t2.app).get('/protected').set('Authorization', `Bearer ${old}`).expect(401);

    t2.clock.advance(60);
    await signup(t2.app, 'ephemeral').expect(200);
    await request(t2.app).get('/protected').set('Authorization', `Bearer ${old}`).expect(401);
  });
});

describe('POST /revoke (RFC 7009)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await signup(t.app, 'leaver').expect(200);
  });

  const revoke = (form: Record<string, string>) => request(t.app).post('/revoke').type('form').send(form);

  it('when a valid token is revoked, then 200 and that token is refused with invalid_token while a new login works', async () => {
    const first = (await login(t.app, 'leaver').expect(200)).body.access_token as string;
    const second = (await login(t.app, 'leaver').expect(200)).body.access_token as string;

    const res = coverage.check(await revoke({ token: first, token_type_hint: 'access_token' }), 'revokeToken');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});

    const refused = coverage.check(
      await request(t.app).get('/protected').set('Authorization', `Bearer ${first}`),
      'getProtected',
    );
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ detail: 'Invalid token' });
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    await request(t.app).get('/protected').set('Authorization', `Bearer ${second}`).expect(200);
  });

  it('when the token is garbage or forged, then still 200 (RFC 7009 §2.2) and nothing changes', async () => {
    const res = coverage.check(await revoke({ token: 'not-a-token' }), 'revokeToken');
    expect(res.status).toBe(200);
    coverage.check(
      await revoke({ token: forgeToken({ secret: 'x'.repeat(48), claims: validClaims('leaver', nowSeconds(t)) }) }),
      'revokeToken',
    );
  });

  it('when the token field is missing, then 422 naming it', async () => {
    const res = coverage.check(await revoke({ token_type_hint: 'access_token' }), 'revokeToken');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'token'], type: 'value_error.missing' });
  });

  it('when the body is JSON, then 415; when over 16 KiB, then 413', async () => {
    coverage.check(await request(t.app).post('/revoke').send({ token: 'x' }), 'revokeToken');
    const big = coverage.check(await revoke({ token: 'x'.repeat(17_000) }), 'revokeToken');
    expect(big.status).toBe(413);
  });
});

describe('GET /users/me', () => {
  it('when the token is valid, then 200 with the username and creation time', async () => {
    const t = await buildTestApp();
    const token = await tokenFor(t.app, 'Licat');
    const res = coverage.check(
      await request(t.app).get('/users/me').set('Authorization', `Bearer ${token}`),
      'getCurrentUser',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ username: 'Licat', created_at: new Date(t.clock.now()).toISOString() });
  });

  it('when there is no token, then 401 Not authenticated', async () => {
    const t = await buildTestApp();
    const res = coverage.check(await request(t.app).get('/users/me'), 'getCurrentUser');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('probes', () => {
  it('GET /healthz: 200 ok', async () => {
    const t = await buildTestApp();
    const res = coverage.check(await request(t.app).get('/healthz'), 'getHealth');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz: 200 when the store answers', async () => {
    const t = await buildTestApp();
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('GET /readyz: 503 when the store is unreachable', async () => {
    const users = new MemoryUserStore();
    users.ping = () => Promise.reject(new Error('connection refused'));
    const t = await buildTestApp({}, { users });
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable' });
  });

  it('GET /readyz: 503 once shutdown has begun, so load balancers stop sending traffic', async () => {
    const t = await buildTestApp();
    t.deps.lifecycle.draining = true;
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(503);
  });
});

describe('GET /metrics', () => {
  it('when metrics are on, then Prometheus text with request durations, login outcomes, tokens issued and rate-limit rejections', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '1' });
    await signup(t.app, 'metered').expect(200);
    await login(t.app, 'metered').expect(200);
    await login(t.app, 'metered', 'wrong wrong wrong').expect(401);
    await login(t.app, 'metered').expect(429);
    await request(t.app).get('/no-such-page').expect(404);

    const res = coverage.check(await request(t.app).get('/metrics'), 'getMetrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/token",status_code="200"\} 1/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(res.text).toMatch(/auth_logins_total\{outcome="success"\} 1/);
    expect(res.text).toMatch(/auth_logins_total\{outcome="failure"\} 1/);
    expect(res.text).toMatch(/auth_logins_total\{outcome="throttled"\} 1/);
    expect(res.text).toMatch(/auth_tokens_issued_total 1/);
    expect(res.text).toMatch(/auth_rate_limit_rejections_total\{scope="login"\} 1/);
    expect(res.text).toMatch(/auth_signups_total\{outcome="success"\} 1/);
    expect(res.text).toMatch(/process_cpu_seconds_total/);
  });

  it('when METRICS_ENABLED=false, then 404', async () => {
    const t = await buildTestApp({ METRICS_ENABLED: 'false' });
    const res = coverage.check(await request(t.app).get('/metrics'), 'getMetrics');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('when METRICS_PORT is set, then the public port answers 404 and the metrics server serves them', async () => {
    const t = await buildTestApp({ METRICS_PORT: '9464' });
    await request(t.app).get('/metrics').expect(404);
    const server = createMetricsServer(t.deps.metrics!.registry);
    const res = await request(server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('auth_logins_total');
    await request(server).get('/other').expect(404);
  });
});

describe('the contract itself', () => {
  it('every (operation, status) pair declared in openapi.yaml was exercised by a test above', () => {
    expect(coverage.missing()).toEqual([]);
  });
});
