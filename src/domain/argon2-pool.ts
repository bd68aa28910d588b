// argon2id off the event loop: a few worker threads at a lower OS priority (piscina), and a
// bound on the work waiting for them. Past the bound the caller is told at once (503) rather
// than queued behind a flood, so logins cannot take the rest of the service down.
import path from 'node:path';
import { Algorithm } from '@node-rs/argon2';
import { Piscina } from 'piscina';
import { HashingBusyError } from './errors';

export interface Argon2Options {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export interface Argon2PoolOptions {
  /** Worker threads; each runs one hash at a time. */
  readonly threads: number;
  /** Hashes allowed to wait for a thread; one more is refused with HashingBusyError. */
  readonly queueLimit: number;
  /** Added to the threads' nice value (Linux): 19 is the lowest priority. */
  readonly niceIncrement: number;
}

type Task =
  | { readonly op: 'hash'; readonly password: string; readonly options: object }
  | { readonly op: 'verify'; readonly phc: string; readonly password: string };

const WORKER = path.join(__dirname, 'argon2-worker.js');

export class Argon2Pool {
  private readonly pool: Piscina<Task, string | boolean>;
  private pending = 0;

  constructor(private readonly options: Argon2PoolOptions) {
    this.pool = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: options.threads,
      // Threads exit when idle, so an idle service (or a test) holds none.
      idleTimeout: 10_000,
      niceIncrement: options.niceIncrement,
    });
  }

  /** Hashes running or waiting now. */
  get load(): number {
    return this.pending;
  }

  hash(password: string, params: Argon2Options): Promise<string> {
    const options = { algorithm: Algorithm.Argon2id, ...params, outputLen: 32 };
    return this.run({ op: 'hash', password, options }) as Promise<string>;
  }

  verify(phc: string, password: string): Promise<boolean> {
    return this.run({ op: 'verify', phc, password }) as Promise<boolean>;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async run(task: Task): Promise<string | boolean> {
    if (this.pending >= this.options.threads + this.options.queueLimit) throw new HashingBusyError(1);
    this.pending += 1;
    try {
      return await this.pool.run(task);
    } finally {
      this.pending -= 1;
    }
  }
}
