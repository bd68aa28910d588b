// Builds the real app through the composition root, with a fixed clock and a captured log.
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createDependencies, type AppDeps, type DependencyOverrides } from '../../src/composition-root';
import { loadConfig, type Config } from '../../src/config';
import { createApp } from '../../src/http/app';
import { loadContract, type Contract } from '../../src/http/contract/contract';
import { createLogger } from '../../src/logger';

/** A clearly marked test fixture, never a real secret: 48 bytes. */
export const TEST_JWT_SECRET = 'test-fixture-secret-not-for-production-0123456789';

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
  });
  return { app: createApp(deps), deps, config, clock, logs };
}

/** The test clock's current time in whole seconds, as JWT claims count it. */
export const nowSeconds = (t: TestApp): number => Math.floor(t.clock.now() / 1000);
