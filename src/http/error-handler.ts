// Errors in one place. Three tables turn what handlers, body-parser and
// express-openapi-validator throw into the response shapes openapi.yaml declares: one by
// error class, one by body-parser type, one by HTTP status. Anything else is a bare 500
// whose detail goes to the log only.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import {
  HashingBusyError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidTokenError,
  RuleViolationError,
  SessionNotFoundError,
  StoreUnavailableError,
  ThrottleStateFullError,
  TooManyAttemptsError,
  UsernameTakenError,
  WrongCurrentPasswordError,
} from '../domain/errors';
import { UnknownVariantError } from './contract/one-of-variants';
import { ruleItem, toValidationDetail, type ValidationItem, type ValidatorError } from './fastapi-detail';
import { errorSummary } from '../logger';
import { invalidTokenChallenge, MISSING_CREDENTIALS_HINTS, TOKEN_REFUSAL_DESCRIPTIONS } from './bearer-challenge';
import { NotAuthenticatedError, UnsupportedMediaTypeError } from './http-errors';

/** What to answer: a status, a JSON body, headers, and optionally a line for the request log. */
export interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly log?: {
    readonly message: string;
    readonly fields: Readonly<Record<string, unknown>>;
    /** info unless said: a refused client is routine, an outage is not. */
    readonly level?: 'warn';
  };
}

const detail = (status: number, text: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { detail: text },
  ...(headers ? { headers } : {}),
});

const validation = (items: ValidationItem[]): Answer => ({ status: 422, body: { detail: items } });

/** RFC 6749 §5.2 error body, keeping FastAPI's `detail` for clients of the original. */
const oauthError = (status: number, error: string, description: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { detail: description, error, error_description: description },
  ...(headers ? { headers } : {}),
});

/** RFC 6750 §3: the challenge without an error code when no credentials were presented. */
const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/** The forms, told apart from other bodies in a 415's advice. */
const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** A 415 that names what to send: the media types the operation's contract accepts. */
function unsupportedMediaType(accepted: readonly string[]): string {
  const [first, ...others] = accepted;
  if (first === undefined) return 'Unsupported media type';
  const what = accepted.every((type) => FORM_MEDIA_TYPES.has(type)) ? 'the form' : 'the body';
  return `Unsupported media type: send ${what} as ${first}${others.length > 0 ? ` (or ${others.join(' or ')})` : ''}`;
}

/** FastAPI's 404 body, for routes the contract does not know and resources switched off. */
export const NOT_FOUND: Answer = detail(404, 'Not Found');

type ErrorClass<E> = abstract new (...args: never[]) => E;
interface ClassRow {
  readonly type: ErrorClass<unknown>;
  readonly answer: (err: never) => Answer;
}
const row = <E>(type: ErrorClass<E>, answer: (err: E) => Answer): ClassRow => ({ type, answer });

