// The persistence port for sessions: one session ("family", RFC 9700 §4.14.2) per login,
// holding the hash of its one current refresh token and of every token it has consumed.
// Every method is async so a database can replace the in-memory implementation; each
// method is one atomic step in the store (a PostgreSQL store does each in one statement or
// transaction).

export interface Session {
  /** The session id: 128 random bits, base64url; the access tokens' `sid` claim. */
  readonly id: string;
  /** The owner's username key (User.usernameKey). */
  readonly usernameKey: string;
  readonly createdAt: Date;
  /** The last login or refresh. */
  readonly lastUsedAt: Date;
  /** The absolute end (REFRESH_TOKEN_EXPIRE_DAYS after the login): no refresh after it. */
  readonly expiresAt: Date;
  /** The client's address at the last login or refresh. */
  readonly clientAddress: string;
  /** The client's User-Agent at the last login or refresh, shortened; undefined when none was sent. */
  readonly userAgent: string | undefined;
}

/** When a session counts as live: before `expiresAt`, and (with an idle timeout) used since `usedSince`. */
export interface Liveness {
  readonly now: Date;
  /** Sessions whose last use is at or before this instant have timed out; undefined: no idle timeout. */
  readonly usedSince: Date | undefined;
}

/** The one definition of a live session, shared by every store: before its end, and used since `usedSince`. */
export const isLive = (session: Session, { now, usedSince }: Liveness): boolean =>
  session.expiresAt > now && (usedSince === undefined || session.lastUsedAt > usedSince);

/** What a refresh token presented for rotation turned out to be. */
export type Rotation =
  /** The session's current token: it is consumed now, and `nextHash` is the current one. */
  | { readonly outcome: 'rotated'; readonly session: Session }
  /** A token this session already consumed: the store has ended the session (reuse detection). */
  | { readonly outcome: 'reused'; readonly session: Session }
  /** No live session knows this token (never issued, session ended, expired or timed out). */
  | { readonly outcome: 'unknown' };

/** What a rotation records about the client besides the new token. */
export interface ClientSeen {
  readonly clientAddress: string;
  readonly userAgent: string | undefined;
}

export interface SessionStore {
  /**
   * Records a new session with its first refresh token. When the owner then has more than
   * `maxPerUser` live sessions, the least recently used are ended; their ids are returned.
   */
  create(session: Session, refreshTokenHash: string, maxPerUser: number): Promise<readonly string[]>;
  /**
   * Consumes the refresh token whose hash is `presentedHash`, atomically: of any number of
   * concurrent calls with one token, exactly one sees `rotated`. A token the session had
   * already consumed ends the session (`reused`).
   */
  rotate(presentedHash: string, nextHash: string, seen: ClientSeen, live: Liveness): Promise<Rotation>;
  /** The live session a refresh token (current or consumed) belongs to. */
  findByRefreshToken(refreshTokenHash: string, live: Liveness): Promise<Session | undefined>;
  /**
   * True when the session exists, has not ended and has not passed its absolute end. The
   * check behind every access token: it must cost no more than a lookup by key.
   */
  isActive(sessionId: string, now: Date): Promise<boolean>;
  /** The owner's live sessions, most recently used first. */
  listActive(usernameKey: string, live: Liveness): Promise<readonly Session[]>;
  /** Ends one session of this owner; false when the owner has no such session. */
  end(usernameKey: string, sessionId: string): Promise<boolean>;
  /** Ends every session of this owner but `exceptSessionId`; returns the ids it ended. */
  endAll(usernameKey: string, exceptSessionId?: string): Promise<readonly string[]>;
}
