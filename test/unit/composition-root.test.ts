import { Registry } from 'prom-client';
import { metricsEndpoint } from '../../src/composition-root';

describe('metricsEndpoint: the one decision of where GET /metrics is answered', () => {
  const registry = new Registry();

  it('when metrics are on, then on the management port only', () => {
    expect(metricsEndpoint({ enabled: true, port: 9000 }, registry)).toEqual({ on: 'own-port', port: 9000, registry });
  });

  it('when METRICS_ENABLED=false, or no registry exists, then nowhere', () => {
    expect(metricsEndpoint({ enabled: false, port: 9000 }, registry)).toEqual({ on: 'nowhere' });
    expect(metricsEndpoint({ enabled: true, port: 9000 }, undefined)).toEqual({ on: 'nowhere' });
  });
});
