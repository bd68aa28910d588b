// Two replicas of the built service (node dist/main.js) over one PostgreSQL: tokens, sessions
// and throttle counters are shared, and what one replica ends the other refuses within a
// stated delay although it caches sessions, users and revocations (the change feed).
import { PASSWORD } from '../helpers/accounts';
import { protectedRoute, signup, token } from '../helpers/http-client';
import { startTestDatabase, type TestDatabase } from '../helpers/postgres';
import {
  changePasswordAt,
  logoutAt,
  pairOf,
  protectedStatus,
  refreshAt,
  replicaEnv,
  report,
  revokeAt,
  startReplica,
  within,
  type Replica,
} from '../helpers/postgres-service';
import { buildDist } from '../helpers/service-process';

jest.setTimeout(60_000);

/** The delay within which a change at one replica is seen at the other. */
const PROPAGATION_MS = 2_000;
/** Failed logins one account may have from one address (this file's setting). */
const MAX_FAILURES = 4;
const NEW_PASSWORD = 'a brand new passphrase for replicas';

let database: TestDatabase;
let a: Replica;
let b: Replica;
let serial = 0;

/** A new account, signed up at `at`. */
async function account(at: Replica, prefix: string): Promise<string> {
  serial += 1;
  const name = `${prefix}${serial}`;
  expect((await signup(at.base, name)).status).toBe(200);
  return name;
}

async function loginAt(at: Replica, name: string, password = PASSWORD) {
  const res = await token(at.base, name, password);
  expect(res.status).toBe(200);
  return pairOf(res);
}

beforeAll(async () => {
  buildDist();
  database = await startTestDatabase();
  await database.truncate();
  const env = replicaEnv(database.url, { LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: String(MAX_FAILURES) });
  // One after the other: starting together is the start-up tests' business.
  a = await startReplica(env);
  b = await startReplica(env);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.service.stop(), b?.service.stop()]);
  await database?.destroy();
}, 60_000);

describe('two replicas over one database', () => {
  it('a token issued by A is accepted by B, and an account signed up at A logs in at B', async () => {
    const name = await account(a, 'shared');
    const fromA = await loginAt(a, name);
    const atB = await protectedRoute(b.base, fromA.access);
    expect({ status: atB.status, body: atB.body }).toEqual({
      status: 200,
      body: { message: `Hello ${name}! This is a protected route` },
    });
    const fromB = await loginAt(b, name);
    expect(await protectedStatus(a.base, fromB.access)).toBe(200);
  });

  it('a refresh token from A refreshes at B; presenting the consumed one again at A is 400 invalid_grant and ends the session at both (RFC 9700 §4.14.2)', async () => {
    const name = await account(a, 'rotating');
    const first = await loginAt(a, name);
    const refreshed = await refreshAt(b.base, first.refresh);
    expect(refreshed.status).toBe(200);
    const second = pairOf(refreshed);
    // Both replicas have seen (and cached) the session before the replay.
    expect(await protectedStatus(a.base, second.access)).toBe(200);
    expect(await protectedStatus(b.base, second.access)).toBe(200);

    const replay = await refreshAt(a.base, first.refresh);
    expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 400, error: 'invalid_grant' });

    expect(await protectedStatus(a.base, second.access)).toBe(401);
    const delay = await within(
      'B refuses the ended session',
      PROPAGATION_MS,
      async () => (await protectedStatus(b.base, second.access)) === 401,
    );
    const newest = await refreshAt(b.base, second.refresh);
    expect({ status: newest.status, error: newest.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    expect((await refreshAt(a.base, second.refresh)).status).toBe(400);
    report({ test: 'replicas', propagation: 'refresh-token replay ends the session', delayMs: delay });
  });
});

