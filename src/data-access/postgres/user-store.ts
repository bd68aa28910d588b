import type { User, UserStore } from '../../domain/user-store';
import type { FeedCache } from './change-feed';
import type { Database } from './database';

interface UserRow {
  username: string;
  username_key: string;
  skeletons: string[];
  password_hash: string;
  created_at: Date;
  password_changed_at: Date;
}

const toUser = (row: UserRow): User => ({
  username: row.username,
  usernameKey: row.username_key,
  skeletons: row.skeletons,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  passwordChangedAt: row.password_changed_at,
});

/**
 * Accounts in PostgreSQL. The username key is UNIQUE and every skeleton is a primary key of
 * user_skeletons, so the database itself refuses a second account with one name (in any
 * case) or a look-alike, whichever replica it comes from.
 */
export class PostgresUserStore implements UserStore {
  constructor(
    private readonly db: Database,
    /** Users by key; undefined entries remember "no such account" until one is created. */
    private readonly cache: FeedCache<User | undefined>,
  ) {}

  findByKey(usernameKey: string): Promise<User | undefined> {
    return this.cache.get(usernameKey, async () => {
      const [row] = await this.db.query<UserRow>(
        `SELECT username, username_key, skeletons, password_hash, created_at, password_changed_at
           FROM users WHERE username_key = $1`,
        [usernameKey],
      );
      return row === undefined ? undefined : toUser(row);
    });
  }

  async isNameTaken(usernameKey: string, skeletons: readonly string[]): Promise<boolean> {
    const [row] = await this.db.query<{ taken: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM users WHERE username_key = $1)
           OR EXISTS (SELECT 1 FROM user_skeletons WHERE skeleton = ANY ($2::text[])) AS taken`,
      [usernameKey, skeletons],
    );
    return row?.taken === true;
  }

  async create(user: User): Promise<boolean> {
    const created = await this.insert(user);
    if (created) this.cache.invalidate(user.usernameKey);
    return created;
  }

  private insert(user: User): Promise<boolean> {
    return this.db
      .transaction(async (tx) => {
        const [created] = await tx.query<{ id: string }>(
          `INSERT INTO users (username, username_key, skeletons, password_hash, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (username_key) DO NOTHING
         RETURNING id`,
          [user.username, user.usernameKey, user.skeletons, user.passwordHash, user.createdAt, user.passwordChangedAt],
        );
        if (created === undefined) return false;
        // Sorted, so two sign-ups with overlapping skeletons lock them in one order and wait
        // for each other instead of deadlocking.
        const distinct = [...new Set(user.skeletons)].sort();
        const inserted = await tx.query(
          `INSERT INTO user_skeletons (skeleton, user_id)
         SELECT skeleton, $2 FROM unnest($1::text[]) WITH ORDINALITY AS s (skeleton, n) ORDER BY n
         ON CONFLICT (skeleton) DO NOTHING
         RETURNING skeleton`,
          [distinct, created.id],
        );
        if (inserted.length === distinct.length) return true;
        throw new LookAlikeTaken();
      })
      .catch((err: unknown) => {
        if (err instanceof LookAlikeTaken) return false;
        throw err;
      });
  }

  async updatePasswordHash(usernameKey: string, passwordHash: string, changedAt?: Date): Promise<void> {
    await this.db.query(
      `UPDATE users SET password_hash = $2, password_changed_at = COALESCE($3, password_changed_at)
        WHERE username_key = $1`,
      [usernameKey, passwordHash, changedAt ?? null],
    );
    this.cache.invalidate(usernameKey);
  }

  /**
   * user_skeletons rows go with the account (ON DELETE CASCADE), and the users trigger's
   * notification drops the account from other replicas' caches.
   */
  async delete(usernameKey: string, createdAt?: Date): Promise<boolean> {
    const deleted = await this.db.query(
      `DELETE FROM users WHERE username_key = $1 AND ($2::timestamptz IS NULL OR created_at = $2)
        RETURNING id`,
      [usernameKey, createdAt ?? null],
    );
    this.cache.invalidate(usernameKey);
    return deleted.length > 0;
  }

  ping(): Promise<void> {
    return this.db.ping();
  }
}

/** Thrown inside the sign-up transaction to roll it back: a look-alike account exists. */
class LookAlikeTaken extends Error {}
