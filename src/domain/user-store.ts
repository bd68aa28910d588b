// The persistence port for accounts. Every method is async so a database can replace the
// in-memory implementation without touching callers.

export interface User {
  /** The username as registered, after NFKC normalisation (shown to the user, used as `sub`). */
  readonly username: string;
  /** The lookup key: NFKC + case-folded username; unique. */
  readonly usernameKey: string;
  /** PHC-format argon2id hash. */
  readonly passwordHash: string;
  readonly createdAt: Date;
}

export interface UserStore {
  findByKey(usernameKey: string): Promise<User | undefined>;
  /** Inserts atomically; resolves false when the key is already taken. */
  create(user: User): Promise<boolean>;
  updatePasswordHash(usernameKey: string, passwordHash: string): Promise<void>;
  /** Resolves when the store is reachable; rejects otherwise (readiness probe). */
  ping(): Promise<void>;
}
