import {
  isLive,
  type ClientSeen,
  type Liveness,
  type Rotation,
  type Session,
  type SessionStore,
} from '../../domain/session-store';
import type { FeedCache } from './change-feed';
import type { Database } from './database';

interface SessionRow {
  id: string;
  username_key: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  client_address: string;
  user_agent: string | null;
}

const COLUMNS = 'id, username_key, created_at, last_used_at, expires_at, client_address, user_agent';
/** The same columns of `sessions s`, for the joins through consumed_refresh_tokens. */
const S_COLUMNS = COLUMNS.replace(/(\w+)/g, 's.$1');

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  usernameKey: row.username_key,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  clientAddress: row.client_address,
  userAgent: row.user_agent ?? undefined,
});

/**
 * Sessions in PostgreSQL. Rotation is one UPDATE that matches the presented digest as the
 * session's current one: the row lock makes concurrent rotations with one token take turns,
 * and every turn after the first finds the digest consumed (reuse, RFC 9700 §4.14.2).
 * isActive() is read through a per-replica cache that notifications of ended sessions
 * keep current, so the check behind every access token is a Map lookup once warm.
 */
export class PostgresSessionStore implements SessionStore {
  constructor(
    private readonly db: Database,
    /** session id -> its absolute end (epoch ms), or null: no such session (ended or never). */
    private readonly cache: FeedCache<number | null>,
  ) {}

  create(session: Session, refreshTokenHash: string, maxPerUser: number): Promise<readonly string[]> {
    return this.db
      .transaction(async (tx) => {
        // One owner's creations take turns, so the cap holds under concurrent logins.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`session-cap:${session.usernameKey}`]);
        const evicted = await tx.query<{ id: string }>(
          `DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE username_key = $1
            ORDER BY last_used_at DESC, created_at DESC OFFSET $2)
         RETURNING id`,
          [session.usernameKey, Math.max(0, maxPerUser - 1)],
        );
        await tx.query(
          `INSERT INTO sessions (id, username_key, current_hash, created_at, last_used_at, expires_at, client_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            session.id,
            session.usernameKey,
            refreshTokenHash,
            session.createdAt,
            session.lastUsedAt,
            session.expiresAt,
            session.clientAddress,
            session.userAgent ?? null,
          ],
        );
        return evicted.map((r) => r.id);
      })
      .then((evicted) => this.forget(evicted));
  }

  async rotate(presentedHash: string, nextHash: string, seen: ClientSeen, live: Liveness): Promise<Rotation> {
    const [rotated] = await this.db.query<SessionRow>(
      `WITH rotated AS (
         UPDATE sessions
            SET current_hash = $2, last_used_at = $5, client_address = $3, user_agent = $4
          WHERE current_hash = $1 AND expires_at > $5 AND ($6::timestamptz IS NULL OR last_used_at > $6)
          RETURNING ${COLUMNS}
       ), consumed AS (
         INSERT INTO consumed_refresh_tokens (hash, session_id) SELECT $1, id FROM rotated
       )
       SELECT ${COLUMNS} FROM rotated`,
      [presentedHash, nextHash, seen.clientAddress, seen.userAgent ?? null, live.now, live.usedSince ?? null],
    );
    if (rotated !== undefined) return { outcome: 'rotated', session: toSession(rotated) };
    const [owner] = await this.db.query<SessionRow>(
      `SELECT ${S_COLUMNS} FROM consumed_refresh_tokens c
         JOIN sessions s ON s.id = c.session_id WHERE c.hash = $1`,
      [presentedHash],
    );
    if (owner === undefined) {
      await this.dropIfDead(presentedHash, live);
      return { outcome: 'unknown' };
    }
    const session = toSession(owner);
    await this.db.query('DELETE FROM sessions WHERE id = $1', [session.id]);
    this.forget([session.id]);
    return isLive(session, live) ? { outcome: 'reused', session } : { outcome: 'unknown' };
  }

  async findByRefreshToken(refreshTokenHash: string, live: Liveness): Promise<Session | undefined> {
    const [row] = await this.db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM sessions WHERE current_hash = $1
       UNION ALL
       SELECT ${S_COLUMNS} FROM consumed_refresh_tokens c
         JOIN sessions s ON s.id = c.session_id WHERE c.hash = $1
       LIMIT 1`,
      [refreshTokenHash],
    );
    const session = row === undefined ? undefined : toSession(row);
    if (session === undefined || isLive(session, live)) return session;
    await this.dropIfDead(refreshTokenHash, live);
    return undefined;
  }

  /**
   * Ends the session whose current token this is when it is past its end or idle: it can
   * never be used again, and ending it now keeps it out of listings whatever their idle rule.
   */
  private async dropIfDead(currentHash: string, live: Liveness): Promise<void> {
    const dropped = await this.db.query<{ id: string }>(
      `DELETE FROM sessions
        WHERE current_hash = $1 AND NOT (expires_at > $2 AND ($3::timestamptz IS NULL OR last_used_at > $3))
        RETURNING id`,
      [currentHash, live.now, live.usedSince ?? null],
    );
    this.forget(dropped.map((r) => r.id));
  }

  async isActive(sessionId: string, now: Date): Promise<boolean> {
    const expiresAt = await this.cache.get(sessionId, async () => {
      const [row] = await this.db.query<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE id = $1', [
        sessionId,
      ]);
      return row === undefined ? null : row.expires_at.getTime();
    });
    return expiresAt !== null && expiresAt > now.getTime();
  }

  async listActive(usernameKey: string, live: Liveness): Promise<readonly Session[]> {
    const rows = await this.db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM sessions
        WHERE username_key = $1 AND expires_at > $2 AND ($3::timestamptz IS NULL OR last_used_at > $3)
        ORDER BY last_used_at DESC, created_at DESC`,
      [usernameKey, live.now, live.usedSince ?? null],
    );
    return rows.map(toSession);
  }

  async end(usernameKey: string, sessionId: string): Promise<boolean> {
    const ended = await this.db.query('DELETE FROM sessions WHERE id = $1 AND username_key = $2 RETURNING id', [
      sessionId,
      usernameKey,
    ]);
    this.forget([sessionId]);
    return ended.length > 0;
  }

  async endAll(usernameKey: string, exceptSessionId?: string): Promise<readonly string[]> {
    const ended = await this.db.query<{ id: string }>(
      'DELETE FROM sessions WHERE username_key = $1 AND ($2::text IS NULL OR id <> $2) RETURNING id',
      [usernameKey, exceptSessionId ?? null],
    );
    return this.forget(ended.map((r) => r.id));
  }

  /** Ended here: not active from this replica's next check on (the notification comes later). */
  private forget(ids: readonly string[]): readonly string[] {
    for (const id of ids) this.cache.invalidate(id);
    return ids;
  }
}
