// Errors as data: stable codes (the audit trail and metrics key on them) and messages that
// state the facts, for stack traces in logs.
import {
  HashingBusyError,
  InvalidCredentialsError,
  InvalidTokenError,
  RuleViolationError,
  ThrottleStateFullError,
  TooManyAttemptsError,
  UsernameTakenError,
  InvalidGrantError,
  WrongCurrentPasswordError,
  SessionNotFoundError,
} from '../../src/domain/errors';
import { UnknownVariantError } from '../../src/http/contract/one-of-variants';
import { NotAuthenticatedError, UnsupportedMediaTypeError } from '../../src/http/http-errors';

describe('errors', () => {
  it.each<[Error & { code: string }, string, string, string]>([
    [
      new RuleViolationError('password', 'min_length', 12),
      'RuleViolationError',
      'ERR_RULE_VIOLATED',
      'password breaks the min_length rule (limit 12)',
    ],
    [
      new RuleViolationError('password', 'common'),
      'RuleViolationError',
      'ERR_RULE_VIOLATED',
      'password breaks the common rule',
    ],
    [new UsernameTakenError(), 'UsernameTakenError', 'ERR_USERNAME_TAKEN', 'Username already exists'],
    [
      new InvalidCredentialsError(),
      'InvalidCredentialsError',
      'ERR_INVALID_CREDENTIALS',
      'Incorrect username or password',
    ],
    [
      new InvalidTokenError('claim_missing', 'jti'),
      'InvalidTokenError',
      'ERR_TOKEN_REFUSED',
      'token refused: claim_missing (jti)',
    ],
    [new InvalidTokenError('expired'), 'InvalidTokenError', 'ERR_TOKEN_REFUSED', 'token refused: expired'],
    [
      new TooManyAttemptsError(30, 'login'),
      'TooManyAttemptsError',
      'ERR_TOO_MANY_ATTEMPTS',
      'too many login attempts; retry after 30 s',
    ],
    [
      new HashingBusyError(1),
      'HashingBusyError',
      'ERR_HASHING_BUSY',
      'password hashing is at capacity; retry after 1 s',
    ],
    [
      new ThrottleStateFullError(60),
      'ThrottleStateFullError',
      'ERR_THROTTLE_STATE_FULL',
      'throttle state is full; retry after 60 s',
    ],
    [new NotAuthenticatedError(), 'NotAuthenticatedError', 'ERR_NOT_AUTHENTICATED', 'no Bearer credentials: no_header'],
    [
      new NotAuthenticatedError('not_bearer'),
      'NotAuthenticatedError',
      'ERR_NOT_AUTHENTICATED',
      'no Bearer credentials: not_bearer',
    ],
    [
      new UnsupportedMediaTypeError(['application/x-www-form-urlencoded', 'multipart/form-data']),
      'UnsupportedMediaTypeError',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'unsupported media type; the operation accepts application/x-www-form-urlencoded, multipart/form-data',
    ],
    [
      new UnsupportedMediaTypeError([]),
      'UnsupportedMediaTypeError',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'unsupported media type; the operation accepts no body',
    ],
    [new InvalidGrantError('reused'), 'InvalidGrantError', 'ERR_INVALID_GRANT', 'refresh token refused: reused'],
    [
      new WrongCurrentPasswordError(),
      'WrongCurrentPasswordError',
      'ERR_WRONG_CURRENT_PASSWORD',
      'Current password is incorrect',
    ],
    [new SessionNotFoundError(), 'SessionNotFoundError', 'ERR_SESSION_NOT_FOUND', 'Session not found'],
    [
      new UnknownVariantError('grant_type', 'client_credentials'),
      'UnknownVariantError',
      'ERR_UNKNOWN_VARIANT',
      'grant_type "client_credentials" names no variant of the request body',
    ],
  ])('%s has its name, stable code and message', (err, name, code, message) => {
    expect(err).toBeInstanceOf(Error);
    expect({ name: err.name, code: err.code, message: err.message }).toEqual({ name, code, message });
  });
});
