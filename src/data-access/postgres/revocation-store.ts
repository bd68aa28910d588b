import type { Clock } from '../../domain/clock';
import type { RevocationStore } from '../../domain/revocation-store';
import type { FeedCache } from './change-feed';
import type { Database } from './database';

/**
 * Revoked access tokens in PostgreSQL, read through a per-replica cache (a revocation at one
 * replica reaches the others' caches by notification). Rows past their expiry are swept.
 */
export class PostgresRevocationStore implements RevocationStore {
  constructor(
    private readonly db: Database,
    /** jti -> the revocation's end (epoch ms), or null: not revoked. */
    private readonly cache: FeedCache<number | null>,
    private readonly clock: Clock,
  ) {}

  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
       ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(revoked_tokens.expires_at, EXCLUDED.expires_at)`,
      [jti, new Date(expiresAtMs)],
    );
    this.cache.invalidate(jti);
  }

  async isRevoked(jti: string): Promise<boolean> {
    const until = await this.cache.get(jti, async () => {
      const [row] = await this.db.query<{ expires_at: Date }>('SELECT expires_at FROM revoked_tokens WHERE jti = $1', [
        jti,
      ]);
      return row === undefined ? null : row.expires_at.getTime();
    });
    return until !== null && until > this.clock();
  }
}
