// What the domain tells the outside world about authentication; the composition root turns
// these into audit log lines (and metrics), so the domain needs neither pino nor prom-client.

export type AuthEvent =
  | {
      readonly type: 'signup';
      readonly outcome: 'success' | 'rejected' | 'throttled';
      readonly username: string;
      readonly ip: string;
      readonly reason?: string;
    }
  | {
      readonly type: 'login';
      readonly outcome: 'success' | 'failure' | 'throttled';
      /** The account's name, when the login names an existing account. */
      readonly username?: string;
      /**
       * Otherwise a keyed digest of the attempted name (what was typed is often a password
       * entered in the wrong box): equal names give equal digests, and nothing more.
       */
      readonly usernameDigest?: string;
      readonly ip: string;
      readonly reason?: string;
    }
  | { readonly type: 'token_issued'; readonly username: string; readonly sid: string; readonly jti: string }
  | { readonly type: 'token_revoked'; readonly username: string; readonly jti: string }
  | {
      readonly type: 'token_refreshed';
      readonly outcome: 'success' | 'failure';
      /** Known only when the token belonged to a session. */
      readonly username?: string;
      readonly sid?: string;
      readonly ip: string;
      readonly reason?: string;
    }
  | {
      readonly type: 'session_ended';
      readonly username: string;
      readonly sid: string;
      readonly reason: SessionEndReason;
    }
  | {
      readonly type: 'password_change';
      readonly outcome: 'success' | 'failure' | 'throttled';
      readonly username: string;
      readonly ip: string;
      readonly reason?: string;
    }
  | {
      /** An owner deleting their account; failure and throttled: the password re-check refused it. */
      readonly type: 'account_deleted';
      readonly outcome: 'success' | 'failure' | 'throttled';
      readonly username: string;
      readonly ip: string;
      readonly reason?: string;
    }
  | { readonly type: 'password_rehashed'; readonly username: string };

/** Why a session ended: RFC 7009 revocation, logout, reuse detection, a password change... */
export type SessionEndReason =
  | 'logout'
  | 'logout_all'
  | 'ended_by_user'
  | 'revoked'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'session_limit'
  | 'account_deleted';

export interface AuthEventSink {
  record(event: AuthEvent): void;
}

export const combineSinks = (...sinks: readonly AuthEventSink[]): AuthEventSink => ({
  record: (event) => {
    for (const sink of sinks) sink.record(event);
  },
});