describe(`what A ends, B refuses within ${PROPAGATION_MS} ms although B cached it`, () => {
  it('when the session is logged out at A, then its access token is refused at B', async () => {
    const name = await account(a, 'leaving');
    const pair = await loginAt(a, name);
    expect(await protectedStatus(b.base, pair.access)).toBe(200);
    expect(await protectedStatus(b.base, pair.access)).toBe(200);

    expect((await logoutAt(a.base, pair.access)).status).toBe(204);
    const delay = await within(
      'B refuses the logged-out session',
      PROPAGATION_MS,
      async () => (await protectedStatus(b.base, pair.access)) === 401,
    );
    expect(await protectedStatus(a.base, pair.access)).toBe(401);
    expect((await refreshAt(b.base, pair.refresh)).status).toBe(400);
    report({ test: 'replicas', propagation: 'logout', delayMs: delay });
  });

  it('when an access token is revoked at A (RFC 7009), then it is refused at B, and its session still refreshes', async () => {
    const name = await account(a, 'revoked');
    const pair = await loginAt(a, name);
    expect(await protectedStatus(b.base, pair.access)).toBe(200);
    expect(await protectedStatus(b.base, pair.access)).toBe(200);

    const revoked = await revokeAt(a.base, pair.access);
    expect({ status: revoked.status, body: revoked.body }).toEqual({ status: 200, body: {} });
    const delay = await within(
      'B refuses the revoked access token',
      PROPAGATION_MS,
      async () => (await protectedStatus(b.base, pair.access)) === 401,
    );
    expect(await protectedStatus(a.base, pair.access)).toBe(401);
    // An access token alone was revoked, not its session.
    const refreshed = await refreshAt(b.base, pair.refresh);
    expect(refreshed.status).toBe(200);
    expect(await protectedStatus(b.base, pairOf(refreshed).access)).toBe(200);
    report({ test: 'replicas', propagation: 'revoke access token', delayMs: delay });
  });

  it('when the password is changed at A, then the other sessions are refused at B, the old password fails at B and the new one works (OWASP ASVS 5.0 §7.4)', async () => {
    const name = await account(a, 'changer');
    const caller = await loginAt(a, name);
    const otherAtA = await loginAt(a, name);
    // A login at B: B has read (and cached) the account with its old password hash.
    const otherAtB = await loginAt(b, name);
    for (const pair of [caller, otherAtA, otherAtB]) expect(await protectedStatus(b.base, pair.access)).toBe(200);

    expect((await changePasswordAt(a.base, caller.access, PASSWORD, NEW_PASSWORD)).status).toBe(204);
    const delay = await within("B refuses the account's other sessions", PROPAGATION_MS, async () => {
      const statuses = await Promise.all([otherAtA, otherAtB].map((p) => protectedStatus(b.base, p.access)));
      return statuses.every((s) => s === 401);
    });
    // The account changes before its sessions end, in that order, so B has seen both by now.
    const old = await token(b.base, name, PASSWORD);
    expect({ status: old.status, detail: old.body.detail }).toEqual({
      status: 401,
      detail: 'Incorrect username or password',
    });
    const fresh = await loginAt(b, name, NEW_PASSWORD);
    expect(await protectedStatus(b.base, fresh.access)).toBe(200);
    // The caller's own session stays.
    expect(await protectedStatus(b.base, caller.access)).toBe(200);
    expect((await refreshAt(b.base, caller.refresh)).status).toBe(200);
    expect((await refreshAt(b.base, otherAtB.refresh)).status).toBe(400);
    report({ test: 'replicas', propagation: 'password change ends other sessions', delayMs: delay });
  });
});

describe(`failed logins are counted across replicas (LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP=${MAX_FAILURES})`, () => {
  it('when wrong passwords alternate between A and B from one address, then exactly 4 are answered 401 and every later one 429, the right password included (OWASP Authentication Cheat Sheet: throttling)', async () => {
    const name = await account(a, 'guessed');
    const statuses: number[] = [];
    for (let i = 0; i < 2 * MAX_FAILURES + 2; i++) {
      statuses.push((await token((i % 2 === 0 ? a : b).base, name, `wrong guess number ${i}`)).status);
    }
    expect(statuses).toEqual([...Array<number>(MAX_FAILURES).fill(401), ...Array<number>(MAX_FAILURES + 2).fill(429)]);
    for (const at of [a, b]) {
      const refused = await token(at.base, name, PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
  });

  it('when 12 wrong passwords arrive at once, 6 at each replica, then exactly 4 are answered 401 and 8 are 429', async () => {
    const name = await account(b, 'stormed');
    const attempts = Array.from({ length: 12 }, (_, i) => token((i % 2 === 0 ? a : b).base, name, `wrong guess ${i}`));
    const statuses = (await Promise.all(attempts)).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MAX_FAILURES);
  });
});
