// GET /protected: the RFC 6750 answers to missing, malformed, forged and expired tokens.
import request from 'supertest';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { login, signup, tokenFor } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, nowSeconds, type TestApp } from '../helpers/test-app';
import { decodePart, forgeToken, validClaims } from '../helpers/tokens';

const coverage = useContractCoverage('get-protected');

describe('GET /protected', () => {
  let t: TestApp;
  let token: string;
  /** licat's live session: forged tokens carry it, so each is refused for its own fault alone. */
  let sid: string;
  beforeAll(async () => {
    t = await buildTestApp();
    token = await tokenFor(t.app, 'licat');
    sid = decodePart(token, 1).sid as string;
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
    ['an empty header', ''],
  ])(
    'when there is %s, then 401 "Not authenticated" with WWW-Authenticate: Bearer, as the seed answers (RFC 6750 §3)',
    async (_why, header) => {
      const res = coverage.check(await protectedWith(header), 'getProtected');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    },
  );

  it.each([
    ['a Basic scheme', 'Basic bGljYXQ6cGFzcw=='],
    ['a Token scheme', 'Token xyz'],
    ['the scheme alone', 'Bearer'],
  ])(
    'when there is %s, then 401 "Not authenticated" with a hint on how to send the token, and a bare Bearer challenge (RFC 6750 §3.1: no error information)',
    async (_why, header) => {
      const res = coverage.check(await protectedWith(header), 'getProtected');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        detail: 'Not authenticated',
        hint: 'Send the token as Authorization: Bearer <token>',
      });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    },
  );

  const MALFORMED = 'The access token is malformed';
  const INVALID = 'The access token is invalid';
  const attacks: Array<[string, (t: TestApp) => string, string]> = [
    [
      'alg "none" (RFC 8725 §2.1)',
      (t) =>
        forgeToken({
          digest: 'none',
          header: { alg: 'none', typ: 'at+jwt' },
          claims: validClaims('licat', nowSeconds(t), sid),
        }),
      MALFORMED,
    ],
    [
      'a signature made with another key',
      (t) =>
        forgeToken({
          secret: 'an-entirely-different-secret-of-48-bytes-length!!',
          claims: validClaims('licat', nowSeconds(t), sid),
        }),
      INVALID,
    ],
    [
      'HS512 with the right secret: algorithm not allowed (RFC 8725 §3.1)',
      (t) => forgeToken({ digest: 'sha512', claims: validClaims('licat', nowSeconds(t), sid) }),
      INVALID,
    ],
    [
      'an expired exp beyond the leeway',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t) - 4000, sid), exp: nowSeconds(t) - 60 } }),
      'The access token expired',
    ],
    [
      'nbf in the future beyond the leeway',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), nbf: nowSeconds(t) + 60 } }),
      'The access token is not valid yet (check the clocks)',
    ],
    [
      'a wrong iss (RFC 8725 §3.8)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), iss: 'someone-else' } }),
      'The access token is from another issuer',
    ],
    [
      'a wrong aud (RFC 8725 §3.9)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), aud: 'another-api' } }),
      'The access token is for another audience',
    ],
    [
      'typ JWT instead of at+jwt (RFC 8725 §3.11, RFC 9068 §4)',
      (t) => forgeToken({ header: { alg: 'HS256', typ: 'JWT' }, claims: validClaims('licat', nowSeconds(t), sid) }),
      MALFORMED,
    ],
    [
      'no typ header',
      (t) => forgeToken({ header: { alg: 'HS256' }, claims: validClaims('licat', nowSeconds(t), sid) }),
      MALFORMED,
    ],
    [
      'no exp claim',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), exp: undefined } }),
      MALFORMED,
    ],
    [
      'no sub claim',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), sub: undefined } }),
      MALFORMED,
    ],
    [
      'no sid claim (every access token belongs to a session)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), sid: undefined } }),
      MALFORMED,
    ],
    [
      'the sid of a session that does not exist',
      (t) => forgeToken({ claims: validClaims('licat', nowSeconds(t)) }),
      'The session of the access token has ended (logout, password change or expiry); log in again',
    ],
    [
      'a sub for a user who does not exist',
      (t) => forgeToken({ claims: validClaims('ghost', nowSeconds(t), sid) }),
      INVALID,
    ],
    [
      'a tampered payload (sub changed after signing)',
      () => {
        const [h, , s] = token.split('.');
        const forged = Buffer.from(JSON.stringify({ ...decodePart(token, 1), sub: 'admin' })).toString('base64url');
        return `${h}.${forged}.${s}`;
      },
      INVALID,
    ],
    [
      'an oversized token (> 4096 characters)',
      (t) => forgeToken({ claims: { ...validClaims('licat', nowSeconds(t), sid), pad: 'x'.repeat(5000) } }),
      MALFORMED,
    ],
    ['garbage', () => 'not.a.jwt', MALFORMED],
    ['a single segment', () => 'abc', MALFORMED],
  ];

  it.each(attacks)(
    'when the token has %s, then 401 "Invalid token" with error="invalid_token" and why in error_description, in the challenge and the body (RFC 6750 §3)',
    async (_why, make, description) => {
      const res = coverage.check(await protectedWith(`Bearer ${make(t)}`), 'getProtected');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid token', error: 'invalid_token', error_description: description });
      expect(res.headers['www-authenticate']).toBe(`Bearer error="invalid_token", error_description="${description}"`);
    },
  );

  it('when the token expired less than the clock leeway ago, then it is still accepted (RFC 7519 §4.1.4 leeway)', async () => {
    const now = nowSeconds(t);
    const justExpired = forgeToken({ claims: { ...validClaims('licat', now, sid), exp: now - 3 } });
    const res = coverage.check(await protectedWith(`Bearer ${justExpired}`), 'getProtected');
    expect(res.status).toBe(200);
  });

  it('when the token was issued 30 minutes ago, then it has expired: 401', async () => {
    const t2 = await buildTestApp();
    const old = await tokenFor(t2.app, 'ageing');
    t2.clock.advance(30 * 60 + 6);
    const res = await request(t2.app).get('/protected').set('Authorization', `Bearer ${old}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token expired"',
    );
    expect(res.body).toEqual({
      detail: 'Invalid token',
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
    // The log names the stable reason.
    expect(t2.logs.entries().find((e) => e.msg === 'token refused')).toMatchObject({
      level: 'info',
      reason: 'expired',
    });
  });

  it('when the header carries a token of 10 000 characters, then 401, not 431 or 5xx', async () => {
    const res = await protectedWith(`Bearer ${'a'.repeat(10_000)}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Invalid token', error: 'invalid_token', error_description: MALFORMED });
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

  describe('why a token was refused: the stable reason in the log, a description for the client only where it can act on it', () => {
    const reasons = (app: TestApp) =>
      app.logs
        .entries()
        .filter((e) => e.msg === 'token refused')
        .map((e) => e.reason);

    it('names revocation and an ended session to the client too, but not a deleted account or a namesake’s account', async () => {
      const users = new MemoryUserStore();
      const own = await buildTestApp({}, { users });
      const described: unknown[] = [];
      const refused = async (token: string) => {
        const res = coverage.check(
          await request(own.app).get('/protected').set('Authorization', `Bearer ${token}`).expect(401),
          'getProtected',
        );
        expect(res.headers['www-authenticate']).toBe(
          `Bearer error="invalid_token", error_description="${res.body.error_description}"`,
        );
        described.push(res.body.error_description);
      };
      await signup(own.app, 'reasoned').expect(200);
      const revoked = await tokenFor(own.app, 'other-one');
      await request(own.app).post('/revoke').type('form').send({ token: revoked }).expect(200);
      await refused(revoked);

      const ended = (await login(own.app, 'reasoned').expect(200)).body.access_token as string;
      await request(own.app).post('/logout').set('Authorization', `Bearer ${ended}`).expect(204);
      await refused(ended);

      const orphaned = (await login(own.app, 'reasoned').expect(200)).body.access_token as string;
      await users.delete('reasoned');
      await refused(orphaned);
      own.clock.advance(60);
      await signup(own.app, 'reasoned').expect(200);
      await refused(orphaned);

      expect(reasons(own)).toEqual(['revoked', 'session_ended', 'unknown_subject', 'predates_account']);
      expect(described).toEqual([
        'The access token was revoked',
        'The session of the access token has ended (logout, password change or expiry); log in again',
        INVALID,
        INVALID,
      ]);
    });

    it('accepts a token issued up to the clock leeway before its account was created, and refuses one a second older (RFC 7519 §4.1.4, §4.1.6 leeway)', async () => {
      const own = await buildTestApp();
      await signup(own.app, 'edgy').expect(200);
      const created = nowSeconds(own);
      const liveOwn = decodePart((await login(own.app, 'edgy').expect(200)).body.access_token as string, 1)
        .sid as string;
      const issuedAt = (iat: number) =>
        forgeToken({ claims: { ...validClaims('edgy', iat, liveOwn), exp: created + 1800 } });
      await request(own.app)
        .get('/protected')
        .set('Authorization', `Bearer ${issuedAt(created - 5)}`)
        .expect(200);
      await request(own.app)
        .get('/protected')
        .set('Authorization', `Bearer ${issuedAt(created - 6)}`)
        .expect(401);
      expect(reasons(own)).toEqual(['predates_account']);
    });
  });
});
