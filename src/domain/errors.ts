// Domain errors as data: each has a stable `code`, and carries the facts a caller needs
// (field, rule, limit, reason). Nothing here is worded for a wire format; src/http turns
// these into the contract's response shapes.

export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type CredentialField = 'username' | 'password';

/**
 * The rules a field can break beyond what the contract's schema checks:
 * - `min_length` / `max_length`: `limit` is the bound, in code points;
 * - `common`: the password is on the common-password list;
 * - `equals_username`: the password is the username;
 * - `username_form`: after NFKC normalisation the username breaks the contract's rule.
 */
export type FieldRule = 'min_length' | 'max_length' | 'common' | 'equals_username' | 'username_form';

/** A field broke a rule: 422 naming the field. */
export class RuleViolationError extends DomainError {
  readonly code = 'ERR_RULE_VIOLATED';

  constructor(
    readonly field: CredentialField,
    readonly rule: FieldRule,
    readonly limit?: number,
  ) {
    super(`${field} breaks the ${rule} rule${limit === undefined ? '' : ` (limit ${limit})`}`);
  }
}

export class UsernameTakenError extends DomainError {
  readonly code = 'ERR_USERNAME_TAKEN';

  constructor() {
    super('Username already exists');
  }
}

export class InvalidCredentialsError extends DomainError {
  readonly code = 'ERR_INVALID_CREDENTIALS';

  constructor() {
    super('Incorrect username or password');
  }
}

/**
 * Why a presented access token was refused. Stable codes, for logs and metrics; a client
 * is told only that the token is invalid.
 */
export type TokenRefusalReason =
  | 'too_long'
  | 'malformed'
  | 'unsigned'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'claim_missing'
  | 'unverifiable'
  | 'revoked'
  | 'unknown_subject'
  | 'predates_account';

/** A Bearer token was presented and refused. */
export class InvalidTokenError extends DomainError {
  readonly code = 'ERR_TOKEN_REFUSED';

  constructor(
    readonly reason: TokenRefusalReason,
    /** The claim at fault, for `claim_missing`. */
    readonly claim?: string,
  ) {
    super(`token refused: ${reason}${claim === undefined ? '' : ` (${claim})`}`);
  }
}

export type ThrottleScope = 'login' | 'signup';

export class TooManyAttemptsError extends DomainError {
  readonly code = 'ERR_TOO_MANY_ATTEMPTS';

  constructor(
    readonly retryAfterSeconds: number,
    readonly scope: ThrottleScope,
  ) {
    super(`too many ${scope} attempts; retry after ${retryAfterSeconds} s`);
  }
}
