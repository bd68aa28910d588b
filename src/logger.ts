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

/** Loggers createLogger made: their line format is known (see lineWriter). */
const ours = new WeakSet<Logger>();

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
  ours.add(logger);
  return logger;
}

export type LineLevel = 'debug' | 'info' | 'error';

/**
 * Writes one line whose fields are already JSON (`"key":value,…`, the message included),
 * framed exactly as `logger[level](fields)` would frame it: level label, ISO time, the
 * logger's bindings, then the fields. For the per-request line, whose fields the caller
 * builds from values it controls: pino's generic path (object walk, redaction of every
 * REDACT_PATHS entry) cost about 30 µs a line in `npm run bench`, a tenth of a request.
 * Undefined for a logger createLogger did not make (its format is unknown): log normally.
 */
export function lineWriter(logger: Logger): ((level: LineLevel, fields: string) => void) | undefined {
  if (!ours.has(logger)) return undefined;
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
  // The base bindings, serialised once by pino: `,"service":"jwt-auth-service"`.
  const bindings = internals[pino.symbols.chindingsSym] as string;
  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    stream.write(`{"level":"${level}","time":"${new Date().toISOString()}"${bindings},${fields}}\n`);
  };
}

/** A JSON string literal: printable ASCII without `"` or `\` is written as it is. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
export const jsonString = (value: string): string =>
  PLAIN_JSON_STRING.test(value) ? `"${value}"` : JSON.stringify(value);

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
