// What the process does when an error escapes every handler. An unhandled rejection or an
// uncaught exception leaves it in a state nobody reasoned about (Node's documentation: "it
// is not safe to resume normal operation"), so it logs the error at fatal and exits
// non-zero, and the orchestrator starts a fresh one.
import type { Logger } from 'pino';

/** EX_SOFTWARE (sysexits.h): an internal software error. */
export const EXIT_INTERNAL_ERROR = 70;

type Fault = 'unhandledRejection' | 'uncaughtException';

export interface CrashPolicyTarget {
  on(event: Fault, listener: (reason: unknown) => void): unknown;
  exit(code: number): never;
}

export function installCrashPolicy(target: CrashPolicyTarget, logger: Logger): void {
  let exiting = false;
  const die = (fault: Fault) => (reason: unknown) => {
    // A second fault while the first is being reported changes nothing.
    if (exiting) return;
    exiting = true;
    // pino's fatal() flushes its buffered destination synchronously, so this line is not lost.
    logger.fatal({ err: reason, fault }, `${fault}: exiting with ${EXIT_INTERNAL_ERROR}`);
    target.exit(EXIT_INTERNAL_ERROR);
  };
  target.on('unhandledRejection', die('unhandledRejection'));
  target.on('uncaughtException', die('uncaughtException'));
}
