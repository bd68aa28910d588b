import type { User, UserStore } from '../domain/user-store';

/** Process-local accounts: a Map keyed by the normalised username (never a plain object). */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, User>();

  async findByKey(usernameKey: string): Promise<User | undefined> {
    return this.users.get(usernameKey);
  }

  async create(user: User): Promise<boolean> {
    // Check and insert in one synchronous step: no await between them, so two concurrent
    // sign-ups for one name cannot both succeed.
    if (this.users.has(user.usernameKey)) return false;
    this.users.set(user.usernameKey, user);
    return true;
  }

  async updatePasswordHash(usernameKey: string, passwordHash: string): Promise<void> {
    const user = this.users.get(usernameKey);
    if (user) this.users.set(usernameKey, { ...user, passwordHash });
  }

  async delete(usernameKey: string): Promise<void> {
    this.users.delete(usernameKey);
  }

  async ping(): Promise<void> {}
}
