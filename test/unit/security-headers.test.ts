import helmet from 'helmet';
import { recordHeaders } from '../../src/http/security-headers';

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
});
