// The HTTP server around the app: header limits, JSON answers to protocol errors Node would
// otherwise answer with a bare status or a reset, and graceful shutdown.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';

export interface HttpServerOptions {
  readonly maxHeaderBytes: number;
  /** How long shutdown keeps accepting connections before it stops listening. */
  readonly lameDuckMs: number;
  /** How long shutdown then waits for in-flight requests. */
  readonly shutdownTimeoutMs: number;
}

export interface HttpServer {
  readonly server: Server;
  /** Responses started before shutdown and not yet finished. */
  readonly inFlight: number;
  listen(port: number, host: string): Promise<number>;
  /**
   * Tells every client to close its connection after the current response, keeps accepting
   * for the lame-duck period (connections the kernel already accepted are served, not
   * reset), then stops listening and lets in-flight requests finish. Resolves true when
   * everything drained, false when the timeout cut it short.
   */
  shutdown(): Promise<boolean>;
}

const jsonError = (status: number, reason: string, detail: string): string => {
  const body = JSON.stringify({ detail });
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
};

export function createHttpServer(app: Express, logger: Logger, options: HttpServerOptions): HttpServer {
  const server = createServer({ maxHeaderSize: options.maxHeaderBytes }, app);
  // Slow-loris bounds; keep-alive a little above common load balancer idle timeouts.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code = err.code;
    let response: string;
    if (code === 'HPE_HEADER_OVERFLOW') {
      response = jsonError(431, 'Request Header Fields Too Large', 'Request header fields too large');
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      response = jsonError(408, 'Request Timeout', 'Request timeout');
    } else {
      response = jsonError(400, 'Bad Request', 'Bad request');
    }
    logger.info({ code }, 'client error');
    socket.end(response);
  });

  // Responses still being produced when shutdown starts tell their clients to close the
  // connection, so keep-alive clients reconnect elsewhere instead of hitting a closed socket.
  let draining = false;
  const pending = new Set<ServerResponse>();
  // Before the app's own listener: the app may answer within its listener (a synchronous
  // handler), after which no header can be set.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    pending.add(res);
    res.on('close', () => pending.delete(res));
  });

  return {
    server,
    get inFlight() {
      return pending.size;
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    shutdown: async () => {
      draining = true;
      for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
      // Idle keep-alive sockets have no response left to carry the close: end them now.
      server.closeIdleConnections();
      if (options.lameDuckMs > 0) {
        logger.info(
          { lameDuckMs: options.lameDuckMs },
          'lame duck: still accepting, every response closes its connection',
        );
        await new Promise((resolve) => setTimeout(resolve, options.lameDuckMs));
      }
      return new Promise<boolean>((resolve) => {
        // A keep-alive connection whose response was already under way when shutdown began
        // could not be told to close; once that response ends, the connection is idle and
        // would hold close() open until keepAliveTimeout. Close idle ones as they appear.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs: options.shutdownTimeoutMs }, 'shutdown timed out; closing remaining connections');
          clearInterval(sweep);
          server.closeAllConnections();
          resolve(false);
        }, options.shutdownTimeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          resolve(true);
        });
        server.closeIdleConnections();
      });
    },
  };
}
