import { RuleViolationError } from '../../src/domain/errors';
import { normalizeUsername, parseNewUsername } from '../../src/domain/username';

describe('usernames', () => {
  it('NFKC-normalise for display and case-fold for the key', () => {
    expect(normalizeUsername('ＬｉＣａｔ')).toEqual({ display: 'LiCat', key: 'licat' });
    expect(normalizeUsername('LICAT').key).toBe(normalizeUsername('licat').key);
  });

  it('compose combining sequences, so two spellings of é are one name', () => {
    expect(normalizeUsername('cafe\u0301').key).toBe(normalizeUsername('caf\u00e9').key);
  });

  it('accept letters from any script, digits, dot, underscore, hyphen and @', () => {
    expect(parseNewUsername('고양이_licat-1.0@home').display).toBe('고양이_licat-1.0@home');
  });

  it('re-check the rule after normalisation (a ligature can change the length or the characters)', () => {
    // U+2474 PARENTHESIZED DIGIT ONE passes no pattern once NFKC turns it into "(1)".
    expect(() => parseNewUsername('ab\u2474')).toThrow(new RuleViolationError('username', 'username_form'));
  });
});
