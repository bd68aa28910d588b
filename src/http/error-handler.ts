// Errors in one place: domain errors, body-parser errors and express-openapi-validator errors
// become the response shapes openapi.yaml declares; anything else is a bare 500 whose stack
// goes to the log only.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { error as oavError } from 'express-openapi-validator';
import {
  InvalidCredentialsError,
  InvalidTokenError,
  NotAuthenticatedError,
  TooManyAttemptsError,
  UnsupportedGrantTypeError,
  UsernameTakenError,
  ValidationFailedError,
} from '../domain/errors';
import { toValidationDetail, type ValidationItem } from './validation-detail';

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  errors?: ReadonlyArray<{ path?: string; message?: string; errorCode?: string }>;
  headers?: Record<string, string>;
  message?: string;
}

const sendDetail = (res: Response, status: number, detail: string, extra?: Record<string, string>) => {
  res.status(status).json({ detail, ...extra });
};

const sendValidation = (res: Response, items: ValidationItem[]) => {
  res.status(422).json({ detail: items });
};

const BEARER_CHALLENGE = 'Bearer';
const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/** FastAPI's 404 body, for routes the contract does not know and resources switched off. */
export const sendNotFound = (res: Response): void => sendDetail(res, 404, 'Not Found');

export const notFoundHandler: RequestHandler = (_req, res) => sendNotFound(res);

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }

  if (err instanceof ValidationFailedError) {
    sendValidation(res, [{ loc: ['body', err.field], msg: err.msg, type: err.type }]);
    return;
  }
  if (err instanceof UsernameTakenError) {
    sendDetail(res, 400, err.message);
    return;
  }
  if (err instanceof InvalidCredentialsError) {
    res.setHeader('WWW-Authenticate', BEARER_CHALLENGE);
    sendDetail(res, 401, err.message, { error: 'invalid_grant', error_description: err.message });
    return;
  }
  if (err instanceof UnsupportedGrantTypeError) {
    sendDetail(res, 400, err.message, { error: 'unsupported_grant_type', error_description: err.message });
    return;
  }
  if (err instanceof NotAuthenticatedError) {
    res.setHeader('WWW-Authenticate', BEARER_CHALLENGE);
    sendDetail(res, 401, err.message);
    return;
  }
  if (err instanceof InvalidTokenError) {
    req.log.info({ reason: err.reason }, 'token refused');
    res.setHeader('WWW-Authenticate', INVALID_TOKEN_CHALLENGE);
    sendDetail(res, 401, err.message);
    return;
  }
  if (err instanceof TooManyAttemptsError) {
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
    sendDetail(res, 429, err.message);
    return;
  }

  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpishError;
  const status = e.status ?? e.statusCode;

  // body-parser (express.json / express.urlencoded)
  switch (e.type) {
    case 'entity.parse.failed':
      sendDetail(res, 400, 'Malformed JSON body');
      return;
    case 'encoding.unsupported':
    case 'charset.unsupported':
      sendDetail(res, 415, 'Unsupported body encoding or charset');
      return;
    case 'request.aborted':
      // The client went away; nobody is left to answer.
      return;
    default:
      break;
  }

  if (err instanceof oavError.BadRequest || (status === 400 && Array.isArray(e.errors))) {
    const items = toValidationDetail(e.errors ?? []);
    if (items.length > 0) {
      sendValidation(res, items);
    } else {
      sendDetail(res, 400, e.message ?? 'Bad Request');
    }
    return;
  }
  if (status === 404) {
    sendNotFound(res);
    return;
  }
  if (status === 405) {
    const allow = e.headers?.Allow ?? e.headers?.allow;
    if (allow) res.setHeader('Allow', allow);
    sendDetail(res, 405, 'Method Not Allowed');
    return;
  }
  // body-parser's entity.too.large, the validator's multipart limits and the size check in
  // api-preamble.ts all arrive here with status 413.
  if (status === 413) {
    sendDetail(res, 413, 'Request body too large');
    return;
  }
  if (status === 415) {
    sendDetail(res, 415, 'Unsupported media type');
    return;
  }
  if (status === 406) {
    sendDetail(res, 406, 'Not Acceptable');
    return;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    sendDetail(res, status, e.message ?? 'Bad Request');
    return;
  }

  req.log.error({ err }, 'unhandled error');
  sendDetail(res, 500, 'Internal Server Error');
};
