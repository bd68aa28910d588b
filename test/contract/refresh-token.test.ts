// POST /token with grant_type=refresh_token (RFC 6749 §6): rotation, reuse detection
// (RFC 9700 §4.14.2), the concurrent-refresh race, expiry and idle timeout, and tokens used in
// the wrong place (RFC 8725 §3.12).
import request from 'supertest';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import type { AuthEvent } from '../../src/domain/auth-events';
import { PASSWORD, loginPair, refresh, refreshPair, signup, withBearer, newAccount } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

const coverage = useContractCoverage('refresh-token');

const INVALID_GRANT = {
  detail: 'The refresh token is invalid, expired or revoked',
  error: 'invalid_grant',
  error_description: 'The refresh token is invalid, expired or revoked',
};

describe('POST /token, refresh-token grant', () => {
  let t: TestApp;
  let events: AuthEvent[];
  const newUser = (): Promise<string> => newAccount(t.app, 'refresher');
  beforeAll(async () => {
    events = [];
    t = await buildTestApp({}, { events: { record: (e) => events.push(e) } });
  });

  it('when a refresh token is used, then 200 with a new access token and a new refresh token of the same session, never cached (RFC 6749 §5.1, §6)', async () => {
    const first = await loginPair(t.app, await newUser());
    t.clock.advance(60);
    const res = coverage.check(await refresh(t.app, first.refresh), 'issueToken');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 1800,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(res.body.refresh_token).not.toBe(first.refresh);
    expect(res.body.access_token).not.toBe(first.access);
    expect(decodePart(res.body.access_token, 1).sid).toBe(decodePart(first.access, 1).sid);
    await withBearer(t.app, '/protected', res.body.access_token).expect(200);
  });

  it('when a consumed refresh token is presented again, then 400 invalid_grant and the whole session ends, its newest tokens included (RFC 9700 §4.14.2)', async () => {
    const first = await loginPair(t.app, await newUser());
    const second = await refreshPair(t.app, first.refresh);

    const reuse = coverage.check(await refresh(t.app, first.refresh), 'issueToken');
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual(INVALID_GRANT);

    const legit = coverage.check(await refresh(t.app, second.refresh), 'issueToken');
    expect(legit.status).toBe(400);
    const bearer = coverage.check(await withBearer(t.app, '/protected', second.access), 'getProtected');
    expect(bearer.status).toBe(401);
    expect(bearer.body).toEqual({
      detail: 'Invalid token',
      error: 'invalid_token',
      error_description: 'The session of the access token has ended (logout, password change or expiry); log in again',
    });
    await withBearer(t.app, '/protected', first.access).expect(401);
    expect(events).toContainEqual({
      type: 'session_ended',
      username: expect.stringMatching(/^refresher/),
      sid: decodePart(first.access, 1).sid,
      reason: 'refresh_token_reused',
    });
  });

  it.each([1, 2, 3, 4, 5])(
    'round %i: when 12 refreshes race with one token, then exactly one gets 200 and the losers count as reuse, ending the session',
    async () => {
      const pair = await loginPair(t.app, await newUser());
      const answers = await Promise.all(Array.from({ length: 12 }, () => refresh(t.app, pair.refresh)));
      const winners = answers.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(answers.filter((r) => r.status === 400)).toHaveLength(11);
      for (const loser of answers.filter((r) => r.status === 400)) expect(loser.body).toEqual(INVALID_GRANT);
      const winner = winners[0]?.body as { access_token: string; refresh_token: string };
      await refresh(t.app, winner.refresh_token).expect(400);
      await withBearer(t.app, '/protected', winner.access_token).expect(401);
    },
  );

  it('when the session has passed REFRESH_TOKEN_EXPIRE_DAYS since the login, then 400 invalid_grant however often it was refreshed', async () => {
    let pair = await loginPair(t.app, await newUser());
    for (let day = 0; day < 13; day += 1) {
      t.clock.advance(86_400);
      pair = await refreshPair(t.app, pair.refresh);
    }
    t.clock.advance(86_400);
    const res = coverage.check(await refresh(t.app, pair.refresh), 'issueToken');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID_GRANT);
  });

  it('when REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES passes without a refresh, then the session ends; a refresh within it keeps the session alive', async () => {
    const idle = await buildTestApp({ REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES: '60' });
    await signup(idle.app, 'idler').expect(200);
    let pair = await loginPair(idle.app, 'idler');
    idle.clock.advance(59 * 60);
    pair = await refreshPair(idle.app, pair.refresh);
    idle.clock.advance(59 * 60);
    pair = await refreshPair(idle.app, pair.refresh);
    idle.clock.advance(60 * 60);
    await refresh(idle.app, pair.refresh).expect(400);
    const sessions = await withBearer(idle.app, '/sessions', (await loginPair(idle.app, 'idler')).access).expect(200);
    expect(sessions.body.sessions).toHaveLength(1);
  });

  it('when an access token is sent as a refresh token, then 400 invalid_grant (RFC 8725 §3.12: tokens are not interchangeable)', async () => {
    const pair = await loginPair(t.app, await newUser());
    const res = coverage.check(await refresh(t.app, pair.access), 'issueToken');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID_GRANT);
    await refreshPair(t.app, pair.refresh);
  });

  it('when a refresh token is sent as a Bearer token, then 401 invalid_token (RFC 8725 §3.12)', async () => {
    const pair = await loginPair(t.app, await newUser());
    const res = coverage.check(await withBearer(t.app, '/protected', pair.refresh), 'getProtected');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      detail: 'Invalid token',
      error: 'invalid_token',
      error_description: 'The access token is malformed',
    });
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token is malformed"',
    );
  });

  it.each([
    ['a token never issued', 'A'.repeat(43)],
    ['a truncated token', 'abc'],
    ['a token of the wrong alphabet', '!'.repeat(43)],
  ])('when the refresh token is %s, then 400 invalid_grant', async (_why, token) => {
    const res = coverage.check(await refresh(t.app, token), 'issueToken');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID_GRANT);
  });

  it('when the account is gone, or a namesake has signed up since, then the old refresh tokens are refused', async () => {
    const users = new MemoryUserStore();
    const own = await buildTestApp({}, { users });
    await signup(own.app, 'vanishing').expect(200);
    const pair = await loginPair(own.app, 'vanishing');
    const another = await loginPair(own.app, 'vanishing');
    await users.delete('vanishing');
    await refresh(own.app, pair.refresh).expect(400);
    // A namesake signs up: the old account's sessions must not speak for the new one.
    own.clock.advance(1);
    await signup(own.app, 'vanishing').expect(200);
    const res = coverage.check(await refresh(own.app, another.refresh), 'issueToken');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID_GRANT);
  });

  it('when client_id (Authlib sends the literal "None"), client_secret and scope come along, then they are ignored, in a url-encoded or multipart body', async () => {
    const pair = await loginPair(t.app, await newUser());
    const res = coverage.check(
      await request(t.app).post('/token').type('form').send({
        grant_type: 'refresh_token',
        refresh_token: pair.refresh,
        client_id: 'None',
        client_secret: '',
        scope: 'read write',
      }),
      'issueToken',
    );
    expect(res.status).toBe(200);
    const multipart = coverage.check(
      await request(t.app)
        .post('/token')
        .field('grant_type', 'refresh_token')
        .field('refresh_token', res.body.refresh_token as string)
        .field('client_id', 'None'),
      'issueToken',
    );
    expect(multipart.status).toBe(200);
  });

  describe('the body is one of two grants, and its errors are those of the grant it names', () => {
    const token = (form: Record<string, string>) => request(t.app).post('/token').type('form').send(form);

    it('when grant_type=refresh_token comes without refresh_token, then 422 naming refresh_token alone', async () => {
      const res = coverage.check(await token({ grant_type: 'refresh_token' }), 'issueToken');
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        detail: [{ loc: ['body', 'refresh_token'], msg: 'field required', type: 'value_error.missing' }],
      });
    });

    it('when a password grant without grant_type misses password, then exactly the original service’s 422', async () => {
      const res = coverage.check(await token({ username: 'licat' }), 'issueToken');
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        detail: [{ loc: ['body', 'password'], msg: 'field required', type: 'value_error.missing' }],
      });
    });

    it('when grant_type=password misses both fields, then 422 naming username and password', async () => {
      const res = coverage.check(await token({ grant_type: 'password' }), 'issueToken');
      expect(res.status).toBe(422);
      expect(res.body.detail.map((d: { loc: string[] }) => d.loc)).toEqual([
        ['body', 'username'],
        ['body', 'password'],
      ]);
    });

    it('when the refresh token is longer than the contract allows, then 422 naming it', async () => {
      const res = coverage.check(
        await token({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(1025) }),
        'issueToken',
      );
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([
        {
          loc: ['body', 'refresh_token'],
          msg: 'ensure this value has at most 1024 characters',
          type: 'value_error.any_str.max_length',
        },
      ]);
    });

    it.each([
      ['with other fields', { grant_type: 'client_credentials', username: 'licat', password: PASSWORD }],
      ['alone', { grant_type: 'authorization_code' }],
    ])(
      'when grant_type names a grant this service does not offer (%s), then 400 unsupported_grant_type (RFC 6749 §5.2)',
      async (_why, form) => {
        const res = coverage.check(await token(form), 'issueToken');
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          detail: 'Supported grant types are "password" and "refresh_token"',
          error: 'unsupported_grant_type',
          error_description: 'Supported grant types are "password" and "refresh_token"',
        });
      },
    );
  });

  it('then no access or refresh token value ever reaches a log line, and refreshes are audited by session', async () => {
    const own = await buildTestApp();
    await signup(own.app, 'quiet').expect(200);
    const first = await loginPair(own.app, 'quiet');
    const second = await refreshPair(own.app, first.refresh);
    await refresh(own.app, first.refresh).expect(400);
    await withBearer(own.app, '/protected', second.access).expect(401);
    await request(own.app).post('/revoke').type('form').send({ token: second.refresh }).expect(200);
    const text = own.logs.text;
    for (const value of [first.access, first.refresh, second.access, second.refresh]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(value.slice(0, 20));
    }
    const audits = own.logs.entries().flatMap((e) => (e.audit ? [e.audit as Record<string, unknown>] : []));
    const sid = decodePart(first.access, 1).sid;
    expect(audits).toEqual(
      expect.arrayContaining([
        { type: 'token_refreshed', outcome: 'success', username: 'quiet', sid, ip: expect.any(String) },
        {
          type: 'token_refreshed',
          outcome: 'failure',
          username: 'quiet',
          sid,
          ip: expect.any(String),
          reason: 'reused',
        },
        { type: 'session_ended', username: 'quiet', sid, reason: 'refresh_token_reused' },
      ]),
    );
  });
});
