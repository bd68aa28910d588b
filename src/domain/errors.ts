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

export type CredentialField = 'username' | 'password' | 'new_password';

/**
 * The rules a field can break beyond what the contract's schema checks:
 * - `min_length` / `max_length`: `limit` is the bound, in code points;
 * - `common`: the password is on the common-password list;
 * - `equals_username`: the password is the username;
 * - `username_form`: once prepared (RFC 8265), the username breaks the contract's rule or
 *   the bidi rule (RFC 5893);
 * - `username_character`: it holds `character`, which is not allowed (RFC 8264 PVALID only:
 *   invisible, default-ignorable, compatibility and control characters are refused);
 * - `username_mixed_script`: it mixes scripts (UTS #39 "highly restrictive").
 */
export type FieldRule =
  | 'min_length'
  | 'max_length'
  | 'common'
  | 'equals_username'
  | 'username_form'
  | 'username_character'
  | 'username_mixed_script';

/** A field broke a rule: 422 naming the field. */
export class RuleViolationError extends DomainError {
  readonly code = 'ERR_RULE_VIOLATED';

  constructor(
    readonly field: CredentialField,
    readonly rule: FieldRule,
    readonly limit?: number,
    /** The offending character, for `username_character`. */
    readonly character?: string,
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
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'claim_missing'
  | 'unverifiable'
  | 'revoked'
  | 'session_ended'
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

/**
 * Why a refresh token was refused (RFC 6749 §5.2 `invalid_grant`). Stable codes for logs;
 * the client is told only that the grant is invalid.
 * - `malformed`: not shaped like a refresh token we issue;
 * - `unknown`: no live session has it (never issued, session ended, expired or idle);
 * - `reused`: its session had already consumed it; the session is now ended (RFC 9700 §4.14.2);
 * - `account_gone`: the session's account no longer exists.
 */
export type GrantRefusalReason = 'malformed' | 'unknown' | 'reused' | 'account_gone';

export class InvalidGrantError extends DomainError {
  readonly code = 'ERR_INVALID_GRANT';

  constructor(readonly reason: GrantRefusalReason) {
    super(`refresh token refused: ${reason}`);
  }
}

/** A password change named the wrong current password (the caller's session is valid: 400, not 401). */
export class WrongCurrentPasswordError extends DomainError {
  readonly code = 'ERR_WRONG_CURRENT_PASSWORD';

  constructor() {
    super('Current password is incorrect');
  }
}

/** The caller has no session with this id (another user's ids look the same: not found). */
export class SessionNotFoundError extends DomainError {
  readonly code = 'ERR_SESSION_NOT_FOUND';

  constructor() {
    super('Session not found');
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

/** Too many password hashes are already running or waiting: 503, try again shortly. */
export class HashingBusyError extends DomainError {
  readonly code = 'ERR_HASHING_BUSY';

  constructor(readonly retryAfterSeconds: number) {
    super(`password hashing is at capacity; retry after ${retryAfterSeconds} s`);
  }
}

/** The throttle cannot store one more key without forgetting a live one: 503, fail closed. */
export class ThrottleStateFullError extends DomainError {
  readonly code = 'ERR_THROTTLE_STATE_FULL';

  constructor(readonly retryAfterSeconds: number) {
    super(`throttle state is full; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * The store (the database) cannot answer now: unreachable, restarting, or too slow. 503 with
 * Retry-After; nothing was changed that the client must know about, so it may simply retry.
 */
export class StoreUnavailableError extends DomainError {
  readonly code = 'ERR_STORE_UNAVAILABLE';

  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`the store is unavailable; retry after ${retryAfterSeconds} s`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
