// Everything the API does before validation, in one middleware: a constant set of response
// headers (helmet's, plus no-store caching), the body-size check, and the body parsers, run
// only when a body is announced. `npm run bench` measured each Express layer and each
// per-request helmet pass as real cost on the hot GET /protected path.
import type { Request, RequestHandler, Response } from 'express';
import type { HeaderList } from './security-headers';

/** 16 KiB: far above any legitimate sign-up or login form. */
export const BODY_LIMIT_BYTES = 16 * 1024;

// Stryker disable all: skipping the parsers is a saving, not a behaviour; on a bodiless request they do nothing.
const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
// Stryker restore all

export function apiPreamble(headers: HeaderList, parsers: readonly RequestHandler[]): RequestHandler {
  const parse = (req: Request, res: Response, next: (err?: unknown) => void, i: number): void => {
    const parser = parsers[i];
    if (!parser) {
      next();
      return;
    }
    void parser(req, res, (err?: unknown) => (err ? next(err) : parse(req, res, next, i + 1)));
  };

  return (req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    // Stryker disable next-line ConditionalExpression,BlockStatement: as hasBody above.
    if (!hasBody(req)) {
      next();
      return;
    }
    // Refuse a declared Content-Length over the limit before any parser reads the body; the
    // parsers keep their own limits for chunked bodies.
    // A chunked body has no Content-Length: NaN, never over the limit here.
    if (Number(req.headers['content-length']) > BODY_LIMIT_BYTES) {
      // Nobody reads the body that follows, so the connection cannot be reused.
      res.setHeader('Connection', 'close');
      // Stryker disable next-line StringLiteral: the error handler answers by status; the message is never shown.
      next(Object.assign(new Error('request body too large'), { status: 413 }));
      return;
    }
    parse(req, res, next, 0);
  };
}
