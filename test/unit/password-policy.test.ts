import { dictionary } from '@zxcvbn-ts/language-common';
import { RuleViolationError } from '../../src/domain/errors';
import { PasswordPolicy } from '../../src/domain/password-policy';

const policy = new PasswordPolicy({ minLength: 8, commonPasswords: dictionary['passwords-common'] });

/** The rule broken, as `rule` or `rule:limit`; undefined when the password is accepted. */
const ruleOf = (password: string, usernameKey = 'someone'): string | undefined => {
  try {
    policy.check(password, usernameKey);
    return undefined;
  } catch (err) {
    if (err instanceof RuleViolationError) return err.limit === undefined ? err.rule : `${err.rule}:${err.limit}`;
    throw err;
  }
};

describe('PasswordPolicy (NIST SP 800-63B §3.1.1.2, OWASP ASVS 5.0 §6.2)', () => {
  it('ships a common-password list of at least 10 000 entries (ASVS 6.2.4)', () => {
    expect(policy.commonPasswordCount).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses fewer than 8 characters, counting code points, not bytes or UTF-16 units', () => {
    expect(ruleOf('1234')).toBe('min_length:8');
    expect(ruleOf('😀😀😀😀😀😀😀')).toBe('min_length:8');
    expect(ruleOf('😀😀😀😀😀😀😀😀')).toBeUndefined();
  });

  it('allows at least 64 characters (ASVS 6.2.9) and refuses more than 256', () => {
    expect(ruleOf('z'.repeat(64))).toBeUndefined();
    expect(ruleOf('z'.repeat(256))).toBeUndefined();
    expect(ruleOf('z'.repeat(257))).toBe('max_length:256');
  });

  it('has no composition rules: lower-case letters only, or spaces, are fine (ASVS 6.2.5)', () => {
    expect(ruleOf('just some lowercase words')).toBeUndefined();
    expect(ruleOf('        spaces are characters')).toBeUndefined();
  });

  it('refuses common passwords whatever their case', () => {
    expect(ruleOf('password123')).toBe('common');
    expect(ruleOf('Password123')).toBe('common');
    expect(ruleOf('QWERTYUIOP')).toBe('common');
  });

  it('refuses the username as password', () => {
    expect(ruleOf('Licat.Lover', 'licat.lover')).toBe('equals_username');
  });

  it('applies a configured minimum above 8', () => {
    const strict = new PasswordPolicy({ minLength: 12, commonPasswords: [] });
    expect(() => strict.check('elevenchars', 'x')).toThrow(new RuleViolationError('password', 'min_length', 12));
    expect(() => strict.check('twelve chars', 'x')).not.toThrow();
  });
});
