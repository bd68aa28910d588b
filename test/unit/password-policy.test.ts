import { dictionary } from '@zxcvbn-ts/language-common';
import { ValidationFailedError } from '../../src/domain/errors';
import { PasswordPolicy } from '../../src/domain/password-policy';

const policy = new PasswordPolicy({ minLength: 8, commonPasswords: dictionary['passwords-common'] });

const typeOf = (password: string, usernameKey = 'someone'): string | undefined => {
  try {
    policy.check(password, usernameKey);
    return undefined;
  } catch (err) {
    if (err instanceof ValidationFailedError) return err.type;
    throw err;
  }
};

describe('PasswordPolicy (NIST SP 800-63B §3.1.1.2, OWASP ASVS 5.0 §6.2)', () => {
  it('ships a common-password list of at least 10 000 entries (ASVS 6.2.4)', () => {
    expect(policy.commonPasswordCount).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses fewer than 8 characters, counting code points, not bytes or UTF-16 units', () => {
    expect(typeOf('1234')).toBe('value_error.any_str.min_length');
    expect(typeOf('😀😀😀😀😀😀😀')).toBe('value_error.any_str.min_length');
    expect(typeOf('😀😀😀😀😀😀😀😀')).toBeUndefined();
  });

  it('allows at least 64 characters (ASVS 6.2.9) and refuses more than 256', () => {
    expect(typeOf('z'.repeat(64))).toBeUndefined();
    expect(typeOf('z'.repeat(256))).toBeUndefined();
    expect(typeOf('z'.repeat(257))).toBe('value_error.any_str.max_length');
  });

  it('has no composition rules: lower-case letters only, or spaces, are fine (ASVS 6.2.5)', () => {
    expect(typeOf('just some lowercase words')).toBeUndefined();
    expect(typeOf('        spaces are characters')).toBeUndefined();
  });

  it('refuses common passwords whatever their case', () => {
    expect(typeOf('password123')).toBe('value_error.password.common');
    expect(typeOf('Password123')).toBe('value_error.password.common');
    expect(typeOf('QWERTYUIOP')).toBe('value_error.password.common');
  });

  it('refuses the username as password', () => {
    expect(typeOf('Licat.Lover', 'licat.lover')).toBe('value_error.password.username');
  });

  it('applies a configured minimum above 8', () => {
    const strict = new PasswordPolicy({ minLength: 12, commonPasswords: [] });
    expect(() => strict.check('elevenchars', 'x')).toThrow(/at least 12 characters/);
    expect(() => strict.check('twelve chars', 'x')).not.toThrow();
  });
});
