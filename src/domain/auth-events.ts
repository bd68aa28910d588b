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
  | { readonly type: 'token_issued'; readonly username: string; readonly jti: string }
  | { readonly type: 'token_revoked'; readonly username: string; readonly jti: string }
  | { readonly type: 'password_rehashed'; readonly username: string };

export interface AuthEventSink {
  record(event: AuthEvent): void;
}

export const combineSinks = (...sinks: readonly AuthEventSink[]): AuthEventSink => ({
  record: (event) => {
    for (const sink of sinks) sink.record(event);
  },
});
