// pino set-up: one JSON object per line on stdout, secrets redacted by path.
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Defence in depth: request/response serializers (src/http/request-logging.ts) never emit
 * headers or bodies, but anything that logs an object with these keys is censored too.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  'current_password',
  'new_password',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.secret',
  'req.body',
  'body',
];

/**
 * Lines are buffered up to 4 KiB and flushed at least every 250 ms: one write(2) for many
 * lines instead of one per line, which `npm run bench` showed to matter at thousands of
 * requests per second. pino flushes the buffer synchronously when the process exits.
 */
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 250;

/** The buffered stdout of each logger createLogger made, for flushLogsSync. */
const buffered = new WeakMap<Logger, { flushSync(): void }>();

/**
 * Writes the lines a logger still buffers, now: before a fatal line on stderr, so that line is
 * the last one a user sees (a warning logged earlier must not arrive after it).
 */
export function flushLogsSync(logger: Logger): void {
  try {
    buffered.get(logger)?.flushSync();
  } catch {
    // Nothing buffered yet, or stdout is gone: there is nothing left to order.
  }
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  let stream = destination;
  let stdout: ReturnType<typeof pino.destination> | undefined;
  if (!stream) {
    const out = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
    setInterval(() => out.flush(), FLUSH_EVERY_MS).unref();
    stream = stdout = out;
  }
  const logger = pino(
    {
      level,
      base: { service: 'jwt-auth-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  if (stdout !== undefined) buffered.set(logger, stdout);
  return logger;
}

/**
 * An error for a log line: its message and code (a SQLSTATE or errno) only. A driver error
 * can carry query text, parameters or a connection string: none of that is logged.
 */
export function errorSummary(err: unknown): Record<string, unknown> {
  // Duck-typed, not `instanceof Error`: Node core's errors may come from another realm.
  const { code, message } = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
  };
  if (typeof message !== 'string') return { message: String(err) };
  return { message, ...(typeof code === 'string' ? { code } : {}) };
}
