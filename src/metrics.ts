// Prometheus metrics (prom-client) on a registry of the app's own: request durations by route
// and status, authentication outcomes, and the default process metrics.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AuthEventSink } from './domain/auth-events';
import type { RequestObserver } from './http/request-logging';

/** Where GET /metrics is answered: decided once, by metricsEndpoint() in composition-root.ts. */
export type MetricsEndpoint =
  { readonly on: 'nowhere' } | { readonly on: 'own-port'; readonly port: number; readonly registry: Registry };

export interface Metrics {
  readonly registry: Registry;
  /** Records every request's duration; route is the contract path, so label cardinality stays bounded. */
  readonly observeRequest: RequestObserver;
  readonly events: AuthEventSink;
}

interface OpenApiRequest {
  openapi?: { openApiRoute?: string };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, contract route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts at /token by outcome (success, failure, throttled)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const signups = new Counter({
    name: 'auth_signups_total',
    help: 'Sign-up attempts by outcome (success, rejected, throttled)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const tokensIssued = new Counter({
    name: 'auth_tokens_issued_total',
    help: 'Access tokens issued',
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'auth_rate_limit_rejections_total',
    help: 'Requests refused with 429 by the login or sign-up throttle',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const revoked = new Counter({
    name: 'auth_tokens_revoked_total',
    help: 'Access tokens revoked at /revoke',
    registers: [registry],
  });
  const rehashed = new Counter({
    name: 'auth_password_rehashes_total',
    help: 'Stored password hashes upgraded to the current argon2id parameters at login',
    registers: [registry],
  });

  const refreshes = new Counter({
    name: 'auth_token_refreshes_total',
    help: 'Refresh-token grants by outcome (success, failure)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const sessionsEnded = new Counter({
    name: 'auth_sessions_ended_total',
    help: 'Sessions ended before their time, by reason (logout, refresh_token_reused, password_changed...)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const passwordChanges = new Counter({
    name: 'auth_password_changes_total',
    help: 'Password changes by outcome (success, failure, throttled)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const accountDeletions = new Counter({
    name: 'auth_account_deletions_total',
    help: 'Account deletions by their owner, by outcome (success; failure, throttled: the password re-check)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const observeRequest: RequestObserver = (req, res, seconds) => {
    const route =
      (req as OpenApiRequest).openapi?.openApiRoute ?? (req.path.startsWith('/docs') ? '/docs' : 'unmatched');
    duration.observe({ method: req.method, route, status_code: res.statusCode }, seconds);
  };

  const events: AuthEventSink = {
    record: (event) => {
      switch (event.type) {
        case 'login':
          logins.inc({ outcome: event.outcome });
          if (event.outcome === 'throttled') rateLimited.inc({ scope: 'login' });
          break;
        case 'signup':
          signups.inc({ outcome: event.outcome });
          if (event.outcome === 'throttled') rateLimited.inc({ scope: 'signup' });
          break;
        case 'token_issued':
          tokensIssued.inc();
          break;
        case 'token_revoked':
          revoked.inc();
          break;
        case 'password_rehashed':
          rehashed.inc();
          break;
        case 'token_refreshed':
          refreshes.inc({ outcome: event.outcome });
          break;
        case 'session_ended':
          sessionsEnded.inc({ reason: event.reason });
          break;
        case 'password_change':
          passwordChanges.inc({ outcome: event.outcome });
          if (event.outcome === 'throttled') rateLimited.inc({ scope: 'login' });
          break;
        case 'account_deleted':
          accountDeletions.inc({ outcome: event.outcome });
          if (event.outcome === 'throttled') rateLimited.inc({ scope: 'login' });
          break;
      }
    },
  };

  return { registry, observeRequest, events };
}
