// argon2id behind a small interface, computed in Argon2Pool's worker threads so hashing
// never blocks the event loop and cannot pile up without bound.
import { randomBytes } from 'node:crypto';
import type { Argon2Pool } from './argon2-pool';

export interface Argon2Params {
  /** KiB; OWASP Password Storage Cheat Sheet minimum for argon2id: 19456 (19 MiB). */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID_MINIMUM: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  /** True when `phc` was made with other parameters than the current ones (re-hash on login). */
  needsRehash(phc: string): boolean;
  /**
   * Spends the same time as a real verification, for logins of unknown users, so response
   * time does not tell which usernames exist (OWASP Authentication Cheat Sheet).
   */
  verifyDummy(password: string): Promise<void>;
}

const PHC_ARGON2ID = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export class Argon2idHasher implements PasswordHasher {
  private constructor(
    private readonly pool: Argon2Pool,
    private readonly params: Argon2Params,
    private readonly dummyHash: string,
  ) {}

  /** Async because it hashes a random password once to serve as the dummy. */
  static async create(pool: Argon2Pool, params: Argon2Params): Promise<Argon2idHasher> {
    const dummy = await pool.hash(randomBytes(32).toString('base64'), params);
    return new Argon2idHasher(pool, params, dummy);
  }

  hash(password: string): Promise<string> {
    return this.pool.hash(password, this.params);
  }

  verify(phc: string, password: string): Promise<boolean> {
    return this.pool.verify(phc, password);
  }

  needsRehash(phc: string): boolean {
    const m = PHC_ARGON2ID.exec(phc);
    if (!m) return true;
    return (
      Number(m[1]) !== this.params.memoryCost ||
      Number(m[2]) !== this.params.timeCost ||
      Number(m[3]) !== this.params.parallelism
    );
  }

  /** The same pool, the same queue and the same work as a real verification. */
  async verifyDummy(password: string): Promise<void> {
    await this.pool.verify(this.dummyHash, password);
  }
}
