import type { RequestHandler } from 'express';

/** 16 KiB: far above any legitimate sign-up or login form. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Refuses a declared Content-Length over the limit before any parser reads the body; the
 * parsers keep their own limits for chunked bodies.
 */
export const rejectOversizedBody: RequestHandler = (req, res, next) => {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > BODY_LIMIT_BYTES) {
    res.setHeader('Connection', 'close');
    res.status(413).json({ detail: 'Request body too large' });
    return;
  }
  next();
};
