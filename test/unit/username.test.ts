// Usernames people can tell apart: RFC 8265 (PRECIS UsernameCaseMapped), RFC 5893 and UTS #39.
import { RuleViolationError } from '../../src/domain/errors';
import { loginKey, prepareNewUsername, usernameKey } from '../../src/domain/username';
import { isHighlyRestrictive, precisClass, skeleton } from '../../src/domain/unicode-identifier';

const ruleOf = (raw: string): string => {
  try {
    prepareNewUsername(raw);
    return 'accepted';
  } catch (err) {
    if (err instanceof RuleViolationError) return err.rule;
    throw err;
  }
};

describe('usernames (RFC 8265 UsernameCaseMapped)', () => {
  it('keep the case for display and fold it for the key; full-width forms are mapped to their ASCII', () => {
    expect(prepareNewUsername('ＬｉＣａｔ')).toMatchObject({ display: 'LiCat', key: 'licat' });
    expect(prepareNewUsername('LICAT').key).toBe(prepareNewUsername('licat').key);
  });

  it('compose combining sequences (NFC), so two spellings of é are one name', () => {
    expect(prepareNewUsername('cafe\u0301').key).toBe(prepareNewUsername('caf\u00e9').key);
  });

  it('fold case fully: "ß" and "ss" are one key', () => {
    expect(usernameKey('straße')).toBe(usernameKey('STRASSE'));
  });

  it('accept letters from one script, digits, dot, underscore, hyphen and @, and the Latin + Hangul mixture UTS #39 allows', () => {
    expect(prepareNewUsername('licat_1.0@home-x').display).toBe('licat_1.0@home-x');
    expect(prepareNewUsername('고양이_licat').display).toBe('고양이_licat');
    expect(prepareNewUsername('田中たろう').display).toBe('田中たろう');
    expect(prepareNewUsername('Дмитрий').key).toBe('дмитрий');
  });

  it('when the name is a valid ASCII name, then it is accepted and keyed exactly as before (lower case)', () => {
    for (const name of ['licat', 'Licat', 'john.doe@example.com', 'a_b-c', 'USER123', 'x.y']) {
      expect(prepareNewUsername(name)).toMatchObject({ display: name, key: name.toLowerCase() });
    }
  });

  it.each([
    ['"admin" followed by U+1160 HANGUL JUNGSEONG FILLER', 'admin\u1160'],
    ['three U+3164 HANGUL FILLER, which display as blank', '\u3164\u3164\u3164'],
    ['a zero-width space', 'ad\u200bmin'],
    ['a zero-width joiner', 'ad\u200dmin'],
    ['U+FFA0 HALFWIDTH HANGUL FILLER', 'admin\uffa0'],
    ['a soft hyphen', 'ad\u00admin'],
    ['a ligature (compatibility form)', 'ﬁnance'],
    ['a circled letter', 'ⓐdmin'],
  ])(
    'when the name holds %s, then it is refused as an invisible or disallowed character (RFC 8264 §9)',
    (_why, raw) => {
      expect(ruleOf(raw)).toBe('username_character');
    },
  );

  it('names the offending character', () => {
    expect(() => prepareNewUsername('admin\u1160')).toThrow(
      expect.objectContaining({ rule: 'username_character', character: '\u1160' }),
    );
  });

  it.each([
    ['"аdmin" with a Cyrillic а', '\u0430dmin'],
    ['Latin and Greek', 'pαypal'],
    ['Cyrillic and Latin digits and letters', 'tеst1'],
  ])('when the name mixes scripts (%s), then it is refused (UTS #39 highly restrictive)', (_why, raw) => {
    expect(ruleOf(raw)).toBe('username_mixed_script');
  });

  it('when the name is right-to-left and breaks the bidi rule, then it is refused (RFC 5893)', () => {
    expect(ruleOf('דוד')).toBe('accepted');
    expect(ruleOf('1דוד')).toBe('username_form');
  });

  it('when the name breaks the length or character rule after preparation, then username_form', () => {
    expect(ruleOf('ab')).toBe('username_form');
    expect(ruleOf('abc')).toBe('accepted');
    expect(ruleOf('a'.repeat(64))).toBe('accepted');
    expect(ruleOf('a'.repeat(65))).toBe('username_form');
    expect(ruleOf('li cat')).toBe('username_character');
    expect(ruleOf('li/cat')).toBe('username_form');
  });
});

describe('confusable skeletons (UTS #39 §4)', () => {
  it('map look-alikes to one skeleton: Cyrillic а, rn/m, l/1/I', () => {
    expect(skeleton('\u0430dmin')).toBe(skeleton('admin'));
    expect(skeleton('rnike')).toBe(skeleton('mike'));
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
    expect(skeleton('Ibob')).toBe(skeleton('lbob'));
    expect(skeleton('licat')).not.toBe(skeleton('lucat'));
  });

  it('are recorded for the display form and for the key', () => {
    const name = prepareNewUsername('Ibob');
    expect(name.skeletons).toEqual(expect.arrayContaining([skeleton('Ibob'), skeleton('ibob')]));
  });
});

describe('loginKey', () => {
  it('is the key of a name that could exist, and undefined for one that cannot', () => {
    expect(loginKey('LiCat')).toBe('licat');
    expect(loginKey('li cat')).toBeUndefined();
    expect(loginKey('admin\u1160')).toBeUndefined();
    expect(loginKey('\u0430dmin')).toBeUndefined();
  });
});

describe('the Unicode data behind the rules', () => {
  it('classes code points as RFC 8264 §9 does', () => {
    expect(precisClass('a')).toBe('PVALID');
    expect(precisClass('ß')).toBe('PVALID');
    expect(precisClass('\u200d')).toBe('CONTEXTJ');
    expect(precisClass('\u00b7')).toBe('CONTEXTO');
    expect(precisClass('\u3164')).toBe('DISALLOWED');
    expect(precisClass('\u0007')).toBe('DISALLOWED');
    expect(precisClass('ﬁ')).toBe('ID_DIS');
    expect(precisClass(' ')).toBe('ID_DIS');
    expect(precisClass('\u{e0000}')).toBe('UNASSIGNED');
  });

  it('sees single scripts and the allowed CJK mixtures as highly restrictive, others not', () => {
    expect(isHighlyRestrictive('licat')).toBe(true);
    expect(isHighlyRestrictive('日本語とカタカナ')).toBe(true);
    expect(isHighlyRestrictive('abc中文')).toBe(true);
    expect(isHighlyRestrictive('abcабв')).toBe(false);
    expect(isHighlyRestrictive('𐌰𐌱𐌲')).toBe(false);
  });
});
