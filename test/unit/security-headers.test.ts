import helmet from 'helmet';
import { apiSecurityHeaders, docsSecurityHeaders, recordHeaders } from '../../src/http/security-headers';

describe('recordHeaders', () => {
  it('captures exactly the headers helmet sets on a real response, so replaying them is equivalent', () => {
    const middleware = helmet({ frameguard: { action: 'deny' } });
    const set = new Map<string, string>();
    middleware(
      { headers: {} } as never,
      { setHeader: (k: string, v: string) => set.set(k, v), removeHeader: () => undefined } as never,
      () => undefined,
    );
    expect(new Map(recordHeaders(middleware))).toEqual(set);
    expect(set.get('X-Frame-Options')).toBe('DENY');
  });

  it('refuses a middleware that does not finish synchronously', () => {
    expect(() => recordHeaders((_req, _res, next) => void setTimeout(next, 1))).toThrow(/synchronously/);
  });

  it('when the middleware reports an error, then start-up fails with it (an Error as is, anything else wrapped)', () => {
    const boom = new Error('helmet misconfigured');
    expect(() => recordHeaders((_req, _res, next) => next(boom))).toThrow(boom);
    expect(() => recordHeaders((_req, _res, next) => next('nope'))).toThrow('header middleware failed');
  });

  it('records removals as nothing: only headers set are replayed', () => {
    const headers = recordHeaders((_req, res, next) => {
      res.setHeader('A', '1');
      res.removeHeader('B');
      next();
    });
    expect(headers).toEqual([['A', '1']]);
  });
});

describe('the API header set', () => {
  it('is the OWASP REST set plus no-store, and nothing for HTML documents or legacy browsers', () => {
    const names = new Map(apiSecurityHeaders().map(([k, v]) => [k.toLowerCase(), v]));
    expect(names.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(names.get('x-frame-options')).toBe('DENY');
    expect(names.get('x-content-type-options')).toBe('nosniff');
    expect(names.get('cache-control')).toBe('no-store');
    expect(names.get('pragma')).toBe('no-cache');
    expect(names.has('strict-transport-security')).toBe(true);
    expect(names.get('cross-origin-resource-policy')).toBe('same-origin');
    for (const absent of [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ]) {
      expect(names.has(absent)).toBe(false);
    }
  });
});

describe('the Swagger UI header set', () => {
  it("is helmet's page policy without upgrade-insecure-requests, so the page loads over plain HTTP", () => {
    const headers = new Map(recordHeaders(docsSecurityHeaders()).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });
});
