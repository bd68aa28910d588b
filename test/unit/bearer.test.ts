// Reading `Authorization: Bearer <token>` (RFC 6750 §2.1), and why a header holds no token.
import { bearerToken } from '../../src/http/bearer';
import { NotAuthenticatedError, type MissingCredentialsReason } from '../../src/http/http-errors';

const reasonFor = (header: string | undefined): MissingCredentialsReason | undefined => {
  try {
    bearerToken(header);
    return undefined;
  } catch (err) {
    if (err instanceof NotAuthenticatedError) return err.reason;
    throw err;
  }
};

describe('bearerToken', () => {
  it.each(['Bearer abc', 'bearer abc', 'BEARER abc', 'Bearer   abc  '])(
    'when the header is %j, then the token is abc (the scheme is case-insensitive)',
    (header) => {
      expect(bearerToken(header)).toBe('abc');
    },
  );

  it.each<[string, string | undefined, MissingCredentialsReason]>([
    ['no header', undefined, 'no_header'],
    ['an empty header', '', 'no_header'],
    ['a Basic scheme', 'Basic bGljYXQ6cGFzcw==', 'not_bearer'],
    ['a Token scheme', 'Token xyz', 'not_bearer'],
    ['a scheme with no space', 'Bearerxyz', 'not_bearer'],
    ['the Bearer scheme alone', 'Bearer', 'no_token'],
    ['the Bearer scheme and blanks', 'Bearer   ', 'no_token'],
  ])('when there is %s, then no credentials, for the reason %s', (_why, header, reason) => {
    expect(reasonFor(header)).toBe(reason);
  });
});
