// The persistence port for accounts. Every method is async so a database can replace the
// in-memory implementation without touching callers.

export interface User {
  /** The username as registered, prepared (RFC 8265, case kept): shown to the user, used as `sub`. */
  readonly username: string;
  /** The lookup key: the prepared username case-folded; unique. */
  readonly usernameKey: string;
  /** UTS #39 confusable skeletons of the name; no two accounts share one. */
  readonly skeletons: readonly string[];
  /** PHC-format argon2id hash. */
  readonly passwordHash: string;
  readonly createdAt: Date;
  /** The last time the password itself changed (sign-up, then each password change; not a re-hash). */
  readonly passwordChangedAt: Date;
}

export interface UserStore {
  findByKey(usernameKey: string): Promise<User | undefined>;
  /** True when an account has this key or shares one of these skeletons (a look-alike). */
  isNameTaken(usernameKey: string, skeletons: readonly string[]): Promise<boolean>;
  /** Inserts atomically; resolves false when the key or a skeleton is already taken. */
  create(user: User): Promise<boolean>;
  /**
   * Replaces the stored hash. `changedAt` is given when the password itself changed, and
   * becomes passwordChangedAt; a re-hash of the same password (new parameters) omits it.
   */
  updatePasswordHash(usernameKey: string, passwordHash: string, changedAt?: Date): Promise<void>;
  /**
   * Deletes the account and frees its key and skeletons for a new sign-up. With `createdAt`,
   * only the account created at that instant: never a namesake signed up after it was
   * deleted. Resolves false, changing nothing, when there is no such account.
   */
  delete(usernameKey: string, createdAt?: Date): Promise<boolean>;
  /** Resolves when the store is reachable; rejects otherwise (readiness probe). */
  ping(): Promise<void>;
}
