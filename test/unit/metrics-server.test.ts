import { Registry } from 'prom-client';
import request from 'supertest';
import { createMetricsServer } from '../../src/http/metrics-server';

describe('the management listener (METRICS_PORT)', () => {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'test' });

  it('answers GET /metrics, query string or not, in the Prometheus text format', async () => {
    const server = createMetricsServer(registry);
    for (const path of ['/metrics', '/metrics?name[]=x']) {
      const res = await request(server).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(registry.contentType);
    }
  });

  it('answers anything else with a JSON 404, as the API does', async () => {
    const server = createMetricsServer(registry);
    for (const res of [await request(server).post('/metrics'), await request(server).get('/metricsx')]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toEqual({ detail: 'Not Found' });
    }
  });

  it('when collecting fails, then a bare JSON 500', async () => {
    const broken = new Registry();
    broken.metrics = () => Promise.reject(new Error('collector failed'));
    const res = await request(createMetricsServer(broken)).get('/metrics');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual({ detail: 'Internal Server Error' });
  });
});
