// Response headers for security: a constant set for the API, computed once from helmet, and
// helmet's page policy for Swagger UI.
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Runs a header-only middleware (helmet) once against a recording response and returns the
 * headers it set. Throws if the middleware does anything but set headers synchronously, so a
 * future helmet that depends on the request fails start-up instead of being frozen wrongly.
 */
export function recordHeaders(middleware: RequestHandler): HeaderList {
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

/**
 * The OWASP REST Security Cheat Sheet's set for every API answer: nothing may load, frame or
 * run from a response ("default-src 'none'; frame-ancestors 'none'", X-Frame-Options DENY), no
 * MIME sniffing, HSTS, no cross-origin embedding, and nothing cached (RFC 6749 §5.1 demands
 * it for /token). Helmet's headers that only matter for HTML documents or legacy browsers
 * are left off. The set never varies, so helmet runs once and its output is replayed.
 */
export function apiSecurityHeaders(): HeaderList {
  return [
    ...recordHeaders(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
        frameguard: { action: 'deny' },
        crossOriginOpenerPolicy: false,
        originAgentCluster: false,
        referrerPolicy: false,
        xDnsPrefetchControl: false,
        xDownloadOptions: false,
        xPermittedCrossDomainPolicies: false,
        xXssProtection: false,
      }),
    ),
    ['Cache-Control', 'no-store'],
    ['Pragma', 'no-cache'],
  ];
}

/**
 * Swagger UI's page needs scripts, styles and images from this origin: helmet's page policy.
 * upgrade-insecure-requests is dropped so the page also loads over plain-HTTP addresses other
 * than localhost (e.g. http://host:8000/docs from another machine).
 */
export function docsSecurityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}
