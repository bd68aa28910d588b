// What a client reads about a refused token (RFC 6750 §3): one description per refusal reason,
// always a valid quoted-string, and nothing that tells a forger which check failed.
import type { TokenRefusalReason } from '../../src/domain/errors';
import {
  invalidTokenChallenge,
  MISSING_CREDENTIALS_HINTS,
  TOKEN_REFUSAL_DESCRIPTIONS,
} from '../../src/http/bearer-challenge';

const MALFORMED = 'The access token is malformed';
const INVALID = 'The access token is invalid';

/** Every reason, with what its honest holder is told. */
const EXPECTED: ReadonlyArray<readonly [TokenRefusalReason, string]> = [
  ['expired', 'The access token expired'],
  ['not_yet_valid', 'The access token is not valid yet (check the clocks)'],
  ['revoked', 'The access token was revoked'],
  ['session_ended', 'The session of the access token has ended (logout, password change or expiry); log in again'],
  ['malformed', MALFORMED],
  ['too_long', MALFORMED],
  ['unsigned', MALFORMED],
  ['wrong_type', MALFORMED],
  ['claim_missing', MALFORMED],
  ['wrong_issuer', 'The access token is from another issuer'],
  ['wrong_audience', 'The access token is for another audience'],
  // What a forger could learn from: all one answer.
  ['bad_signature', INVALID],
  ['unknown_key', INVALID],
  ['algorithm_not_allowed', INVALID],
  ['unverifiable', INVALID],
  ['unknown_subject', INVALID],
  ['predates_account', INVALID],
];

/** RFC 6750 §3: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ), so no `"` and no `\`. */
const ERROR_DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

describe('TOKEN_REFUSAL_DESCRIPTIONS', () => {
  it('has a description for every refusal reason, and no other', () => {
    expect(Object.keys(TOKEN_REFUSAL_DESCRIPTIONS).sort()).toEqual(EXPECTED.map(([reason]) => reason).sort());
  });

  it.each(EXPECTED)('when the token is refused as %s, then the client reads "%s"', (reason, description) => {
    expect(TOKEN_REFUSAL_DESCRIPTIONS[reason]).toBe(description);
  });

  it.each(EXPECTED)(
    'when the token is refused as %s, then the challenge carries invalid_token and the description as a valid quoted-string',
    (reason, description) => {
      expect(description).toMatch(ERROR_DESCRIPTION);
      expect(invalidTokenChallenge(reason)).toBe(`Bearer error="invalid_token", error_description="${description}"`);
    },
  );

  it('gives a bad signature, an unknown key, a refused algorithm, an unverifiable token and an unknown or older subject one and the same description', () => {
    const forgerFacing = EXPECTED.filter(([, d]) => d === INVALID).map(([r]) => r);
    expect(new Set(forgerFacing.map((r) => TOKEN_REFUSAL_DESCRIPTIONS[r]))).toEqual(new Set([INVALID]));
    expect(forgerFacing).toHaveLength(6);
  });
});

describe('MISSING_CREDENTIALS_HINTS', () => {
  it('hints how to send the token when a header came without one, and adds nothing when there was no header', () => {
    expect(MISSING_CREDENTIALS_HINTS).toEqual({
      no_header: undefined,
      not_bearer: 'Send the token as Authorization: Bearer <token>',
      no_token: 'Send the token as Authorization: Bearer <token>',
    });
  });
});