const BY_CLASS: readonly ClassRow[] = [
  row(RuleViolationError, (e) => validation([ruleItem(e.field, e.rule, e.limit, e.character)])),
  row(UsernameTakenError, () => detail(400, 'Username already exists')),
  row(InvalidCredentialsError, () =>
    oauthError(401, 'invalid_grant', 'Incorrect username or password', BEARER_CHALLENGE),
  ),
  // The contract's variants of a body; at POST /token these are the grants (RFC 6749 §5.2).
  row(UnknownVariantError, (e) =>
    e.tag === 'grant_type'
      ? oauthError(400, 'unsupported_grant_type', 'Supported grant types are "password" and "refresh_token"')
      : validation([{ loc: ['body', e.tag], msg: `unsupported ${e.tag}`, type: 'type_error.enum' }]),
  ),
  row(InvalidGrantError, (e) => ({
    ...oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked'),
    log: { message: 'refresh token refused', fields: { reason: e.reason } },
  })),
  row(WrongCurrentPasswordError, () => detail(400, 'Current password is incorrect')),
  row(UnsupportedMediaTypeError, (e) => detail(415, unsupportedMediaType(e.accepted))),
  row(SessionNotFoundError, () => detail(404, 'Session not found')),
  row(NotAuthenticatedError, (e) => {
    const hint = MISSING_CREDENTIALS_HINTS[e.reason];
    return {
      status: 401,
      body: { detail: 'Not authenticated', ...(hint === undefined ? {} : { hint }) },
      headers: BEARER_CHALLENGE,
    };
  }),
  // RFC 6750 §3: the error code and description in the challenge, and beside FastAPI's `detail`.
  row(InvalidTokenError, (e) => ({
    status: 401,
    body: { detail: 'Invalid token', error: 'invalid_token', error_description: TOKEN_REFUSAL_DESCRIPTIONS[e.reason] },
    headers: { 'WWW-Authenticate': invalidTokenChallenge(e.reason) },
    log: {
      message: 'token refused',
      fields: { reason: e.reason, ...(e.claim === undefined ? {} : { claim: e.claim }) },
    },
  })),
  row(TooManyAttemptsError, (e) =>
    detail(
      429,
      e.scope === 'login' ? 'Too many failed login attempts; try again later' : 'Too many sign-ups; try again later',
      { 'Retry-After': String(e.retryAfterSeconds) },
    ),
  ),
  row(HashingBusyError, (e) =>
    detail(503, 'The service is busy checking passwords; try again shortly', {
      'Retry-After': String(e.retryAfterSeconds),
    }),
  ),
  row(ThrottleStateFullError, (e) =>
    detail(503, 'The service is under heavy load; try again later', { 'Retry-After': String(e.retryAfterSeconds) }),
  ),
  // The database is down or too slow: no stack, no driver text; the cause goes to the log.
  row(StoreUnavailableError, (e) => ({
    ...detail(503, 'The service is temporarily unavailable; try again shortly', {
      'Retry-After': String(e.retryAfterSeconds),
    }),
    log: { message: 'store unavailable', fields: { cause: errorSummary(e.cause) }, level: 'warn' },
  })),
];

/** body-parser (express.json / express.urlencoded) errors by their `type`; null: nobody to answer. */
const BY_PARSER_TYPE = new Map<string, Answer | null>([
  ['entity.parse.failed', detail(400, 'Malformed JSON body')],
  ['encoding.unsupported', detail(415, 'Unsupported body encoding or charset')],
  ['charset.unsupported', detail(415, 'Unsupported body encoding or charset')],
  // The client went away before its body arrived.
  ['request.aborted', null],
]);

/** What express-openapi-validator, body-parser and the size check attach to their errors. */
interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  errors?: ReadonlyArray<ValidatorError>;
  headers?: Record<string, string>;
  message?: string;
}

const BY_STATUS = new Map<number, (e: HttpishError) => Answer>([
  [
    400,
    (e) => {
      const items = toValidationDetail(e.errors ?? []);
      return items.length > 0 ? validation(items) : detail(400, e.message ?? 'Bad Request');
    },
  ],
  [404, () => NOT_FOUND],
  [
    405,
    (e) => {
      const allow = e.headers?.Allow ?? e.headers?.allow;
      return detail(405, 'Method Not Allowed', allow ? { Allow: allow } : undefined);
    },
  ],
  [406, () => detail(406, 'Not Acceptable')],
  // body-parser's entity.too.large, the validator's multipart limits and the size check in
  // api-preamble.ts all arrive with status 413.
  [413, () => detail(413, 'Request body too large')],
  [415, () => detail(415, 'Unsupported media type')],
]);

/** The answer for `err`; undefined when the error has no client-facing meaning (a 500). */
export function answerFor(err: unknown): Answer | null | undefined {
  const byClass = BY_CLASS.find((r) => err instanceof r.type);
  if (byClass) return byClass.answer(err as never);
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as HttpishError;
  if (e.type !== undefined && BY_PARSER_TYPE.has(e.type)) return BY_PARSER_TYPE.get(e.type);
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return BY_STATUS.get(status)?.(e) ?? detail(status, e.message ?? 'Bad Request');
}

export function send(res: Response, answer: Answer): void {
  if (answer.headers) for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.status(answer.status).json(answer.body);
}

export const notFoundHandler: RequestHandler = (_req, res) => send(res, NOT_FOUND);

export const errorHandler: ErrorRequestHandler = (err: unknown, req: Request, res: Response, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const answer = answerFor(err);
  if (answer === null) return;
  if (answer === undefined) {
    req.log.error({ err }, 'unhandled error');
    send(res, { status: 500, body: { detail: 'Internal Server Error' } });
    return;
  }
  if (answer.log) req.log[answer.log.level ?? 'info'](answer.log.fields, answer.log.message);
  send(res, answer);
};
