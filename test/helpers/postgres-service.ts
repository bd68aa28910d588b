// Replicas of the built service (node dist/main.js) over one PostgreSQL, for the process-level
// tests of several replicas, durability and outages: the environment they share, starting
// them, the requests http-client.ts has no helper for, and polling.
import { Client } from 'pg';
import type { JsonBody, JsonResponse } from './http-client';
import { startService, type ServiceProcess } from './service-process';
import { TEST_JWT_SECRET } from './test-app';

/** Every replica signs with the same secret and reads one database; limits not under test are out of the way. */
export function replicaEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JWT_SECRET: TEST_JWT_SECRET,
    STORE: 'postgres',
    DATABASE_URL: databaseUrl,
    // info: the "listening" line the helpers read the port from is logged at info.
    LOG_LEVEL: 'info',
    METRICS_ENABLED: 'false',
    LAME_DUCK_MS: '0',
    SIGNUP_MAX_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: '100000',
    ...extra,
  };
}

export interface Replica {
  readonly service: ServiceProcess;
  readonly base: string;
}

/** Starts a replica and waits until it listens (start-up includes migrations and the change feed). */
export async function startReplica(env: Record<string, string>, timeoutMs = 30_000): Promise<Replica> {
  const service = startService(env);
  const port = await service.port(timeoutMs);
  return { service, base: `http://127.0.0.1:${port}` };
}

function parse(text: string): JsonBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonBody;
  } catch {
    // not JSON: the assertion shows the text
  }
  return { _text: text };
}

export interface RawJsonResponse extends JsonResponse {
  /** The body as sent, for checks that nothing internal leaked into it. */
  readonly text: string;
}

export interface CallOptions {
  readonly bearer?: string;
  readonly form?: Record<string, string>;
  readonly json?: unknown;
}

/** One request; the body is a url-encoded form or JSON. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.bearer !== undefined) headers.Authorization = `Bearer ${options.bearer}`;
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parse(text), text } satisfies RawJsonResponse;
}

export interface Pair {
  readonly access: string;
  readonly refresh: string;
}

export const pairOf = (res: JsonResponse): Pair => ({
  access: res.body.access_token as string,
  refresh: res.body.refresh_token as string,
});

/** POST /token with the refresh-token grant (RFC 6749 §6). */
export const refreshAt = (base: string, refreshToken: string) =>
  call(base, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken } });

export const logoutAt = (base: string, accessToken: string) => call(base, 'POST', '/logout', { bearer: accessToken });

/** POST /revoke (RFC 7009). */
export const revokeAt = (base: string, tokenValue: string) =>
  call(base, 'POST', '/revoke', { form: { token: tokenValue } });

export const changePasswordAt = (base: string, accessToken: string, current: string, fresh: string) =>
  call(base, 'POST', '/password', { bearer: accessToken, json: { current_password: current, new_password: fresh } });

export const protectedStatus = async (base: string, accessToken: string): Promise<number> =>
  (await call(base, 'GET', '/protected', { bearer: accessToken })).status;

export const readyStatus = async (base: string): Promise<number> => (await fetch(`${base}/readyz`)).status;

/**
 * Calls `check` every `everyMs` until it is true; resolves with the milliseconds that took
 * (measured from the call), or rejects naming `what` after `timeoutMs`.
 */
export async function within(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  everyMs = 20,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs one query on a connection of its own. */
export async function queryOnce<R extends Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** One line of JSON on the test's console: figures a reader of the run can compare. */
export function report(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}
