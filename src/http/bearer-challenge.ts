// What a client is told about its Bearer credentials (RFC 6750 §3): the WWW-Authenticate
// challenge, and for a refused token why, in words that help an honest client and never a
// forger.
import type { TokenRefusalReason } from '../domain/errors';
import type { MissingCredentialsReason } from './http-errors';

const MALFORMED = 'The access token is malformed';
/**
 * No more than `invalid_token` itself says: naming the check a forged token failed
 * (signature, key, algorithm), or telling whether its subject exists, would help whoever
 * forged it.
 */
const INVALID = 'The access token is invalid';

/**
 * `error_description` for each refusal (RFC 6750 §3). A reason is told apart only where the
 * honest holder of a token can act on it: refresh or log in again after expiry, revocation
 * or the end of the session; fix the clocks for a token not valid yet; fix the client or the
 * configuration for a malformed token or one meant for another issuer or audience. Expiry,
 * issuer and audience are checked only after the signature, and the session only for a
 * genuine token, so none of these tells a forger anything.
 */
export const TOKEN_REFUSAL_DESCRIPTIONS: Readonly<Record<TokenRefusalReason, string>> = {
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not valid yet (check the clocks)',
  revoked: 'The access token was revoked',
  session_ended: 'The session of the access token has ended (logout, password change or expiry); log in again',
  too_long: MALFORMED,
  malformed: MALFORMED,
  unsigned: MALFORMED,
  wrong_type: MALFORMED,
  claim_missing: MALFORMED,
  wrong_issuer: 'The access token is from another issuer',
  wrong_audience: 'The access token is for another audience',
  bad_signature: INVALID,
  unknown_key: INVALID,
  algorithm_not_allowed: INVALID,
  unverifiable: INVALID,
  unknown_subject: INVALID,
  predates_account: INVALID,
};

/**
 * The challenge for a presented token that was refused (RFC 6750 §3). The description goes
 * in a quoted-string unescaped: §3 allows only %x20-21 / %x23-5B / %x5D-7E in it, no `"` and
 * no `\`, and test/unit/bearer-challenge.test.ts holds every description to that.
 */
export const invalidTokenChallenge = (reason: TokenRefusalReason): string =>
  `Bearer error="invalid_token", error_description="${TOKEN_REFUSAL_DESCRIPTIONS[reason]}"`;

/**
 * A hint in the body, beside `detail`, when an Authorization header came without a Bearer
 * token in it (`Token xyz`, `Basic ...`, `Bearer` alone). The challenge stays the bare
 * `Bearer` and the body carries no `error` or `error_description`: RFC 6750 §3.1 says a
 * request that lacks authentication information, "attempted using an unsupported
 * authentication method" included, SHOULD NOT get "an error code or other error
 * information", and `error_description` is defined only beside an error code. How to send
 * the token is neither, and the body is not the challenge. With no header at all the answer
 * stays the seed's own: that is how any client first learns that a route needs a token.
 */
export const MISSING_CREDENTIALS_HINTS: Readonly<Record<MissingCredentialsReason, string | undefined>> = {
  no_header: undefined,
  not_bearer: 'Send the token as Authorization: Bearer <token>',
  no_token: 'Send the token as Authorization: Bearer <token>',
};
