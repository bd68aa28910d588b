// Everything the API does before validation, in one middleware: a constant set of response
// headers (helmet's, plus no-store caching), the body-size check, and the body parsers, run
// only when a body is announced. `npm run bench` measured each Express layer and each
// per-request helmet pass as real cost on the hot GET /protected path.
import type { Request, RequestHandler, Response } from 'express';

/** 16 KiB: far above any legitimate sign-up or login form. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Runs a header-only middleware (helmet) once against a recording response and returns the
 * headers it set. Throws if the middleware does anything but set headers synchronously, so a
 * future helmet that depends on the request fails start-up instead of being frozen wrongly.
 */
export function recordHeaders(middleware: RequestHandler): ReadonlyArray<readonly [string, string]> {
  const headers: Array<[string, string]> = [];
  let nextCalled = false;
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  void middleware(
    { headers: {}, method: 'GET', url: '/' } as Request,
    recorder as unknown as Response,
    (err?: unknown) => {
      if (err) throw err instanceof Error ? err : new Error('header middleware failed');
      nextCalled = true;
    },
  );
  if (!nextCalled) throw new Error('header middleware did not complete synchronously; it cannot be precomputed');
  return headers;
}

const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

export function apiPreamble(
  headers: ReadonlyArray<readonly [string, string]>,
  parsers: readonly RequestHandler[],
): RequestHandler {
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
    if (!hasBody(req)) {
      next();
      return;
    }
    // Refuse a declared Content-Length over the limit before any parser reads the body; the
    // parsers keep their own limits for chunked bodies.
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) {
      res.setHeader('Connection', 'close');
      next(Object.assign(new Error('request body too large'), { status: 413 }));
      return;
    }
    parse(req, res, next, 0);
  };
}
