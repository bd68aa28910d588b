// How the process says it cannot start: one JSON line on stderr with the cause and the fix,
// printed last (log lines still buffered are written first), then the exit code.
import type { Logger } from 'pino';
import { flushLogsSync } from './logger';

export interface FatalLine {
  /** What failed, in one sentence: "start-up failed: …". */
  readonly msg: string;
  /** The underlying error code, when there is one (EADDRINUSE, ENOENT, a SQLSTATE…). */
  readonly cause?: string;
  /** What the operator should do. */
  readonly fix: string;
  readonly problems?: readonly string[];
}

export function exitWithFatal(line: FatalLine, exitCode: number, logger?: Logger): never {
  if (logger !== undefined) flushLogsSync(logger);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), ...line })}\n`);
  process.exit(exitCode);
}
