// GET /metrics: Prometheus metrics, where they are served and what they count.
import request from 'supertest';
import { createMetricsServer } from '../../src/http/metrics-server';
import { signup, login } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp } from '../helpers/test-app';

const coverage = useContractCoverage('get-metrics');

describe('GET /metrics', () => {
  it('when metrics are on, then Prometheus text with request durations, login outcomes, tokens issued and rate-limit rejections', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '1' });
    await signup(t.app, 'metered').expect(200);
    await login(t.app, 'metered').expect(200);
    await login(t.app, 'metered', 'wrong wrong wrong').expect(401);
    await login(t.app, 'metered').expect(429);
    await request(t.app).get('/no-such-page').expect(404);

    const res = coverage.check(await request(t.app).get('/metrics'), 'getMetrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/token",status_code="200"\} 1/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(res.text).toMatch(/auth_logins_total\{outcome="success"\} 1/);
    expect(res.text).toMatch(/auth_logins_total\{outcome="failure"\} 1/);
    expect(res.text).toMatch(/auth_logins_total\{outcome="throttled"\} 1/);
    expect(res.text).toMatch(/auth_tokens_issued_total 1/);
    expect(res.text).toMatch(/auth_rate_limit_rejections_total\{scope="login"\} 1/);
    expect(res.text).toMatch(/auth_signups_total\{outcome="success"\} 1/);
    expect(res.text).toMatch(/process_cpu_seconds_total/);
  });

  it('when METRICS_ENABLED=false, then 404', async () => {
    const t = await buildTestApp({ METRICS_ENABLED: 'false' });
    const res = coverage.check(await request(t.app).get('/metrics'), 'getMetrics');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('when METRICS_PORT is set, then the public port answers 404 and the metrics server serves them', async () => {
    const t = await buildTestApp({ METRICS_PORT: '9464' });
    await request(t.app).get('/metrics').expect(404);
    const server = createMetricsServer(t.deps.metrics!.registry);
    const res = await request(server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('auth_logins_total');
    await request(server).get('/other').expect(404);
  });
});
