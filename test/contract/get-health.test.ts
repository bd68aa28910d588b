// GET /healthz: the liveness probe.
import request from 'supertest';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp } from '../helpers/test-app';

const coverage = useContractCoverage('get-health');

describe('GET /healthz', () => {
  it('when the process answers, then 200 ok', async () => {
    const t = await buildTestApp();
    const res = coverage.check(await request(t.app).get('/healthz'), 'getHealth');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
