// One JSON line per request: a request id honoured from / echoed in X-Request-Id, and the
// method, path, status and duration, never headers, query strings or bodies.
//
// This replaces pino-http, which built two child loggers per request and serialised (and
// redacted) their bindings whether or not anything logged through them: measured by
// `npm run bench`, that was the largest single per-request cost of the service. The line
// it writes keeps pino-http's shape (reqId, req, res, responseTime).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { jsonString, lineWriter, type LineLevel } from '../logger';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id (X-Request-Id). */
      id: string;
      /** A child logger bound to the request id, created on first use. */
      log: Logger;
    }
  }
}

/** Accept a caller's request id only when it is short and harmless to echo and log. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Called once per request when its response is done (or the client went away). */
export type RequestObserver = (req: Request, res: Response, seconds: number) => void;

const LOGGER = Symbol('requestLogger');
const CHILD = Symbol('requestChildLogger');

/** Liveness and readiness probes: logged at debug whatever they answer. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

type LoggedRequest = Request & { [CHILD]?: Logger };

/**
 * Installs the per-request log line and `req.log` on `app`. Observers (metrics) share the
 * same timing and the same `close` listener.
 */
export function installRequestLogging(
  app: Express,
  logger: Logger,
  observers: readonly RequestObserver[] = [],
): RequestHandler {
  (app.request as unknown as Record<symbol, Logger>)[LOGGER] = logger;
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: LoggedRequest & Record<symbol, Logger>): Logger {
      return (this[CHILD] ??= (this[LOGGER] as Logger).child({ reqId: this.id }));
    },
  });

  // The line's fields are built here as JSON (lineWriter): same line, a tenth of the cost.
  const write = lineWriter(logger);
  return (req, res, next) => {
    const start = performance.now();
    req.id = requestId(req, res);
    // 'close' follows 'finish' for every response, and also fires alone when the client
    // disconnects first; one listener covers both, and it fires once.
    res.on('close', () => {
      const seconds = (performance.now() - start) / 1000;
      for (const observe of observers) observe(req, res, seconds);
      const status = res.statusCode;
      const q = req.originalUrl.indexOf('?');
      const path = q === -1 ? req.originalUrl : req.originalUrl.slice(0, q);
      // Probes arrive every few seconds from each orchestrator: debug, or they drown the log.
      const level: LineLevel = PROBE_PATHS.has(path) ? 'debug' : status >= 500 ? 'error' : 'info';
      const responseTime = Math.round(seconds * 1000);
      const aborted = !res.writableFinished;
      const msg = `${req.method} ${status}`;
      if (write) {
        const id = jsonString(req.id);
        write(
          level,
          `"reqId":${id},"req":{"id":${id},"method":${jsonString(req.method)},"path":${jsonString(path)}},` +
            `"res":{"statusCode":${status}},"responseTime":${responseTime}${aborted ? ',"aborted":true' : ''},` +
            `"msg":${jsonString(msg)}`,
        );
        return;
      }
      logger[level](
        {
          reqId: req.id,
          req: { id: req.id, method: req.method, path },
          res: { statusCode: status },
          responseTime,
          ...(aborted ? { aborted: true } : {}),
        },
        msg,
      );
    });
    next();
  };
}
