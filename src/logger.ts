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
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.secret',
  'req.body',
  'body',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'jwt-auth-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
