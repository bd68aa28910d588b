// POST /signup: every declared status, the username and password rules, and throttling.
import request from 'supertest';
import { PASSWORD, signup } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import { OWASP_ARGON2ID_MINIMUM } from '../../src/domain/password-hasher';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const coverage = useContractCoverage('signup');

describe('POST /signup', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Many sign-ups from one address in this block: the throttle is tested on its own below.
    t = await buildTestApp({ SIGNUP_MAX_PER_IP: '1000' });
    await signup(t.app, 'licat').expect(200);
  });

  it('when the username is taken, then 400 "Username already exists" (docs/compatibility.md)', async () => {
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

  it.each([
    ['"аdmin" with a Cyrillic а', '\u0430dmin', 'value_error.username.mixed_script'],
    ['"admin" followed by U+1160', 'admin\u1160', 'value_error.username.character'],
    ['three U+3164, which display as blank', '\u3164\u3164\u3164', 'value_error.username.character'],
  ])('when the name is %s, then 422 naming body.username (RFC 8265, UTS #39)', async (_why, username, type) => {
    const own = await buildTestApp();
    const res = coverage.check(await signup(own.app, username), 'signup');
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'username'], type })]);
  });

  it.each([
    ['"rnike" when "mike" exists', 'mike', 'rnike'],
    ['"paypa1" when "paypal" exists', 'paypal', 'paypa1'],
    ['"Ibob" when "lbob" exists', 'lbob', 'Ibob'],
  ])(
    'when the name looks like an existing one (%s), then 400 "Username already exists" (UTS #39 skeleton)',
    async (_why, first, lookAlike) => {
      await signup(t.app, first).expect(200);
      const res = coverage.check(await signup(t.app, lookAlike), 'signup');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: 'Username already exists' });
    },
  );

  it('when 20 sign-ups of one name in different cases race, then exactly one succeeds', async () => {
    const names = Array.from({ length: 20 }, (_, i) =>
      [...'stampede'].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(''),
    );
    const own = await buildTestApp({ SIGNUP_MAX_PER_IP: '100' });
    const results = await Promise.all(names.map((n) => signup(own.app, n)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(19);
  });

  it('when two sign-ups for one new name race, then exactly one succeeds', async () => {
    const results = await Promise.all([signup(t.app, 'racer'), signup(t.app, 'RACER'), signup(t.app, 'Racer')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it('when the password is missing, then 422 with loc [body, password] and type value_error.missing (docs/compatibility.md)', async () => {
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

  const USERNAME_CHARACTERS = 'the username may contain only letters, digits and . _ @ - (no spaces or +)';
  it.each([
    ['too short', 'ab', 'ensure this value has at least 3 characters', 'value_error.any_str.min_length'],
    ['a space', 'li cat', USERNAME_CHARACTERS, 'value_error.str.regex'],
    ['a slash', 'li/cat', USERNAME_CHARACTERS, 'value_error.str.regex'],
    ['a plus, as e-mail sub-addresses do', 'bob+1@example.com', USERNAME_CHARACTERS, 'value_error.str.regex'],
    ['too long', 'a'.repeat(65), 'ensure this value has at most 64 characters', 'value_error.any_str.max_length'],
  ])(
    'when the username has %s, then 422 naming body.username and the rule in words',
    async (_why, username, msg, type) => {
      const res = coverage.check(await signup(t.app, username), 'signup');
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ detail: [{ loc: ['body', 'username'], msg, type }] });
    },
  );

  it('when a right-to-left name starts with a digit, then 422 that names the bidi rule (RFC 5893)', async () => {
    const res = coverage.check(await signup(t.app, '1\u05e9\u05dc\u05d5\u05dd'), 'signup');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        {
          loc: ['body', 'username'],
          msg: 'after normalisation (RFC 8265) the username must be 3 to 64 characters, only letters, digits and . _ @ -; a name with right-to-left letters must start with one, end with one or a digit, and hold no left-to-right letters (RFC 5893)',
          type: 'value_error.username',
        },
      ],
    });
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

  it('when the body is a form instead of JSON, then 415 naming application/json', async () => {
    const res = coverage.check(
      await request(t.app).post('/signup').type('form').send({ username: 'formy', password: PASSWORD }),
      'signup',
    );
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ detail: 'Unsupported media type: send the body as application/json' });
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

  it('when one address has used its sign-ups, then another address can still sign up', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', SIGNUP_MAX_PER_IP: '1' });
    const from = (ip: string, username: string) =>
      request(t.app).post('/signup').set('X-Forwarded-For', ip).send({ username, password: PASSWORD });
    await from('198.51.100.7', 'early-bird').expect(200);
    await from('198.51.100.7', 'late-bird').expect(429);
    await from('198.51.100.8', 'late-bird').expect(200);
  });

  it('when RATE_LIMIT_ENABLED=false (load tests), then sign-ups are never throttled', async () => {
    const t = await buildTestApp({ RATE_LIMIT_ENABLED: 'false', SIGNUP_MAX_PER_IP: '1' });
    for (const name of ['load-1', 'load-2', 'load-3']) await signup(t.app, name).expect(200);
  });

  it('when password hashing is at capacity, then 503 with Retry-After at once, and the refused sign-up costs no throttle count', async () => {
    const pool = new Argon2Pool({ threads: 1, queueLimit: 0, niceIncrement: 0 });
    const own = await buildTestApp({ SIGNUP_MAX_PER_IP: '1' }, { hashPool: pool });
    const busy = pool.hash('occupying the thread', { ...OWASP_ARGON2ID_MINIMUM, timeCost: 60 });
    const res = coverage.check(await signup(own.app, 'too-early'), 'signup');
    await busy;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({ detail: 'The service is busy checking passwords; try again shortly' });
    await signup(own.app, 'too-early').expect(200);
    await pool.close();
  });
});
