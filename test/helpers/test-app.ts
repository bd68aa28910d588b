// Builds the real app through the composition root, with a fixed clock and a captured log.
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createDependencies, type AppDeps, type DependencyOverrides } from '../../src/composition-root';
import { loadConfig, type Config } from '../../src/config';
import { createApp } from '../../src/http/app';
import { loadContract, type Contract } from '../../src/http/contract/contract';
import { Argon2Pool } from '../../src/domain/argon2-pool';
import { Argon2idHasher } from '../../src/domain/password-hasher';
import { createLogger } from '../../src/logger';

/** TEST FIXTURE ONLY, never a real secret: 44 random-looking bytes (the weak-secret rules refuse "secret"). */
export const TEST_JWT_SECRET = 'FIXTURE-ONLY-k7Qw2Zr9Lm4Xv8Nb1Tc6Hj3Pd5Gs0Ye';

/** The issuer with PUBLIC_URL unset and the default port. */
export const TEST_ISSUER = 'http://localhost:8000';

export const BASE_ENV: Readonly<Record<string, string>> = {
  JWT_SECRET: TEST_JWT_SECRET,
  LOG_LEVEL: 'info',
};

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ ...BASE_ENV, ...env });
}

export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    done();
  }

  get text(): string {
    return this.lines.join('\n');
  }

  entries(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** A settable clock starting at a fixed instant. */
export class FakeClock {
  constructor(public nowMs = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  readonly now = (): number => this.nowMs;
  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

export interface TestApp {
  readonly app: Express;
  readonly deps: AppDeps;
  readonly config: Config;
  readonly clock: FakeClock;
  readonly logs: LogCapture;
}

let pool: Argon2Pool | undefined;
/**
 * One hashing pool per test file, shared by its apps (each app would otherwise start threads
 * of its own); its idle threads never keep the test process alive.
 */
export const sharedHashPool = (): Argon2Pool =>
  (pool ??= new Argon2Pool({ threads: 2, queueLimit: 1000, niceIncrement: 0 }));

const hashers = new Map<string, Promise<Argon2idHasher>>();
/**
 * One hasher per argon2 parameter set per test file: creating one hashes a random dummy
 * password, which would otherwise cost every app a full argon2id run.
 */
export const sharedHasher = (params: Config['password']['argon2']): Promise<Argon2idHasher> => {
  const key = JSON.stringify(params);
  let hasher = hashers.get(key);
  if (!hasher) hashers.set(key, (hasher = Argon2idHasher.create(sharedHashPool(), params)));
  return hasher;
};

let contractPromise: Promise<Contract> | undefined;
/** The contract is immutable; load and check it once per test file. */
export const sharedContract = (): Promise<Contract> => (contractPromise ??= loadContract());

export async function buildTestApp(
  env: Record<string, string> = {},
  overrides: Omit<DependencyOverrides, 'clock'> & { clock?: FakeClock } = {},
): Promise<TestApp> {
  const config = testConfig(env);
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const clock = overrides.clock ?? new FakeClock();
  const deps = await createDependencies(config, logger, {
    ...overrides,
    clock: clock.now,
    contract: overrides.contract ?? (await sharedContract()),
    hashPool: overrides.hashPool ?? sharedHashPool(),
    // A caller's own pool gets its own hasher (tests of a busy pool need theirs to be busy).
    hasher: overrides.hasher ?? (overrides.hashPool ? undefined : await sharedHasher(config.password.argon2)),
  });
  return { app: createApp(deps), deps, config, clock, logs };
}

/** The test clock's current time in whole seconds, as JWT claims count it. */
export const nowSeconds = (t: TestApp): number => Math.floor(t.clock.now() / 1000);
