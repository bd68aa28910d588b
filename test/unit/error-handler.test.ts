// The error tables on their own: what reaches a client for each kind of error.
import {
  InvalidGrantError,
  InvalidTokenError,
  RuleViolationError,
  SessionNotFoundError,
  TooManyAttemptsError,
  WrongCurrentPasswordError,
} from '../../src/domain/errors';
import { UnknownVariantError } from '../../src/http/contract/one-of-variants';
import { answerFor, NOT_FOUND } from '../../src/http/error-handler';
import { NotAuthenticatedError, UnsupportedMediaTypeError } from '../../src/http/http-errors';

describe('answerFor', () => {
  it('turns a domain rule violation into one FastAPI 422 item', () => {
    expect(answerFor(new RuleViolationError('password', 'min_length', 12))).toEqual({
      status: 422,
      body: {
        detail: [
          {
            loc: ['body', 'password'],
            msg: 'ensure this value has at least 12 characters',
            type: 'value_error.any_str.min_length',
          },
        ],
      },
    });
  });

  it('answers a refused token with the RFC 6750 challenge and its description, and keeps the exact reason for the log', () => {
    expect(answerFor(new InvalidTokenError('claim_missing', 'jti'))).toEqual({
      status: 401,
      body: { detail: 'Invalid token', error: 'invalid_token', error_description: 'The access token is malformed' },
      headers: {
        'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is malformed"',
      },
      log: { message: 'token refused', fields: { reason: 'claim_missing', claim: 'jti' } },
    });
    expect(answerFor(new InvalidTokenError('expired'))?.log).toStrictEqual({
      message: 'token refused',
      fields: { reason: 'expired' },
    });
  });

  it('answers missing credentials with a bare Bearer challenge (RFC 6750 §3.1), and a hint in the body when a header came without a Bearer token', () => {
    expect(answerFor(new NotAuthenticatedError())).toEqual({
      status: 401,
      body: { detail: 'Not authenticated' },
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
    for (const reason of ['not_bearer', 'no_token'] as const) {
      expect(answerFor(new NotAuthenticatedError(reason))).toEqual({
        status: 401,
        body: { detail: 'Not authenticated', hint: 'Send the token as Authorization: Bearer <token>' },
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
  });

  it.each<[string, string[], string]>([
    [
      'the forms',
      ['application/x-www-form-urlencoded', 'multipart/form-data'],
      'Unsupported media type: send the form as application/x-www-form-urlencoded (or multipart/form-data)',
    ],
    [
      'one form encoding',
      ['application/x-www-form-urlencoded'],
      'Unsupported media type: send the form as application/x-www-form-urlencoded',
    ],
    ['JSON', ['application/json'], 'Unsupported media type: send the body as application/json'],
    [
      'JSON or a form',
      ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
      'Unsupported media type: send the body as application/json (or application/x-www-form-urlencoded or multipart/form-data)',
    ],
    ['nothing', [], 'Unsupported media type'],
  ])('answers a wrong media type where the contract accepts %s with a 415 naming them', (_why, accepted, text) => {
    expect(answerFor(new UnsupportedMediaTypeError(accepted))).toEqual({ status: 415, body: { detail: text } });
  });

  it('answers an unknown grant type with RFC 6749 §5.2 unsupported_grant_type', () => {
    expect(answerFor(new UnknownVariantError('grant_type', 'client_credentials'))).toEqual({
      status: 400,
      body: {
        detail: 'Supported grant types are "password" and "refresh_token"',
        error: 'unsupported_grant_type',
        error_description: 'Supported grant types are "password" and "refresh_token"',
      },
    });
  });

  it('answers an unknown variant of any other body with a 422 naming the tag', () => {
    expect(answerFor(new UnknownVariantError('kind', 'x'))).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body', 'kind'], msg: 'unsupported kind', type: 'type_error.enum' }] },
    });
  });

  it('answers a refused refresh token with RFC 6749 §5.2 invalid_grant, the reason only in the log', () => {
    expect(answerFor(new InvalidGrantError('reused'))).toEqual({
      status: 400,
      body: {
        detail: 'The refresh token is invalid, expired or revoked',
        error: 'invalid_grant',
        error_description: 'The refresh token is invalid, expired or revoked',
      },
      log: { message: 'refresh token refused', fields: { reason: 'reused' } },
    });
  });

  it('answers a wrong current password with 400 (the session is valid) and an unknown session with 404', () => {
    expect(answerFor(new WrongCurrentPasswordError())).toEqual({
      status: 400,
      body: { detail: 'Current password is incorrect' },
    });
    expect(answerFor(new SessionNotFoundError())).toEqual({ status: 404, body: { detail: 'Session not found' } });
  });

  it.each<[TooManyAttemptsError['scope'], string]>([
    ['login', 'Too many failed login attempts; try again later'],
    ['signup', 'Too many sign-ups; try again later'],
  ])('answers a %s throttle with 429 and Retry-After', (scope, text) => {
    expect(answerFor(new TooManyAttemptsError(42, scope))).toEqual({
      status: 429,
      body: { detail: text },
      headers: { 'Retry-After': '42' },
    });
  });

  it('answers nobody when the client went away before its body arrived', () => {
    expect(answerFor({ type: 'request.aborted', status: 400 })).toBeNull();
  });

  it.each([
    ['malformed JSON', { type: 'entity.parse.failed', status: 400 }, 400, 'Malformed JSON body'],
    ['an unknown charset', { type: 'charset.unsupported', status: 415 }, 415, 'Unsupported body encoding or charset'],
    ['a 404 from the validator', { status: 404 }, 404, 'Not Found'],
    ['a 406', { status: 406 }, 406, 'Not Acceptable'],
    ['a 413', { status: 413, type: 'entity.too.large' }, 413, 'Request body too large'],
    ['a 415 of no known operation', { status: 415 }, 415, 'Unsupported media type'],
    ['another 4xx with a message', { status: 409, message: 'Conflict here' }, 409, 'Conflict here'],
    ['another 4xx without a message', { statusCode: 418 }, 418, 'Bad Request'],
    ['a 400 without validation errors', { status: 400, message: 'bad multipart' }, 400, 'bad multipart'],
  ])('answers %s with its status and a detail string', (_why, err, status, detail) => {
    expect(answerFor(err)).toMatchObject({ status, body: { detail } });
  });

  it('answers a 405 with the Allow header the validator found', () => {
    expect(answerFor({ status: 405, headers: { Allow: 'GET' } })).toEqual({
      status: 405,
      body: { detail: 'Method Not Allowed' },
      headers: { Allow: 'GET' },
    });
    expect(answerFor({ status: 405 })).toEqual({ status: 405, body: { detail: 'Method Not Allowed' } });
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
    ['null', null],
    ['a 5xx status', { status: 503 }],
    ['a status below 400', { status: 302 }],
  ])('leaves %s unanswered, for the bare 500', (_why, err) => {
    expect(answerFor(err)).toBeUndefined();
  });

  it('answers a 400 with validation errors about the request as FastAPI items, and a 400 without them as a plain detail', () => {
    expect(
      answerFor({
        status: 400,
        errors: [{ path: '/body/username', message: 'x', errorCode: 'required.openapi.validation' }],
      }),
    ).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' }] },
    });
    expect(answerFor({ status: 400, errors: [{ path: 'multipart', message: 'Unexpected end of form' }] })).toEqual({
      status: 400,
      body: { detail: 'Bad Request' },
    });
    expect(answerFor({ status: 400 })).toEqual({ status: 400, body: { detail: 'Bad Request' } });
  });

  it('shares one 404 answer for unknown routes and switched-off resources', () => {
    expect(NOT_FOUND).toEqual({ status: 404, body: { detail: 'Not Found' } });
  });
});
