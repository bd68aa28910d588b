// Durability of the built service (node dist/main.js) with STORE=postgres: a process killed
// without warning (SIGKILL: no shutdown, no flush) loses nothing it had answered for.
// Accounts, sessions, rotations, logouts, revocations and throttle counters are all found
// again by the next process on the same database.
import { PASSWORD } from '../helpers/accounts';
import { signup, token } from '../helpers/http-client';
import { startTestDatabase, type TestDatabase } from '../helpers/postgres';
import {
  logoutAt,
  pairOf,
  protectedStatus,
  refreshAt,
  replicaEnv,
  report,
  revokeAt,
  startReplica,
  type Pair,
  type Replica,
} from '../helpers/postgres-service';
import { buildDist } from '../helpers/service-process';

jest.setTimeout(90_000);

const MAX_FAILURES = 3;

let database: TestDatabase;
const started: Replica[] = [];

beforeAll(async () => {
  buildDist();
  database = await startTestDatabase();
  await database.truncate();
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((r) => r.service.stop()));
  await database?.destroy();
}, 60_000);

async function replica(): Promise<Replica> {
  const r = await startReplica(
    replicaEnv(database.url, { LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: String(MAX_FAILURES) }),
  );
  started.push(r);
  return r;
}

interface Account {
  readonly name: string;
  /** The tokens of the first login, its refresh token consumed by one refresh. */
  readonly consumed: Pair;
  /** The tokens that refresh gave: the session's current ones. */
  readonly current: Pair;
}

describe('a process killed with SIGKILL', () => {
  it('when a new process starts on the same database, then every account, session, rotation, logout, revocation and throttle counter is as the killed one left it', async () => {
    const first = await replica();
    const accounts: Account[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `durable${i}`;
      expect((await signup(first.base, name)).status).toBe(200);
      const login = await token(first.base, name);
      expect(login.status).toBe(200);
      const consumed = pairOf(login);
      const refreshed = await refreshAt(first.base, consumed.refresh);
      expect(refreshed.status).toBe(200);
      accounts.push({ name, consumed, current: pairOf(refreshed) });
    }
    // A session logged out, an access token revoked (RFC 7009), an account throttled.
    expect((await signup(first.base, 'departed')).status).toBe(200);
    const departed = pairOf(await token(first.base, 'departed'));
    expect((await logoutAt(first.base, departed.access)).status).toBe(204);
    expect((await signup(first.base, 'revoked')).status).toBe(200);
    const revoked = pairOf(await token(first.base, 'revoked'));
    expect((await revokeAt(first.base, revoked.access)).status).toBe(200);
    expect((await signup(first.base, 'guessed')).status).toBe(200);
    for (let i = 0; i < MAX_FAILURES; i++) expect((await token(first.base, 'guessed', `wrong ${i}`)).status).toBe(401);
    // The last sign-up answered right before the kill.
    expect((await signup(first.base, 'lastword')).status).toBe(200);

    first.service.child.kill('SIGKILL');
    expect(await first.service.exit).toBeNull();
    expect(first.service.child.signalCode).toBe('SIGKILL');

    const restartedAt = Date.now();
    const second = await replica();
    const restartMs = Date.now() - restartedAt;

    for (const { name, consumed, current } of accounts) {
      expect(await protectedStatus(second.base, current.access)).toBe(200);
      const refreshed = await refreshAt(second.base, current.refresh);
      expect(refreshed.status).toBe(200);
      expect(await protectedStatus(second.base, pairOf(refreshed).access)).toBe(200);
      expect((await token(second.base, name)).status).toBe(200);
      // The first login's access token outlives the rotation of its session's refresh token.
      expect(await protectedStatus(second.base, consumed.access)).toBe(200);
    }
    expect((await token(second.base, 'lastword')).status).toBe(200);
    expect(await protectedStatus(second.base, departed.access)).toBe(401);
    expect((await refreshAt(second.base, departed.refresh)).status).toBe(400);
    expect(await protectedStatus(second.base, revoked.access)).toBe(401);
    expect((await refreshAt(second.base, revoked.refresh)).status).toBe(200);
    expect((await token(second.base, 'guessed', PASSWORD)).status).toBe(429);

    // Replaying a refresh token consumed before the kill is caught as reuse (RFC 9700 §4.14.2).
    const victim = accounts[0]!;
    const replay = await refreshAt(second.base, victim.consumed.refresh);
    expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await protectedStatus(second.base, victim.current.access)).toBe(401);

    report({ test: 'durability', restartToListeningMs: restartMs, accounts: accounts.length });
  });

  it('when it is killed while sign-ups are in flight, then every sign-up it answered 200 logs in at the next process', async () => {
    const first = await replica();
    const names = Array.from({ length: 24 }, (_, i) => `inflight${i}`);
    let answeredSoFar = 0;
    let enoughAnswered: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (enoughAnswered = resolve));
    const answers = names.map((name) =>
      signup(first.base, name).then(
        (res) => {
          answeredSoFar += 1;
          if (answeredSoFar === names.length / 3) enoughAnswered();
          return res.status;
        },
        () => 'no answer',
      ),
    );
    // Kill once a third have been answered and the others are still being hashed or written.
    await enough;
    first.service.child.kill('SIGKILL');
    await first.service.exit;
    const statuses = await Promise.all(answers);
    const answered = names.filter((_, i) => statuses[i] === 200);
    expect(answered.length).toBeGreaterThan(0);
    // Nothing but 200 or no answer: a kill is not an error the service reports.
    expect(statuses.filter((s) => s !== 200 && s !== 'no answer')).toEqual([]);

    const second = await replica();
    for (const name of answered)
      expect({ name, status: (await token(second.base, name)).status }).toEqual({ name, status: 200 });
    report({ test: 'durability', inFlightSignups: names.length, answeredBeforeKill: answered.length });
  });
});
