// DELETE /users/me: the owner deletes their account with the current password (checked under
// the login limits, as at POST /password). Every session of it ends at once, and the name is
// free again, for anyone; no token of the deleted account works for the namesake.
import request from 'supertest';
import { MemorySessionStore } from '../../src/data-access/memory-session-store';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import type { AuthEvent } from '../../src/domain/auth-events';
import { OWASP_ARGON2ID_MINIMUM } from '../../src/domain/password-hasher';
import {
  PASSWORD,
  changePassword,
  login,
  loginPair,
  newAccount,
  refresh,
  signup,
  withBearer,
  type TokenPair,
} from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

const coverage = useContractCoverage('delete-current-user');

const deleteAccount = (app: TestApp['app'], access: string, body: unknown = { current_password: PASSWORD }) =>
  request(app)
    .delete('/users/me')
    .set('Authorization', `Bearer ${access}`)
    .send(body as object);

/** Why tokens were refused, from the log (the client reads only "Invalid token"). */
const refusals = (t: TestApp) =>
  t.logs
    .entries()
    .filter((e) => e.msg === 'token refused')
    .map((e) => e.reason);

describe('DELETE /users/me', () => {
  let t: TestApp;
  let users: MemoryUserStore;
  let events: AuthEvent[];
  const newUser = (): Promise<string> => newAccount(t.app, 'leaver');
  beforeAll(async () => {
    events = [];
    users = new MemoryUserStore();
    t = await buildTestApp({}, { users, events: { record: (e) => events.push(e) } });
  });

  const expectRefused = async (pair: TokenPair) => {
    const res = await withBearer(t.app, '/users/me', pair.access);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ detail: 'Invalid token' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    await refresh(t.app, pair.refresh).expect(400);
  };

  it('when the current password is right, then 204: the account is gone, and every session of it ends at once, the caller’s too', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const other = await loginPair(t.app, name);
    events.length = 0;

    const res = coverage.check(await deleteAccount(t.app, caller.access), 'deleteCurrentUser');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    await expectRefused(caller);
    await expectRefused(other);
    await login(t.app, name).expect(401);
    expect(await users.findByKey(name)).toBeUndefined();
    expect(events).toEqual([
      { type: 'session_ended', username: name, sid: decodePart(caller.access, 1).sid, reason: 'account_deleted' },
      { type: 'session_ended', username: name, sid: decodePart(other.access, 1).sid, reason: 'account_deleted' },
      { type: 'account_deleted', outcome: 'success', username: name, ip: expect.stringMatching(/127\.0\.0\.1/) },
      // The refused refresh tokens afterwards: their sessions are gone.
      expect.objectContaining({ type: 'token_refreshed', outcome: 'failure', reason: 'unknown' }),
      expect.objectContaining({ type: 'token_refreshed', outcome: 'failure', reason: 'unknown' }),
      expect.objectContaining({ type: 'login', outcome: 'failure', reason: 'unknown_user' }),
    ]);
    const audit = t.logs.entries().find((e) => e.msg === 'account_deleted success');
    expect(audit).toMatchObject({ level: 'info', audit: { type: 'account_deleted', username: name } });
    expect(t.logs.text).not.toContain(PASSWORD);
  });

  it('when the account is deleted, then its name and names that look like it can be registered again, and the namesake’s tokens work', async () => {
    await signup(t.app, 'paypal').expect(200);
    const caller = await loginPair(t.app, 'paypal');
    await signup(t.app, 'paypa1').expect(400);
    await deleteAccount(t.app, caller.access).expect(204);

    await signup(t.app, 'paypa1').expect(200);
    await signup(t.app, 'PayPal').expect(400);
    const lookAlike = await loginPair(t.app, 'paypa1');
    await withBearer(t.app, '/users/me', lookAlike.access).expect(200);
    await deleteAccount(t.app, lookAlike.access).expect(204);

    await signup(t.app, 'PayPal', 'another long passphrase').expect(200);
    const namesake = await loginPair(t.app, 'PayPal', 'another long passphrase');
    const me = await withBearer(t.app, '/users/me', namesake.access).expect(200);
    expect(me.body).toEqual({ username: 'PayPal', created_at: expect.any(String) });
    // The old account's password does not open the new one, and its tokens stay refused.
    await login(t.app, 'paypal').expect(401);
    await expectRefused(caller);
  });

  it('when a token of the deleted account is presented after a namesake signed up, then it is refused, even from a session that outlived the deletion (predates_account)', async () => {
    const own = await buildTestApp({}, { users: new MemoryUserStore() });
    await signup(own.app, 'racer').expect(200);
    const caller = await loginPair(own.app, 'racer');
    const old = await own.deps.accounts.authenticate(caller.access);
    await deleteAccount(own.app, caller.access).expect(204);
    // A login that found the account just before the deletion and starts its session just
    // after it: the one session the deletion cannot have ended.
    const raced = await own.deps.sessions.start(old.user, { address: '192.0.2.7', userAgent: undefined });
    await withBearer(own.app, '/users/me', raced.accessToken).expect(401);

    own.clock.advance(60);
    await signup(own.app, 'racer', 'a namesake’s own passphrase').expect(200);
    await withBearer(own.app, '/users/me', caller.access).expect(401);
    await withBearer(own.app, '/users/me', raced.accessToken).expect(401);
    await refresh(own.app, raced.refreshToken).expect(400);
    const namesake = await loginPair(own.app, 'racer', 'a namesake’s own passphrase');
    await withBearer(own.app, '/users/me', namesake.access).expect(200);

    expect(refusals(own)).toEqual(['unknown_subject', 'session_ended', 'predates_account']);
    expect(own.logs.entries().find((e) => e.msg === 'refresh token refused')).toMatchObject({
      reason: 'account_gone',
    });
  });

  it('when a login completes while the account is being deleted, then its session is ended too (no orphan session left under the name)', async () => {
    const users = new MemoryUserStore();
    const sessions = new MemorySessionStore(Date.now);
    const racing = await buildTestApp({}, { users, sessions });
    const name = await newAccount(racing.app, 'racer');
    const pair = await loginPair(racing.app, name);
    const remove = users.delete.bind(users);
    let raced: TokenPair | undefined;
    // The login reads the account before the delete removes it, and finishes first.
    users.delete = async (key, createdAt) => {
      raced = await loginPair(racing.app, name);
      return remove(key, createdAt);
    };

    expect(coverage.check(await deleteAccount(racing.app, pair.access), 'deleteCurrentUser').status).toBe(204);

    expect(raced).toBeDefined();
    expect(await sessions.endAll(name.toLowerCase())).toEqual([]);
    expect((await refresh(racing.app, raced!.refresh)).status).toBe(400);
  });

  it('when the current password is wrong, then 400 (not 401: the session is valid) and nothing changes', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    events.length = 0;
    const res = coverage.check(
      await deleteAccount(t.app, caller.access, { current_password: 'not the password at all' }),
      'deleteCurrentUser',
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Current password is incorrect' });
    expect(res.headers['www-authenticate']).toBeUndefined();
    await withBearer(t.app, '/users/me', caller.access).expect(200);
    await login(t.app, name).expect(200);
    expect(events.filter((e) => e.type !== 'token_issued' && e.type !== 'login')).toEqual([
      { type: 'account_deleted', outcome: 'failure', username: name, ip: expect.any(String), reason: 'bad_password' },
    ]);
    expect(t.logs.entries().find((e) => e.msg === 'account_deleted failure')).toMatchObject({ level: 'warn' });
  });

  it('when wrong passwords are guessed, then they count as failed logins (with those at POST /password) and are throttled like them', async () => {
    const throttled: AuthEvent[] = [];
    const limited = await buildTestApp(
      { LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '3' },
      { events: { record: (e) => throttled.push(e) } },
    );
    await signup(limited.app, 'guessed').expect(200);
    const caller = await loginPair(limited.app, 'guessed');
    await deleteAccount(limited.app, caller.access, { current_password: 'wrong guess 1' }).expect(400);
    await changePassword(limited.app, caller.access, 'wrong guess 2', 'a brand new passphrase').expect(400);
    await deleteAccount(limited.app, caller.access, { current_password: 'wrong guess 3' }).expect(400);

    const res = coverage.check(await deleteAccount(limited.app, caller.access), 'deleteCurrentUser');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await login(limited.app, 'guessed').expect(429);
    await withBearer(limited.app, '/users/me', caller.access).expect(200);
    expect(throttled).toContainEqual({
      type: 'account_deleted',
      outcome: 'throttled',
      username: 'guessed',
      ip: expect.any(String),
    });
  });

  it.each([
    ['missing', {}, 'value_error.missing'],
    ['empty', { current_password: '' }, 'value_error.any_str.min_length'],
  ])('when current_password is %s, then 422 naming it, and nothing changes', async (_why, body, type) => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const res = coverage.check(await deleteAccount(t.app, caller.access, body), 'deleteCurrentUser');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ loc: ['body', 'current_password'], msg: expect.any(String), type }] });
    await withBearer(t.app, '/users/me', caller.access).expect(200);
  });

  it('when there is no body or a form, then 415; malformed JSON, then 400; over 16 KiB, then 413; and nothing changes', async () => {
    const name = await newUser();
    const caller = await loginPair(t.app, name);
    const bodiless = coverage.check(
      await request(t.app).delete('/users/me').set('Authorization', `Bearer ${caller.access}`),
      'deleteCurrentUser',
    );
    expect(bodiless.status).toBe(415);
    const form = coverage.check(
      await request(t.app)
        .delete('/users/me')
        .set('Authorization', `Bearer ${caller.access}`)
        .type('form')
        .send({ current_password: PASSWORD }),
      'deleteCurrentUser',
    );
    expect(form.status).toBe(415);
    const malformed = coverage.check(
      await request(t.app)
        .delete('/users/me')
        .set('Authorization', `Bearer ${caller.access}`)
        .set('Content-Type', 'application/json')
        .send('{"current_password":'),
      'deleteCurrentUser',
    );
    expect(malformed.status).toBe(400);
    const big = coverage.check(
      await deleteAccount(t.app, caller.access, { current_password: 'x'.repeat(17_000) }),
      'deleteCurrentUser',
    );
    expect(big.status).toBe(413);
    await withBearer(t.app, '/users/me', caller.access).expect(200);
  });

  it('when no token, an ended session’s token or a deleted account’s token is sent, then 401 and nothing changes', async () => {
    const name = await newUser();
    const none = coverage.check(
      await request(t.app).delete('/users/me').send({ current_password: PASSWORD }),
      'deleteCurrentUser',
    );
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ detail: 'Not authenticated' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer\b(?! error)/);

    const ended = await loginPair(t.app, name);
    await request(t.app).post('/logout').set('Authorization', `Bearer ${ended.access}`).expect(204);
    const res = coverage.check(await deleteAccount(t.app, ended.access), 'deleteCurrentUser');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    await login(t.app, name).expect(200);

    const gone = await loginPair(t.app, name);
    await deleteAccount(t.app, gone.access).expect(204);
    await deleteAccount(t.app, gone.access).expect(401);
  });

  it('when password hashing is at capacity, then 503 with Retry-After, the account stays and the attempt is given back', async () => {
    const pool = new Argon2Pool({ threads: 1, queueLimit: 0, niceIncrement: 0 });
    const busy = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' }, { hashPool: pool });
    await signup(busy.app, 'waiting').expect(200);
    const caller = await loginPair(busy.app, 'waiting');
    const occupied = pool.hash('occupying the thread', { ...OWASP_ARGON2ID_MINIMUM, timeCost: 60 });
    const res = coverage.check(await deleteAccount(busy.app, caller.access), 'deleteCurrentUser');
    await occupied;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    await withBearer(busy.app, '/users/me', caller.access).expect(200);
    // The one allowed failure is still there: a wrong guess now is checked (400), the next throttled.
    await deleteAccount(busy.app, caller.access, { current_password: 'a wrong guess' }).expect(400);
    await deleteAccount(busy.app, caller.access).expect(429);
    await pool.close();
  });
});
