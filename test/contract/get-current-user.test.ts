// GET /users/me: the account a token belongs to.
import request from 'supertest';
import { tokenFor } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp } from '../helpers/test-app';

const coverage = useContractCoverage('get-current-user');

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
