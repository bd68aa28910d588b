// POST /revoke (RFC 7009): logging out a token.
import request from 'supertest';
import { signup, login } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, nowSeconds, type TestApp } from '../helpers/test-app';
import { forgeToken, validClaims } from '../helpers/tokens';

const coverage = useContractCoverage('revoke-token');

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
    expect(refused.body).toEqual({
      detail: 'Invalid token',
      error: 'invalid_token',
      error_description: 'The access token was revoked',
    });
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token was revoked"',
    );
    await request(t.app).get('/protected').set('Authorization', `Bearer ${second}`).expect(200);
  });

  it('when a revoked token reaches its exp, then it stays refused through the clock leeway, when an unrevoked one is still accepted', async () => {
    const own = await buildTestApp();
    await signup(own.app, 'lingering').expect(200);
    const revoked = (await login(own.app, 'lingering').expect(200)).body.access_token as string;
    const kept = (await login(own.app, 'lingering').expect(200)).body.access_token as string;
    await request(own.app).post('/revoke').type('form').send({ token: revoked }).expect(200);
    own.clock.advance(1800 + 3);
    await request(own.app).get('/protected').set('Authorization', `Bearer ${kept}`).expect(200);
    await request(own.app).get('/protected').set('Authorization', `Bearer ${revoked}`).expect(401);
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

  it('when the body is JSON, then 415 naming the form encoding; when over 16 KiB, then 413', async () => {
    const json = coverage.check(await request(t.app).post('/revoke').send({ token: 'x' }), 'revokeToken');
    expect(json.status).toBe(415);
    expect(json.body).toEqual({
      detail: 'Unsupported media type: send the form as application/x-www-form-urlencoded',
    });
    const big = coverage.check(await revoke({ token: 'x'.repeat(17_000) }), 'revokeToken');
    expect(big.status).toBe(413);
  });
});
