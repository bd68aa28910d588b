// The token check both baselines run: the same work as the service's TokenService
// (src/domain/token-service.ts) and bearer parsing (src/http/bearer.ts), without the framework.
/* global Buffer, process, setTimeout */
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { JWT_AUDIENCE, JWT_CLOCK_TOLERANCE_SECONDS, JWT_ISSUER, hmacKeyId } from '../fixtures.mjs';

const MAX_TOKEN_LENGTH = 4096;

/** Returns a function mapping an Authorization header to the token's `sub`, or null. */
export function createVerifier(secret) {
  // A KeyObject, as the service uses (a string secret costs ~25x more per verify).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  // The service looks the token's kid up before any signature work; one key here, one compare.
  const kid = hmacKeyId(secret);
  return (header) => {
    if (!header) return null;
    const space = header.indexOf(' ');
    if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') return null;
    const token = header.slice(space + 1).trim();
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    let decoded;
    try {
      decoded = jwt.verify(token, key, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: Math.floor(Date.now() / 1000),
        complete: true,
      });
    } catch {
      return null;
    }
    if (decoded.header.kid !== kid) return null;
    const typ = decoded.header.typ;
    if (typeof typ !== 'string' || typ.toLowerCase() !== 'at+jwt') return null;
    const sub = decoded.payload?.sub;
    return typeof sub === 'string' && sub.length > 0 ? sub : null;
  };
}

/** Both baselines leave through process.exit so `--cpu-prof` can write its profile. */
export function exitOnSignals(server) {
  const stop = () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
