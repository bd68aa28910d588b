// The tutorial's own scenario (docs/compatibility.md): a client of the original service runs
// its flow unchanged against ours.
import request from 'supertest';
import { signup, login } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp } from '../helpers/test-app';

const coverage = useContractCoverage('seed-scenario');

describe('the seed scenario (docs/compatibility.md): signup → token → protected', () => {
  it('when a client of the original service runs its flow unchanged, then every step answers as the original did', async () => {
    const { app } = await buildTestApp();

    const created = coverage.check(await signup(app, 'licat'), 'signup');
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ message: 'User created successfully' });

    const issued = coverage.check(await login(app, 'licat'), 'issueToken');
    expect(issued.status).toBe(200);
    // The seed's fields, unchanged; refresh_token is added beside them (RFC 6749 §5.1), which
    // a client of the original ignores.
    expect(issued.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 1800,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });

    const greeted = coverage.check(
      await request(app).get('/protected').set('Authorization', `Bearer ${issued.body.access_token}`),
      'getProtected',
    );
    expect(greeted.status).toBe(200);
    expect(greeted.body).toEqual({ message: 'Hello licat! This is a protected route' });
  });
});
