import { EventEmitter } from 'node:events';
import { createLogger } from '../../src/logger';
import { installCrashPolicy } from '../../src/process-policy';
import { LogCapture } from '../helpers/test-app';

class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exit(code: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

describe('installCrashPolicy', () => {
  it.each(['unhandledRejection', 'uncaughtException'] as const)(
    'when %s fires, then it logs the error at fatal and exits 70 once, even if a second fault follows',
    (fault) => {
      const proc = new FakeProcess();
      const logs = new LogCapture();
      installCrashPolicy(proc, createLogger('info', logs));
      proc.emit(fault, new Error('first'));
      proc.emit(fault, new Error('second'));
      expect(proc.exits).toEqual([70]);
      expect(logs.entries()).toEqual([
        expect.objectContaining({
          level: 'fatal',
          fault,
          msg: `${fault}: exiting with 70`,
          err: expect.objectContaining({ message: 'first' }),
        }),
      ]);
    },
  );
});
