import { memoiseValidatorRouteMatchers } from '../../src/http/contract/validator-route-cache';

describe('memoiseValidatorRouteMatchers', () => {
  it('makes the validator’s pathToRegexp return one compiled matcher per (route, options), matching as before', () => {
    const ptr = memoiseValidatorRouteMatchers();
    expect(memoiseValidatorRouteMatchers()).toBe(ptr);
    const a = ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false }) as {
      regexp: RegExp;
      keys: Array<{ name: string }>;
    };
    const b = ptr.pathToRegexp('/users/:id', { sensitive: false, strict: false });
    expect(b).toBe(a);
    expect(ptr.pathToRegexp('/users/:id', { sensitive: true, strict: false })).not.toBe(a);
    expect(a.regexp.flags).not.toMatch(/[gy]/);
    expect(a.regexp.exec('/users/42')?.[1]).toBe('42');
    expect(a.regexp.exec('/users/42')?.[1]).toBe('42');
    expect(a.keys.map((k) => k.name)).toEqual(['id']);
  });
});
