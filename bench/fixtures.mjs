// Bench fixtures shared by the runner and the baseline servers.
//
// BENCH FIXTURE ONLY: this JWT secret is public (it is in the repository) and exists so the
// service and the two baselines accept the same tokens. Never use it anywhere else.
export const BENCH_JWT_SECRET = 'BENCH-FIXTURE-ONLY-jwt-auth-service-bench-Zq7Wm2Kx9Lr4Vt1Hb6';

/** The service's defaults (src/config.ts): the baselines check the same claims. */
export const JWT_ISSUER = 'jwt-auth-service';
export const JWT_AUDIENCE = 'jwt-auth-service';
export const JWT_CLOCK_TOLERANCE_SECONDS = 5;

/** Passes the service's password policy (length, not a common password, not the username). */
export const BENCH_PASSWORD = 'bench-fixture-Password-7f3Kq';

export const protectedBody = (sub) => JSON.stringify({ message: `Hello ${sub}! This is a protected route` });
