import type { User, UserStore } from '../domain/user-store';

/** Process-local accounts: Maps keyed by the username key and by each skeleton (never plain objects). */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, User>();
  /** skeleton -> username key */
  private readonly skeletons = new Map<string, string>();

  async findByKey(usernameKey: string): Promise<User | undefined> {
    return this.users.get(usernameKey);
  }

  async isNameTaken(usernameKey: string, skeletons: readonly string[]): Promise<boolean> {
    return this.taken(usernameKey, skeletons);
  }

  async create(user: User): Promise<boolean> {
    // Check and insert in one synchronous step: no await between them, so two concurrent
    // sign-ups for one name (or two look-alikes) cannot both succeed.
    if (this.taken(user.usernameKey, user.skeletons)) return false;
    this.users.set(user.usernameKey, user);
    for (const skeleton of user.skeletons) this.skeletons.set(skeleton, user.usernameKey);
    return true;
  }

  async updatePasswordHash(usernameKey: string, passwordHash: string, changedAt?: Date): Promise<void> {
    const user = this.users.get(usernameKey);
    if (user)
      this.users.set(usernameKey, { ...user, passwordHash, passwordChangedAt: changedAt ?? user.passwordChangedAt });
  }

  async delete(usernameKey: string, createdAt?: Date): Promise<boolean> {
    const user = this.users.get(usernameKey);
    if (!user || (createdAt !== undefined && user.createdAt.getTime() !== createdAt.getTime())) return false;
    this.users.delete(usernameKey);
    for (const skeleton of user.skeletons) this.skeletons.delete(skeleton);
    return true;
  }

  async ping(): Promise<void> {}

  private taken(usernameKey: string, skeletons: readonly string[]): boolean {
    return this.users.has(usernameKey) || skeletons.some((s) => this.skeletons.has(s));
  }
}
