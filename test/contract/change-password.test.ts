// POST /password: the new password follows the sign-up rules, the current one is checked
// under the login limits (OWASP Authentication Cheat Sheet: re-authenticate before changing
// credentials), and every other session ends on success.
import request from 'supertest';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import type { AuthEvent } from '../../src/domain/auth-events';
import { OWASP_ARGON2ID_MINIMUM } from '../../src/domain/password-hasher';
import {
  PASSWORD,
  login,
  loginPair,
  refresh,
  signup,
  withBearer,
  type TokenPair,
  newAccount,
  changePassword,
} from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const coverage = useContractCoverage('change-password');

const NEW_PASSWORD = 'a brand new passphrase for 2026';

describe('POST /password', () => {
  let t: TestApp;
  let events: AuthEvent[];
  const newUser = (): Promise<string> => newAccount(t.app, 'changer');
  beforeAll(async () => {
    events = [];
    t = await buildTestApp({}, { events: { record: (e) => events.push(e) } });
  });

  const change = (pair: TokenPair | string, body: unknown) =>
    request(t.app)
      .post('/password')
      .set('Authorization', `Bearer ${typeof pair === 'string' ? pair : pair.access}`)
      .send(body as object);

  it('when the current password is right, then 204: the new password logs in, the old does not, other sessions end and the caller’s stays', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const other = await loginPair(t.app, name);
    const res = coverage.check(
      await change(caller, { current_password: PASSWORD, new_password: NEW_PASSWORD }),
      'changePassword',
    );
    expect(res.status).toBe(204);
    await login(t.app, name, NEW_PASSWORD).expect(200);
    await login(t.app, name, PASSWORD).expect(401);
    await withBearer(t.app, '/protected', other.access).expect(401);
    await refresh(t.app, other.refresh).expect(400);
    await withBearer(t.app, '/protected', caller.access).expect(200);
    await refresh(t.app, caller.refresh).expect(200);
    expect(events).toContainEqual({
      type: 'password_change',
      outcome: 'success',
      username: name,
      ip: expect.any(String),
    });
    expect(events).toContainEqual(expect.objectContaining({ type: 'session_ended', reason: 'password_changed' }));
    expect(t.logs.text).not.toContain(NEW_PASSWORD);
    expect(t.logs.text).not.toContain(PASSWORD);
  });

  it('when the current password is wrong, then 400 (not 401: the session is valid) and nothing changes', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const other = await loginPair(t.app, name);
    const res = coverage.check(
      await change(caller, { current_password: 'not the password at all', new_password: NEW_PASSWORD }),
      'changePassword',
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Current password is incorrect' });
    expect(res.headers['www-authenticate']).toBeUndefined();
    await login(t.app, name, PASSWORD).expect(200);
    await login(t.app, name, NEW_PASSWORD).expect(401);
    await withBearer(t.app, '/protected', other.access).expect(200);
    await withBearer(t.app, '/protected', caller.access).expect(200);
    expect(events).toContainEqual({
      type: 'password_change',
      outcome: 'failure',
      username: name,
      ip: expect.any(String),
      reason: 'bad_password',
    });
  });

  it('when wrong current passwords are guessed, then they count as failed logins and are throttled like them (OWASP ASVS 5.0 §6.3)', async () => {
    const limited = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3' });
    await signup(limited.app, 'guessed').expect(200);
    const token = ((await login(limited.app, 'guessed').expect(200)).body as { access_token: string }).access_token;
    const guess = (current: string) => changePassword(limited.app, token, current, NEW_PASSWORD);
    for (let i = 0; i < 3; i += 1) await guess(`wrong guess ${i}`).expect(400);
    const throttled = coverage.check(await guess(PASSWORD), 'changePassword');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    await login(limited.app, 'guessed').expect(429);
  });

  it.each([
    ['too short', 'short', 'ensure this value has at least 8 characters', 'value_error.any_str.min_length'],
    [
      'a common password',
      'password123',
      'this password is too common (it appears in lists of leaked passwords); choose another',
      'value_error.password.common',
    ],
  ])(
    'when the new password is %s, then 422 naming new_password and the rule in words, and no attempt is counted',
    async (_why, next, msg, type) => {
      const strict = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' });
      await signup(strict.app, 'picky').expect(200);
      const caller = await loginPair(strict.app, 'picky');
      const attempt = (current: string, fresh: string) => changePassword(strict.app, caller.access, current, fresh);
      const res = coverage.check(await attempt('a wrong guess', next), 'changePassword');
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([{ loc: ['body', 'new_password'], msg, type }]);
      // The one allowed failure is still there: this wrong guess is checked (400), not throttled.
      await attempt('a wrong guess', NEW_PASSWORD).expect(400);
      await attempt('a wrong guess', NEW_PASSWORD).expect(429);
    },
  );

  it('when the new password equals the username, then 422 naming new_password', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const res = coverage.check(
      await change(caller, { current_password: PASSWORD, new_password: `${name}` }),
      'changePassword',
    );
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body', 'new_password']);
  });

  it('when a field is missing, then 422 naming it', async () => {
    const caller = await loginPair(t.app, await newUser());
    const res = coverage.check(await change(caller, { current_password: PASSWORD }), 'changePassword');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ loc: ['body', 'new_password'], msg: 'field required', type: 'value_error.missing' }],
    });
  });

  it('when the body is a form, then 415 naming application/json; malformed JSON, then 400; over 16 KiB, then 413', async () => {
    const caller = await loginPair(t.app, await newUser());
    const form = coverage.check(
      await request(t.app)
        .post('/password')
        .set('Authorization', `Bearer ${caller.access}`)
        .type('form')
        .send({ current_password: PASSWORD, new_password: NEW_PASSWORD }),
      'changePassword',
    );
    expect(form.status).toBe(415);
    expect(form.body).toEqual({ detail: 'Unsupported media type: send the body as application/json' });
    const malformed = coverage.check(
      await request(t.app)
        .post('/password')
        .set('Authorization', `Bearer ${caller.access}`)
        .set('Content-Type', 'application/json')
        .send('{"current_password":'),
      'changePassword',
    );
    expect(malformed.status).toBe(400);
    const big = coverage.check(
      await change(caller, { current_password: 'x'.repeat(17_000), new_password: NEW_PASSWORD }),
      'changePassword',
    );
    expect(big.status).toBe(413);
  });

  it('when no token or an ended session’s token is sent, then 401 and nothing changes', async () => {
    const name = await newUser();
    const res = coverage.check(
      await request(t.app).post('/password').send({ current_password: PASSWORD, new_password: NEW_PASSWORD }),
      'changePassword',
    );
    expect(res.status).toBe(401);
    const pair = await loginPair(t.app, name);
    await request(t.app).post('/logout').set('Authorization', `Bearer ${pair.access}`).expect(204);
    await change(pair, { current_password: PASSWORD, new_password: NEW_PASSWORD }).expect(401);
    await login(t.app, name, PASSWORD).expect(200);
  });

  it('when password hashing is at capacity, then 503 with Retry-After, the password is unchanged and the attempt is given back', async () => {
    const pool = new Argon2Pool({ threads: 1, queueLimit: 0, niceIncrement: 0 });
    const busy = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' }, { hashPool: pool });
    await signup(busy.app, 'waiting').expect(200);
    const caller = await loginPair(busy.app, 'waiting');
    const occupied = pool.hash('occupying the thread', { ...OWASP_ARGON2ID_MINIMUM, timeCost: 60 });
    const res = coverage.check(
      await changePassword(busy.app, caller.access, 'a wrong guess', NEW_PASSWORD),
      'changePassword',
    );
    await occupied;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    // The one allowed failure is still there: a wrong guess now is checked (400), the next throttled.
    await changePassword(busy.app, caller.access, 'a wrong guess', NEW_PASSWORD).expect(400);
    await login(busy.app, 'waiting').expect(429);
    await pool.close();
  });
});
