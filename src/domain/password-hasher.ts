// argon2id behind a small interface. @node-rs/argon2 runs each hash on libuv's thread pool,
// so hashing never blocks the event loop.
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

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
    private readonly params: Argon2Params,
    private readonly dummyHash: string,
  ) {}

  /** Async because it hashes a random password once to serve as the dummy. */
  static async create(params: Argon2Params): Promise<Argon2idHasher> {
    const dummy = await hash(randomBytes(32).toString('base64'), Argon2idHasher.options(params));
    return new Argon2idHasher(params, dummy);
  }

  private static options(params: Argon2Params) {
    return {
      algorithm: Algorithm.Argon2id,
      memoryCost: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
      outputLen: 32,
    };
  }

  hash(password: string): Promise<string> {
    return hash(password, Argon2idHasher.options(this.params));
  }

  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      // A corrupt stored hash must read as "wrong password", not as a server error.
      return false;
    }
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

  async verifyDummy(password: string): Promise<void> {
    await this.verify(this.dummyHash, password);
  }
}
