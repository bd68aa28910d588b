// Every operation that needs the store, while the store cannot answer: 503 with a JSON
// detail and Retry-After, no stack and no driver text, and the process carries on. The
// stores here fail on command (the outage of a real PostgreSQL, stopped mid-test, is in
// test/integration/postgres-outage.test.ts).
import request from 'supertest';
import { memoryStores, type Stores } from '../../src/data-access/stores';
import { StoreUnavailableError } from '../../src/domain/errors';
import { loginPair, newAccount, PASSWORD, signup, withBearer, withBearerPost } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, FakeClock, type TestApp } from '../helpers/test-app';

const coverage = useContractCoverage('store-unavailable');

/** Memory stores whose every method rejects like an unreachable database while `down` is set. */
function switchableStores(clock: FakeClock): { stores: Stores; outage: { down: boolean } } {
  const outage = { down: false };
  const inner = memoryStores(clock.now, 100_000);
  const failing = <T extends object>(store: T): T =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          outage.down
            ? Promise.reject(
                new StoreUnavailableError(2, {
                  cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
                }),
              )
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
  return {
    outage,
    stores: {
      ...inner,
      users: failing(inner.users),
      attempts: failing(inner.attempts),
      revocations: failing(inner.revocations),
      sessions: failing(inner.sessions),
      ping: () => (outage.down ? Promise.reject(new Error('connect ECONNREFUSED')) : inner.ping()),
    },
  };
}

describe('when the store cannot answer', () => {
  let t: TestApp;
  let outage: { down: boolean };
  let name: string;
  let access: string;
  let refreshToken: string;

  beforeAll(async () => {
    const clock = new FakeClock();
    const switchable = switchableStores(clock);
    outage = switchable.outage;
    t = await buildTestApp({}, { clock, stores: switchable.stores });
    name = await newAccount(t.app, 'outage');
    ({ access, refresh: refreshToken } = await loginPair(t.app, name));
    outage.down = true;
  });

  afterAll(() => {
    outage.down = false;
  });

  const expectUnavailable = (res: request.Response) => {
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toEqual({ detail: 'The service is temporarily unavailable; try again shortly' });
    expect(res.text).not.toMatch(/ECONNREFUSED|5432|at \w+ \(/);
  };

  it.each([
    ['signup', () => signup(t.app, 'newcomer', PASSWORD)],
    ['issueToken', () => request(t.app).post('/token').type('form').send({ username: name, password: PASSWORD })],
    [
      'issueToken',
      () =>
        request(t.app).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    ],
    ['revokeToken', () => request(t.app).post('/revoke').type('form').send({ token: access })],
    ['logout', () => withBearerPost(t.app, '/logout', access)],
    ['logoutAll', () => withBearerPost(t.app, '/logout-all', access)],
    ['listSessions', () => withBearer(t.app, '/sessions', access)],
    [
      'endSession',
      () => request(t.app).delete('/sessions/AAAAAAAAAAAAAAAAAAAAAA').set('Authorization', `Bearer ${access}`),
    ],
    [
      'changePassword',
      () =>
        withBearerPost(t.app, '/password', access).send({
          current_password: PASSWORD,
          new_password: 'a brand new passphrase',
        }),
    ],
    ['getProtected', () => withBearer(t.app, '/protected', access)],
    ['getCurrentUser', () => withBearer(t.app, '/users/me', access)],
    [
      'deleteCurrentUser',
      () =>
        request(t.app)
          .delete('/users/me')
          .set('Authorization', `Bearer ${access}`)
          .send({ current_password: PASSWORD }),
    ],
  ])('%s answers 503 with Retry-After and a JSON detail, nothing more', async (operation, send) => {
    expectUnavailable(coverage.check(await send(), operation));
  });

  it('readiness is 503, and the outage is logged as a warning with the driver code but no stack', async () => {
    await request(t.app).get('/readyz').expect(503);
    const entry = t.logs.entries().find((e) => e.msg === 'store unavailable');
    expect(entry).toMatchObject({ level: 'warn', cause: { code: 'ECONNREFUSED' } });
    expect(JSON.stringify(entry)).not.toMatch(/at \w+ \(/);
  });

  it('when the store is back, then the same requests succeed again: nothing was lost or locked', async () => {
    outage.down = false;
    await withBearer(t.app, '/protected', access).expect(200);
    await request(t.app)
      .post('/token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: refreshToken })
      .expect(200);
    await request(t.app).get('/readyz').expect(200);
  });
});
