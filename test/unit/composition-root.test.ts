import { Registry } from 'prom-client';
import { metricsEndpoint } from '../../src/composition-root';

describe('metricsEndpoint: the one decision of where GET /metrics is answered', () => {
  const registry = new Registry();

  it('when metrics are on and no METRICS_PORT is set, then on the API port', () => {
    expect(metricsEndpoint({ enabled: true, port: undefined }, registry)).toEqual({ on: 'api', registry });
  });

  it('when METRICS_PORT is set, then only on that port', () => {
    expect(metricsEndpoint({ enabled: true, port: 9464 }, registry)).toEqual({ on: 'own-port', port: 9464, registry });
  });

  it('when METRICS_ENABLED=false, or no registry exists, then nowhere', () => {
    expect(metricsEndpoint({ enabled: false, port: 9464 }, registry)).toEqual({ on: 'nowhere' });
    expect(metricsEndpoint({ enabled: true, port: undefined }, undefined)).toEqual({ on: 'nowhere' });
  });
});
