// Audit trail of sign-ups and logins as pino lines ({"audit": {...}}): who, from where, outcome.
import type { Logger } from 'pino';
import type { AuthEvent, AuthEventSink } from './domain/auth-events';

/** Events an operator may need to act on: failed or throttled credentials, a replayed refresh token. */
function isWarning(event: AuthEvent): boolean {
  switch (event.type) {
    case 'login':
    case 'password_change':
    case 'account_deleted':
    case 'token_refreshed':
      return event.outcome !== 'success';
    case 'session_ended':
      return event.reason === 'refresh_token_reused';
    default:
      return false;
  }
}

export function auditSink(logger: Logger): AuthEventSink {
  const audit = logger.child({ component: 'audit' });
  return {
    record: (event) => {
      if (event.type === 'token_issued') return;
      const level = isWarning(event) ? 'warn' : 'info';
      // jti identifies a token without being one: safe to log, and what revocation needs.
      audit[level]({ audit: event }, `${event.type} ${'outcome' in event ? event.outcome : ''}`.trim());
    },
  };
}
