// Bench fixtures shared by the runner and the baseline servers.
/* global Buffer */
import { createHmac } from 'node:crypto';

// BENCH FIXTURE ONLY: this JWT secret is public (it is in the repository) and exists so the
// service and the two baselines accept the same tokens. Never use it anywhere else.
export const BENCH_JWT_SECRET = 'BENCH-FIXTURE-ONLY-jwt-auth-service-bench-Zq7Wm2Kx9Lr4Vt1Hb6';

/**
 * PUBLIC_URL of every service the bench starts. The service names itself by it as issuer
 * (`iss`, src/config.ts: JWT_ISSUER ?? PUBLIC_URL, by default http://localhost:<PORT>), so it
 * is set explicitly: the same issuer whatever port a run picks, and the baselines check it.
 * Never resolved: nothing fetches it (.invalid, RFC 6761).
 */
export const BENCH_PUBLIC_URL = 'http://auth.bench.invalid';

/** The claims the service checks (src/config.ts); the baselines check the same. */
export const JWT_ISSUER = BENCH_PUBLIC_URL;
export const JWT_AUDIENCE = 'jwt-auth-service';
export const JWT_CLOCK_TOLERANCE_SECONDS = 5;

/**
 * The `kid` the service gives an HMAC secret: hmacKeyId() in src/domain/signing-keys.ts
 * (HMAC-SHA256 of a fixed label keyed by the secret, base64url, 22 characters). bench/run.mjs
 * checks BENCH_HMAC_KID against the kid of a token the service issued.
 */
export const hmacKeyId = (secret) =>
  createHmac('sha256', Buffer.from(secret, 'utf8')).update('jwt-auth-service key id').digest('base64url').slice(0, 22);
export const BENCH_HMAC_KID = hmacKeyId(BENCH_JWT_SECRET);

/** Passes the service's password policy (length, not a common password, not the username). */
export const BENCH_PASSWORD = 'bench-fixture-Password-7f3Kq';

export const protectedBody = (sub) => JSON.stringify({ message: `Hello ${sub}! This is a protected route` });
