// GET /readyz: the readiness probe.
import request from 'supertest';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp } from '../helpers/test-app';

const coverage = useContractCoverage('get-readiness');

describe('GET /readyz', () => {
  it('when the user store answers, then 200 ready', async () => {
    const t = await buildTestApp();
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('when the user store is unreachable, then 503 unavailable', async () => {
    const users = new MemoryUserStore();
    users.ping = () => Promise.reject(new Error('connection refused'));
    const t = await buildTestApp({}, { users });
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable' });
  });

  it('when shutdown has begun, then 503, so load balancers stop sending traffic', async () => {
    const t = await buildTestApp();
    t.deps.lifecycle.draining = true;
    const res = coverage.check(await request(t.app).get('/readyz'), 'getReadiness');
    expect(res.status).toBe(503);
  });
});
