import { memoiseValidatorRouteMatchers } from '../../src/http/contract/validator-route-cache';

type Compiled = { regexp: RegExp; keys: Array<{ name: string }> };

describe('memoiseValidatorRouteMatchers', () => {
  it('makes the validator’s pathToRegexp return one compiled matcher per (route, options), matching as before', () => {
    const ptr = memoiseValidatorRouteMatchers();
    expect(memoiseValidatorRouteMatchers()).toBe(ptr);
    const a = ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false }) as Compiled;
    const b = ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false });
    expect(b).toBe(a);
    expect(ptr.pathToRegexp('/users/:id', { sensitive: true, strict: false })).not.toBe(a);
    expect(ptr.pathToRegexp('/users/:id', { sensitive: false, strict: true })).not.toBe(a);
    expect(ptr.pathToRegexp('/users/:id')).toBe(ptr.pathToRegexp('/users/:id', {}));
    // Options beyond sensitive and strict are keyed too (by their JSON).
    const prefix = ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false, end: false }) as Compiled;
    expect(prefix).not.toBe(a);
    expect(prefix).toBe(ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false, end: false }));
    expect(prefix.regexp.test('/users/42/sessions')).toBe(true);
    expect(a.regexp.test('/users/42/sessions')).toBe(false);
    expect(a.regexp.flags).not.toMatch(/[gy]/);
    expect(a.regexp.exec('/users/42')?.[1]).toBe('42');
    expect(a.regexp.exec('/users/42')?.[1]).toBe('42');
    expect(a.keys.map((k) => k.name)).toEqual(['id']);
  });

  it('leaves routes that are not strings (arrays, regular expressions) to the original, uncached', () => {
    const ptr = memoiseValidatorRouteMatchers();
    const routes = ['/a', '/b'];
    expect(ptr.pathToRegexp(routes, {})).not.toBe(ptr.pathToRegexp(routes, {}));
    expect((ptr.pathToRegexp(routes, {}) as Compiled).regexp.test('/b')).toBe(true);
  });

  it('caches at most 1000 matchers, so an unbounded set of routes cannot grow memory', () => {
    const ptr = memoiseValidatorRouteMatchers();
    for (let i = 0; i < 1000; i++) ptr.pathToRegexp(`/filler/${i}`, {});
    const late = '/past/the/bound';
    expect(ptr.pathToRegexp(late, {})).not.toBe(ptr.pathToRegexp(late, {}));
    expect((ptr.pathToRegexp(late, {}) as Compiled).regexp.test(late)).toBe(true);
  });
});
