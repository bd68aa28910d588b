// Prometheus metrics: served on the management port only (METRICS_PORT, default 9000), never
// on the public API port; what they count.
import request from 'supertest';
import { createMetricsServer } from '../../src/http/metrics-server';
import { login, loginPair, refresh, signup, changePassword, PASSWORD } from '../helpers/accounts';
import { buildTestApp } from '../helpers/test-app';

describe('metrics on the management port', () => {
  it('when the API port is asked for /metrics, then 404 as for any unknown route: process details and login counters are not public', async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
    expect(t.deps.metricsEndpoint).toMatchObject({ on: 'own-port', port: 9000 });
  });

  it('then the management server answers Prometheus text with request durations, login outcomes, tokens issued and rate-limit rejections', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' });
    await signup(t.app, 'metered').expect(200);
    await login(t.app, 'metered').expect(200);
    await login(t.app, 'metered', 'wrong wrong wrong').expect(401);
    await login(t.app, 'metered').expect(429);
    await request(t.app).get('/no-such-page').expect(404);

    const endpoint = t.deps.metricsEndpoint;
    if (endpoint.on !== 'own-port') throw new Error('metrics are off');
    const server = createMetricsServer(endpoint.registry);
    const res = await request(server).get('/metrics');
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
    await request(server).get('/other').expect(404);
  });

  it('then it counts refreshes, sessions ended by reason, and password changes', async () => {
    const t = await buildTestApp();
    await signup(t.app, 'rotator').expect(200);
    const first = await loginPair(t.app, 'rotator');
    await refresh(t.app, first.refresh).expect(200);
    await refresh(t.app, first.refresh).expect(400);
    const other = await loginPair(t.app, 'rotator');
    await changePassword(t.app, other.access, 'a wrong guess', 'a brand new passphrase').expect(400);
    await changePassword(t.app, other.access, PASSWORD, 'a brand new passphrase').expect(204);
    await request(t.app).post('/logout').set('Authorization', `Bearer ${other.access}`).expect(204);

    const endpoint = t.deps.metricsEndpoint;
    if (endpoint.on !== 'own-port') throw new Error('metrics are off');
    const text = (await request(createMetricsServer(endpoint.registry)).get('/metrics').expect(200)).text;
    expect(text).toMatch(/auth_token_refreshes_total\{outcome="success"\} 1/);
    expect(text).toMatch(/auth_token_refreshes_total\{outcome="failure"\} 1/);
    expect(text).toMatch(/auth_sessions_ended_total\{reason="refresh_token_reused"\} 1/);
    expect(text).toMatch(/auth_sessions_ended_total\{reason="logout"\} 1/);
    expect(text).toMatch(/auth_password_changes_total\{outcome="failure"\} 1/);
    expect(text).toMatch(/auth_password_changes_total\{outcome="success"\} 1/);
  });

  it('then it counts account deletions by outcome, their throttled re-checks as login rejections, and the sessions they ended', async () => {
    const t = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '1' });
    const remove = (access: string, current: string) =>
      request(t.app).delete('/users/me').set('Authorization', `Bearer ${access}`).send({ current_password: current });
    await signup(t.app, 'deleted').expect(200);
    const first = await loginPair(t.app, 'deleted');
    await loginPair(t.app, 'deleted');
    await remove(first.access, PASSWORD).expect(204);
    await signup(t.app, 'unsure').expect(200);
    const unsure = await loginPair(t.app, 'unsure');
    await remove(unsure.access, 'a wrong guess').expect(400);
    await remove(unsure.access, PASSWORD).expect(429);

    const endpoint = t.deps.metricsEndpoint;
    if (endpoint.on !== 'own-port') throw new Error('metrics are off');
    const text = (await request(createMetricsServer(endpoint.registry)).get('/metrics').expect(200)).text;
    expect(text).toMatch(/auth_account_deletions_total\{outcome="success"\} 1/);
    expect(text).toMatch(/auth_account_deletions_total\{outcome="failure"\} 1/);
    expect(text).toMatch(/auth_account_deletions_total\{outcome="throttled"\} 1/);
    expect(text).toMatch(/auth_rate_limit_rejections_total\{scope="login"\} 1/);
    expect(text).toMatch(/auth_sessions_ended_total\{reason="account_deleted"\} 2/);
  });

  it('when METRICS_ENABLED=false, then no metrics are served anywhere', async () => {
    const t = await buildTestApp({ METRICS_ENABLED: 'false' });
    expect(t.deps.metricsEndpoint).toEqual({ on: 'nowhere' });
    await request(t.app).get('/metrics').expect(404);
  });
});
