// What the service tells its audit trail and metrics (AuthEvent), event by event: the exact
// content, not only that something was logged. OWASP ASVS 5.0 §16.3: authentication
// outcomes are logged with who, from where, and why.
import request from 'supertest';
import type { AuthEvent } from '../../src/domain/auth-events';
import { MemoryAttemptCounter } from '../../src/data-access/memory-attempt-counter';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import { OWASP_ARGON2ID_MINIMUM } from '../../src/domain/password-hasher';
import { PASSWORD, login, signup, changePassword } from '../helpers/accounts';
import { buildTestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

async function recorded(env: Record<string, string> = {}, users = new MemoryUserStore()) {
  const events: AuthEvent[] = [];
  const t = await buildTestApp(env, { users, events: { record: (e) => events.push(e) } });
  return { t, events };
}

describe('audit events (OWASP ASVS 5.0 §16.3)', () => {
  it('when a sign-up succeeds, is refused for each reason, or is throttled, then one event each, with its reason', async () => {
    const { t, events } = await recorded({ SIGNUP_MAX_PER_IP: '5', PASSWORD_MIN_LENGTH: '12' });
    await signup(t.app, 'Auditee').expect(200);
    await signup(t.app, 'AUDITEE').expect(400);
    await signup(t.app, 'shorty', 'ninechars').expect(422);
    await signup(t.app, 'commoner', 'qwerty123456').expect(422);
    await signup(t.app, 'ab\uFDFA').expect(422);
    await signup(t.app, 'one-too-many').expect(429);
    const ip = events[0]?.type === 'signup' ? events[0].ip : '';
    expect(ip).toMatch(/127\.0\.0\.1/);
    expect(events).toEqual([
      { type: 'signup', outcome: 'success', username: 'Auditee', ip },
      { type: 'signup', outcome: 'rejected', username: 'AUDITEE', ip, reason: 'ERR_USERNAME_TAKEN' },
      { type: 'signup', outcome: 'rejected', username: 'shorty', ip, reason: 'password.min_length' },
      { type: 'signup', outcome: 'rejected', username: 'commoner', ip, reason: 'password.common' },
      { type: 'signup', outcome: 'rejected', username: 'ab\uFDFA', ip, reason: 'username.username_character' },
      { type: 'signup', outcome: 'throttled', username: 'one-too-many', ip, reason: 'ERR_TOO_MANY_ATTEMPTS' },
    ]);
  });

  it('when logins succeed, fail or are throttled, then one event each, and a success also records the token by its jti', async () => {
    const { t, events } = await recorded({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '2' });
    await signup(t.app, 'Auditee').expect(200);
    events.length = 0;

    const ok = await login(t.app, 'auditee').expect(200);
    const jti = decodePart(ok.body.access_token as string, 1).jti;
    await login(t.app, 'AUDITEE', 'wrong wrong').expect(401);
    await login(t.app, 'auditee', 'wrong again').expect(401);
    await login(t.app, 'auditee').expect(429);

    const ip = events[0]?.type === 'login' ? events[0].ip : '';
    expect(events).toEqual([
      { type: 'login', outcome: 'success', username: 'Auditee', ip },
      { type: 'token_issued', username: 'Auditee', sid: expect.any(String), jti },
      { type: 'login', outcome: 'failure', username: 'Auditee', ip, reason: 'bad_password' },
      { type: 'login', outcome: 'failure', username: 'Auditee', ip, reason: 'bad_password' },
      { type: 'login', outcome: 'throttled', usernameDigest: expect.stringMatching(/^[0-9a-f]{32}$/), ip },
    ]);
  });

  it('when a login names no account, then the audit event holds a keyed digest of the name, never the text typed (often a password in the wrong box)', async () => {
    const { t, events } = await recorded();
    const typed = 'Tr0ub4dor&3-typed-in-the-wrong-box';
    await login(t.app, typed).expect(401);
    await login(t.app, typed.toUpperCase()).expect(401);
    await login(t.app, 'someone-else').expect(401);
    const digests = events.map((e) => (e.type === 'login' ? e.usernameDigest : undefined));
    expect(events.map((e) => (e.type === 'login' ? [e.outcome, e.reason, e.username] : []))).toEqual([
      ['failure', 'unknown_user', undefined],
      ['failure', 'unknown_user', undefined],
      ['failure', 'unknown_user', undefined],
    ]);
    expect(digests[0]).toMatch(/^[0-9a-f]{32}$/);
    // The same name in another case is the same digest; another name is another.
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
    expect(t.logs.text).not.toContain(typed);
    expect(t.logs.text.toLowerCase()).not.toContain(typed.toLowerCase());
  });

  it('when a token is revoked, then token_revoked names its user and jti; an invalid token records nothing', async () => {
    const { t, events } = await recorded();
    await signup(t.app, 'leaving').expect(200);
    const token = (await login(t.app, 'leaving').expect(200)).body.access_token as string;
    events.length = 0;
    await request(t.app).post('/revoke').type('form').send({ token }).expect(200);
    await request(t.app).post('/revoke').type('form').send({ token: 'not-a-token' }).expect(200);
    expect(events).toEqual([{ type: 'token_revoked', username: 'leaving', jti: decodePart(token, 1).jti }]);
  });

  it('when a stored hash is re-hashed with stronger parameters at login, then password_rehashed is recorded', async () => {
    const users = new MemoryUserStore();
    const before = await recorded({}, users);
    await signup(before.t.app, 'upgraded').expect(200);
    const after = await recorded({ ARGON2_TIME_COST: '3' }, users);
    await login(after.t.app, 'upgraded').expect(200);
    expect(after.events.filter((e) => e.type === 'password_rehashed')).toEqual([
      { type: 'password_rehashed', username: 'upgraded' },
    ]);
  });

  it('when the attempt store fails during a login, then the answer is a 500 and no "throttled" event is recorded', async () => {
    const events: AuthEvent[] = [];
    const unreachable = () => Promise.reject(new Error('store unreachable'));
    const t = await buildTestApp(
      {},
      {
        events: { record: (e) => events.push(e) },
        attempts: { reserve: unreachable, release: unreachable, reset: unreachable },
      },
    );
    const res = await login(t.app, 'anyone', PASSWORD);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ detail: 'Internal Server Error' });
    expect(events).toEqual([]);
  });

  it('when a sign-up meets a store outage or hashing at capacity, then no sign-up event: faults are not outcomes', async () => {
    const users = new MemoryUserStore();
    users.isNameTaken = () => Promise.reject(new Error('store unreachable'));
    const outage = await recorded({}, users);
    expect((await signup(outage.t.app, 'unlucky')).status).toBe(500);
    expect(outage.events).toEqual([]);

    const pool = new Argon2Pool({ threads: 1, queueLimit: 0, niceIncrement: 0 });
    const events: AuthEvent[] = [];
    const busy = await buildTestApp({}, { hashPool: pool, events: { record: (e) => events.push(e) } });
    const occupied = pool.hash('occupying the thread', { ...OWASP_ARGON2ID_MINIMUM, timeCost: 60 });
    expect((await signup(busy.app, 'patient')).status).toBe(503);
    await occupied;
    expect(events).toEqual([]);
    await pool.close();
  });

  it('when a password change is throttled, then password_change records "throttled" for the account', async () => {
    const { t, events } = await recorded({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' });
    await signup(t.app, 'hasty').expect(200);
    const token = (await login(t.app, 'hasty').expect(200)).body.access_token as string;
    const change = () => changePassword(t.app, token, 'not it at all', 'a brand new passphrase');
    await change().expect(400);
    await change().expect(429);
    expect(events.filter((e) => e.type === 'password_change')).toEqual([
      {
        type: 'password_change',
        outcome: 'failure',
        username: 'hasty',
        ip: expect.any(String),
        reason: 'bad_password',
      },
      { type: 'password_change', outcome: 'throttled', username: 'hasty', ip: expect.any(String) },
    ]);
  });

  it('when the attempt store fails during a password change, then 500 and no "throttled" event', async () => {
    const events: AuthEvent[] = [];
    const counter = new MemoryAttemptCounter(() => Date.UTC(2026, 0, 15, 12), 1000);
    const t = await buildTestApp({}, { attempts: counter, events: { record: (e) => events.push(e) } });
    await signup(t.app, 'outaged').expect(200);
    const token = (await login(t.app, 'outaged').expect(200)).body.access_token as string;
    counter.reserve = () => Promise.reject(new Error('store unreachable'));
    const res = await changePassword(t.app, token, PASSWORD, 'a brand new passphrase');
    expect(res.status).toBe(500);
    expect(events.filter((e) => e.type === 'password_change')).toEqual([]);
  });
});
