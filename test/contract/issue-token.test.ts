// POST /token (OAuth2 password grant): every declared status, the token it issues, and
// login throttling.
import request from 'supertest';
import { PASSWORD, signup, login } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, nowSeconds, type TestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

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

  // Each limit counts under its own key: per account, per address, and apart from sign-ups.
  // The addresses come from X-Forwarded-For through TRUST_PROXY=true, as behind a proxy.
  const from = (t: TestApp, ip: string, username: string, password = PASSWORD) =>
    request(t.app).post('/token').set('X-Forwarded-For', ip).type('form').send({ username, password });

  it("when one account is locked, then another account's login from the same address still works", async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2', LOGIN_MAX_FAILURES_PER_IP: '100' });
    await signup(t.app, 'locked-out').expect(200);
    await signup(t.app, 'bystander').expect(200);
    for (let i = 0; i < 2; i++) await login(t.app, 'locked-out', 'not the password').expect(401);
    await login(t.app, 'locked-out').expect(429);
    await login(t.app, 'bystander').expect(200);
  });

  it('when one address used up its failures, then another address can still try the same accounts', async () => {
    const t = await buildTestApp({
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES_PER_IP: '2',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
    });
    await signup(t.app, 'shared').expect(200);
    for (let i = 0; i < 2; i++) await from(t, '198.51.100.1', `guess${i}`, 'wrong wrong').expect(401);
    await from(t, '198.51.100.1', 'shared').expect(429);
    await from(t, '198.51.100.2', 'shared').expect(200);
  });

  it('when an address has used its sign-ups, then its login failures are still counted apart from them', async () => {
    const t = await buildTestApp({ SIGNUP_MAX_PER_IP: '2', LOGIN_MAX_FAILURES_PER_IP: '2' });
    await signup(t.app, 'first-one').expect(200);
    await signup(t.app, 'second-one').expect(200);
    await login(t.app, 'first-one', 'wrong wrong').expect(401);
    await login(t.app, 'first-one').expect(200);
  });
});
