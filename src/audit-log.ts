// Audit trail of sign-ups and logins as pino lines ({"audit": {...}}): who, from where, outcome.
import type { Logger } from 'pino';
import type { AuthEventSink } from './domain/auth-events';

export function auditSink(logger: Logger): AuthEventSink {
  const audit = logger.child({ component: 'audit' });
  return {
    record: (event) => {
      if (event.type === 'token_issued') return;
      const level = event.type === 'login' && event.outcome !== 'success' ? 'warn' : 'info';
      // jti identifies a token without being one: safe to log, and what revocation needs.
      audit[level]({ audit: event }, `${event.type} ${'outcome' in event ? event.outcome : ''}`.trim());
    },
  };
}
