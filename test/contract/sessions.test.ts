// Ending sessions: POST /logout, POST /logout-all, GET /sessions, DELETE /sessions/{id}, and
// revoking a refresh token (RFC 7009). Every way of ending a session stops its access tokens
// at once and its refresh token for good.
import request from 'supertest';
import {
  loginPair,
  refresh,
  refreshPair,
  signup,
  withBearer,
  withBearerPost,
  type TokenPair,
  newAccount,
} from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

const coverage = useContractCoverage('sessions');

const SESSION_ENDED = 'The session of the access token has ended (logout, password change or expiry); log in again';

const sidOf = (pair: TokenPair): string => decodePart(pair.access, 1).sid as string;

describe('sessions', () => {
  let t: TestApp;
  const newUser = (): Promise<string> => newAccount(t.app, 'sessioner');
  beforeAll(async () => {
    t = await buildTestApp();
  });

  /** The session's access token is refused at once, and its refresh token for good. */
  const expectEnded = async (pair: TokenPair) => {
    const res = coverage.check(await withBearer(t.app, '/protected', pair.access), 'getProtected');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Invalid token', error: 'invalid_token', error_description: SESSION_ENDED });
    expect(res.headers['www-authenticate']).toBe(`Bearer error="invalid_token", error_description="${SESSION_ENDED}"`);
    await refresh(t.app, pair.refresh).expect(400);
  };
  const expectLive = async (pair: TokenPair) => {
    await withBearer(t.app, '/protected', pair.access).expect(200);
  };

  describe('POST /logout', () => {
    it('when the caller logs out, then 204 and that session ends while the user’s other sessions live on', async () => {
      const name = await newUser();
      const phone = await loginPair(t.app, name);
      const laptop = await loginPair(t.app, name);
      const res = coverage.check(await withBearerPost(t.app, '/logout', phone.access), 'logout');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      await expectEnded(phone);
      await expectLive(laptop);
      await refreshPair(t.app, laptop.refresh);
    });

    it('when the session was already ended, then 401 invalid_token saying so', async () => {
      const pair = await loginPair(t.app, await newUser());
      await withBearerPost(t.app, '/logout', pair.access).expect(204);
      const again = coverage.check(await withBearerPost(t.app, '/logout', pair.access), 'logout');
      expect(again.status).toBe(401);
      expect(again.body).toEqual({ detail: 'Invalid token', error: 'invalid_token', error_description: SESSION_ENDED });
    });

    it('when no token is sent, then 401 "Not authenticated" (RFC 6750 §3)', async () => {
      const res = coverage.check(await request(t.app).post('/logout'), 'logout');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe('POST /logout-all', () => {
    it('when the caller logs out everywhere, then 204 and every session of the user ends, the current one included, and no one else’s', async () => {
      const name = await newUser();
      const a = await loginPair(t.app, name);
      const b = await loginPair(t.app, name);
      const c = await refreshPair(t.app, (await loginPair(t.app, name)).refresh);
      const other = await loginPair(t.app, await newUser());
      const res = coverage.check(await withBearerPost(t.app, '/logout-all', b.access), 'logoutAll');
      expect(res.status).toBe(204);
      for (const pair of [a, b, c]) await expectEnded(pair);
      await expectLive(other);
    });

    it('when no token is sent, then 401', async () => {
      const res = coverage.check(await request(t.app).post('/logout-all'), 'logoutAll');
      expect(res.status).toBe(401);
    });
  });

  describe('GET /sessions', () => {
    it('lists the caller’s live sessions, most recently used first, with client details, the current one marked, and no token value', async () => {
      const name = await newUser();
      const first = await loginPair(t.app, name);
      t.clock.advance(60);
      const second = (
        await request(t.app)
          .post('/token')
          .type('form')
          .set('User-Agent', 'phone-app/2.1')
          .send({ username: name, password: 'correct horse battery staple' })
          .expect(200)
      ).body as { access_token: string; refresh_token: string };
      t.clock.advance(60);
      const ended = await loginPair(t.app, name);
      await withBearerPost(t.app, '/logout', ended.access).expect(204);

      const res = coverage.check(await withBearer(t.app, '/sessions', first.access), 'listSessions');
      expect(res.status).toBe(200);
      const now = new Date(t.clock.now());
      expect(res.body).toEqual({
        sessions: [
          {
            id: decodePart(second.access_token, 1).sid,
            created_at: new Date(now.getTime() - 60_000).toISOString(),
            last_used_at: new Date(now.getTime() - 60_000).toISOString(),
            client_address: expect.stringMatching(/127\.0\.0\.1$/),
            user_agent: 'phone-app/2.1',
            current: false,
          },
          {
            id: sidOf(first),
            created_at: new Date(now.getTime() - 120_000).toISOString(),
            last_used_at: new Date(now.getTime() - 120_000).toISOString(),
            client_address: expect.stringMatching(/127\.0\.0\.1$/),
            user_agent: null,
            current: true,
          },
        ],
      });
      const text = JSON.stringify(res.body);
      for (const value of [first.access, first.refresh, second.access_token, second.refresh_token]) {
        expect(text).not.toContain(value);
      }
    });

    it('a refresh moves the session to the front and updates its last use', async () => {
      const name = await newUser();
      const older = await loginPair(t.app, name);
      t.clock.advance(60);
      const newer = await loginPair(t.app, name);
      t.clock.advance(60);
      const refreshed = await refreshPair(t.app, older.refresh);
      const res = await withBearer(t.app, '/sessions', newer.access).expect(200);
      expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual([sidOf(refreshed), sidOf(newer)]);
      expect(res.body.sessions[0].last_used_at).toBe(new Date(t.clock.now()).toISOString());
    });

    it('when no token is sent, then 401', async () => {
      const res = coverage.check(await request(t.app).get('/sessions'), 'listSessions');
      expect(res.status).toBe(401);
    });
  });

  describe('DELETE /sessions/{id}', () => {
    it('when the caller ends one of its sessions, then 204 and that session ends', async () => {
      const name = await newUser();
      const keep = await loginPair(t.app, name);
      const lost = await loginPair(t.app, name);
      const res = coverage.check(
        await request(t.app)
          .delete(`/sessions/${sidOf(lost)}`)
          .set('Authorization', `Bearer ${keep.access}`),
        'endSession',
      );
      expect(res.status).toBe(204);
      await expectEnded(lost);
      await expectLive(keep);
    });

    it('when the id is another user’s session, then 404 and that session lives on', async () => {
      const mine = await loginPair(t.app, await newUser());
      const theirs = await loginPair(t.app, await newUser());
      const res = coverage.check(
        await request(t.app)
          .delete(`/sessions/${sidOf(theirs)}`)
          .set('Authorization', `Bearer ${mine.access}`),
        'endSession',
      );
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Session not found' });
      await expectLive(theirs);
    });

    it('when the id is well formed but unknown, then 404; when malformed, then 422 naming it', async () => {
      const pair = await loginPair(t.app, await newUser());
      const unknown = coverage.check(
        await request(t.app)
          .delete(`/sessions/${'A'.repeat(22)}`)
          .set('Authorization', `Bearer ${pair.access}`),
        'endSession',
      );
      expect(unknown.status).toBe(404);
      const malformed = coverage.check(
        await request(t.app).delete('/sessions/not-a-session').set('Authorization', `Bearer ${pair.access}`),
        'endSession',
      );
      expect(malformed.status).toBe(422);
      expect(malformed.body).toEqual({
        detail: [
          {
            loc: ['path', 'id'],
            msg: 'a session id is 22 letters, digits, _ or - (copy it from GET /sessions)',
            type: 'value_error.str.regex',
          },
        ],
      });
    });

    it('when no token is sent, then 401', async () => {
      const res = coverage.check(await request(t.app).delete(`/sessions/${'A'.repeat(22)}`), 'endSession');
      expect(res.status).toBe(401);
    });
  });

  describe('POST /revoke with a refresh token (RFC 7009)', () => {
    it('when a refresh token is revoked, then 200 and its whole session ends, access tokens included', async () => {
      const name = await newUser();
      const pair = await loginPair(t.app, name);
      const other = await loginPair(t.app, name);
      const res = coverage.check(
        await request(t.app)
          .post('/revoke')
          .type('form')
          .send({ token: pair.refresh, token_type_hint: 'refresh_token' }),
        'revokeToken',
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      await expectEnded(pair);
      await expectLive(other);
    });

    it('when an already consumed refresh token is revoked, then its session ends too (a client logging out with a stale token)', async () => {
      const first = await loginPair(t.app, await newUser());
      const second = await refreshPair(t.app, first.refresh);
      await request(t.app).post('/revoke').type('form').send({ token: first.refresh }).expect(200);
      await expectEnded(second);
    });

    it('when the hint is wrong, then the token is still found (RFC 7009 §2.1)', async () => {
      const pair = await loginPair(t.app, await newUser());
      await request(t.app)
        .post('/revoke')
        .type('form')
        .send({ token: pair.refresh, token_type_hint: 'access_token' })
        .expect(200);
      await expectEnded(pair);
    });
  });

  it('when a user holds more sessions than SESSIONS_MAX_PER_USER, then a new login ends the least recently used', async () => {
    const capped = await buildTestApp({ SESSIONS_MAX_PER_USER: '2' });
    await signup(capped.app, 'busy').expect(200);
    const oldest = await loginPair(capped.app, 'busy');
    capped.clock.advance(1);
    const middle = await loginPair(capped.app, 'busy');
    capped.clock.advance(1);
    const newest = await loginPair(capped.app, 'busy');
    await withBearer(capped.app, '/protected', oldest.access).expect(401);
    await withBearer(capped.app, '/protected', middle.access).expect(200);
    await withBearer(capped.app, '/protected', newest.access).expect(200);
  });
});
