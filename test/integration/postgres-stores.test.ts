// The PostgreSQL stores against the same store contracts as the in-memory ones (a real
// PostgreSQL: a throwaway cluster of our own, or DATABASE_URL), then what only they have:
// migrations, sweeps, caches kept by notifications, and behaviour when the database is down.
import request from 'supertest';
import { PostgresAttemptCounter } from '../../src/data-access/postgres/attempt-counter';
import { migrate, migrationNames, pendingMigrations } from '../../src/data-access/postgres/migrations';
import { openPostgresStores } from '../../src/data-access/postgres/open';
import { PostgresRevocationStore } from '../../src/data-access/postgres/revocation-store';
import { PostgresSessionStore } from '../../src/data-access/postgres/session-store';
import { Sweeper } from '../../src/data-access/postgres/sweeper';
import { ChangeFeed, FeedCache } from '../../src/data-access/postgres/change-feed';
import { PostgresUserStore } from '../../src/data-access/postgres/user-store';
import { StoreUnavailableError } from '../../src/domain/errors';
import { loginPair, PASSWORD, refreshPair, signup, withBearer } from '../helpers/accounts';
import { startTestDatabase, type TestDatabase } from '../helpers/postgres';
import { PostgresFixture, postgresConfig, quietLogger, TEST_FEED_TIMING } from '../helpers/postgres-stores';
import { describeSessionStore } from '../helpers/session-store-suite';
import { describeAttemptCounter, describeRevocationStore, describeUserStore, userNamed } from '../helpers/store-suites';
import { buildTestApp } from '../helpers/test-app';

jest.setTimeout(60_000);

let database: TestDatabase;
let pg: PostgresFixture;

beforeAll(async () => {
  database = await startTestDatabase();
  pg = await PostgresFixture.open(database);
});

afterAll(async () => {
  await pg?.close();
  await database?.destroy();
});

describeUserStore('postgres', () => pg.users());
describeSessionStore('postgres', () => pg.sessions());
describeAttemptCounter('postgres', (clock) => pg.attempts(clock));
describeRevocationStore('postgres', (clock) => pg.revocations(clock));

describe('PostgreSQL only', () => {
  const clock = () => T0;
  const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

  /** A second replica's view of the same database: its own pool, feed and caches. */
  async function otherReplica(): Promise<PostgresFixture> {
    return PostgresFixture.open(database);
  }

  const within = async (ms: number, check: () => Promise<boolean>): Promise<number> => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - started;
  };

  const session = (id: string, owner = 'alice') => ({
    id,
    usernameKey: owner,
    createdAt: new Date(T0),
    lastUsedAt: new Date(T0),
    expiresAt: new Date(T0 + 86_400_000),
    clientAddress: '192.0.2.1',
    userAgent: undefined,
  });

  it('a session ended at one replica is inactive at another whose cache held it, within 2 s (notifications)', async () => {
    const here = await pg.sessions();
    const other = await otherReplica();
    try {
      const there = new PostgresSessionStore(other.db, other.cache('s'));
      await here.create(session('sid-a'), 'ha', 50);
      expect(await there.isActive('sid-a', new Date(T0))).toBe(true);
      // Cached now: the next answer needs no database round trip.
      expect(await there.isActive('sid-a', new Date(T0))).toBe(true);
      await here.end('alice', 'sid-a');
      const delay = await within(2000, async () => !(await there.isActive('sid-a', new Date(T0))));
      expect(delay).toBeLessThan(2000);
    } finally {
      await other.close();
    }
  });

  it('a revocation and a password change at one replica reach another replica’s caches within 2 s', async () => {
    const users = await pg.users();
    const other = await otherReplica();
    try {
      const theirUsers = new PostgresUserStore(other.db, other.cache('u'));
      const theirRevocations = new PostgresRevocationStore(other.db, other.cache('r'), clock);
      const revocations = new PostgresRevocationStore(pg.db, pg.cache('r'), clock);
      const alice = userNamed('alice', T0);
      // A replica that looked the name up before the sign-up must see the account after it.
      expect(await theirUsers.findByKey('alice')).toBeUndefined();
      await users.create(alice);
      await within(2000, async () => (await theirUsers.findByKey('alice')) !== undefined);
      await users.updatePasswordHash('alice', 'new-hash', new Date(T0 + 1000));
      await within(2000, async () => (await theirUsers.findByKey('alice'))?.passwordHash === 'new-hash');
      expect(await theirRevocations.isRevoked('jti-1')).toBe(false);
      await revocations.revoke('jti-1', T0 + 60_000);
      await within(2000, () => theirRevocations.isRevoked('jti-1'));
    } finally {
      await other.close();
    }
  });

  it('sweeps expired sessions (with their consumed tokens), revocations and closed throttle windows, and nothing live', async () => {
    const sessions = await pg.sessions();
    const live = { now: new Date(T0), usedSince: undefined };
    await sessions.create({ ...session('old'), expiresAt: new Date(T0 - 1) }, 'old-1', 50);
    await sessions.create(session('new'), 'new-1', 50);
    await sessions.rotate('new-1', 'new-2', { clientAddress: '192.0.2.1', userAgent: undefined }, live);
    const revocations = new PostgresRevocationStore(pg.db, pg.cache('r'), clock);
    await revocations.revoke('gone', T0 - 1);
    await revocations.revoke('kept', T0 + 1);
    const attempts = new PostgresAttemptCounter(pg.db, () => T0 - 2000);
    await attempts.reserve('closed', 5, 1000);
    await new PostgresAttemptCounter(pg.db, clock).reserve('open', 5, 1000);

    const counts = await new Sweeper(pg.db, clock, quietLogger).sweep();
    expect(counts).toEqual({ sessions: 1, revoked_tokens: 1, attempt_counters: 1 });
    const left = await pg.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM revoked_tokens)
            + (SELECT count(*) FROM attempt_counters) + (SELECT count(*) FROM consumed_refresh_tokens) AS n`,
    );
    expect(Number(left[0]?.n)).toBe(4);
    expect(await sessions.isActive('new', new Date(T0))).toBe(true);
  });

  it('migrations: concurrent runs on a fresh database apply each migration once; then nothing is pending', async () => {
    const config = postgresConfig(await database.createDatabase('fresh'));
    expect(await pendingMigrations(config)).toEqual(migrationNames());
    const runs = await Promise.all([
      migrate(config, quietLogger),
      migrate(config, quietLogger),
      migrate(config, quietLogger),
    ]);
    expect(runs.flat()).toEqual(migrationNames());
    expect(await pendingMigrations(config)).toEqual([]);
  });

  it('start-up gives up at once on a failure waiting cannot fix (no such database), naming it', async () => {
    const url = new URL(database.url);
    url.pathname = '/no_such_database';
    await expect(openPostgresStores(postgresConfig(url.toString()), clock, quietLogger)).rejects.toThrow(
      /applying migrations failed: database "no_such_database" does not exist/,
    );
  });

  it('opens every store through openPostgresStores, answers ping, and closes cleanly', async () => {
    await database.truncate();
    const stores = await openPostgresStores(pg.config, clock, quietLogger, { feedTiming: TEST_FEED_TIMING });
    try {
      expect(stores.kind).toBe('postgres');
      await expect(stores.ping()).resolves.toBeUndefined();
      expect(await stores.users.create(userNamed('opened'))).toBe(true);
    } finally {
      await stores.close();
    }
  });

  it('the feed cache answers from memory once warm, forgets the oldest entry beyond its size, and an entry past its TTL', async () => {
    let loads = 0;
    const load = async () => (loads += 1);
    const cache = new FeedCache<number>(pg.feed, 's', { maxEntries: 2, ttlMs: 200 });
    await cache.get('a', load);
    await cache.get('a', load);
    expect(loads).toBe(1);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(cache.size).toBe(2);
    await cache.get('a', load); // 'a' was the oldest: evicted, loaded again
    expect(loads).toBe(4);
    await new Promise((r) => setTimeout(r, 250));
    await cache.get('a', load);
    expect(loads).toBe(5);
  });

  it('a dead session found by its refresh token is not returned, and is ended on the way', async () => {
    const sessions = await pg.sessions();
    await sessions.create(session('idle'), 'idle-1', 50);
    const idleSince = { now: new Date(T0 + 1000), usedSince: new Date(T0 + 500) };
    expect(await sessions.findByRefreshToken('idle-1', idleSince)).toBeUndefined();
    expect(await sessions.listActive('alice', { now: new Date(T0), usedSince: undefined })).toEqual([]);
  });

  it('deleting an account frees its name and its look-alikes', async () => {
    const users = await pg.users();
    await users.create(userNamed('paypal'));
    await users.delete('paypal');
    expect(await users.findByKey('paypal')).toBeUndefined();
    expect(await users.create(userNamed('paypa1'))).toBe(true);
  });

  it('deleting an account deletes its skeleton rows with it (ON DELETE CASCADE), and only its own', async () => {
    const users = await pg.users();
    await users.create(userNamed('paypal'));
    await users.create(userNamed('zebra'));
    const owners = () =>
      pg.db.query<{ username: string }>(
        'SELECT DISTINCT u.username FROM user_skeletons s JOIN users u ON u.id = s.user_id ORDER BY 1',
      );
    expect(await owners()).toEqual([{ username: 'paypal' }, { username: 'zebra' }]);
    expect(await users.delete('paypal')).toBe(true);
    expect(await owners()).toEqual([{ username: 'zebra' }]);
    const [orphans] = await pg.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM user_skeletons WHERE user_id NOT IN (SELECT id FROM users)',
    );
    expect(orphans?.n).toBe('0');
  });

  it('an account deleted at one replica is gone at another whose cache held it, within 2 s (notifications)', async () => {
    const users = await pg.users();
    const other = await otherReplica();
    try {
      const theirUsers = new PostgresUserStore(other.db, other.cache('u'));
      await users.create(userNamed('leaving', T0));
      expect(await theirUsers.findByKey('leaving')).toBeDefined();
      // Cached now: only the notification can tell that replica the account is gone.
      expect(await theirUsers.findByKey('leaving')).toBeDefined();
      expect(await users.delete('leaving', new Date(T0))).toBe(true);
      await within(2000, async () => (await theirUsers.findByKey('leaving')) === undefined);
      // And a namesake signed up after it is seen there in its place.
      await users.create(userNamed('Leaving', T0 + 60_000));
      await within(2000, async () => (await theirUsers.findByKey('leaving'))?.username === 'Leaving');
    } finally {
      await other.close();
    }
  });

  it('the sweeper runs on its own every interval until stopped', async () => {
    const revocations = new PostgresRevocationStore(pg.db, pg.cache('r'), clock);
    await database.truncate();
    await revocations.revoke('expired', T0 - 1);
    const sweeper = new Sweeper(pg.db, clock, quietLogger);
    sweeper.start(20);
    try {
      await within(2000, async () => (await pg.db.query('SELECT 1 FROM revoked_tokens')).length === 0);
    } finally {
      await sweeper.stop();
    }
  });

  it('start-up retries an unreachable database with backoff, then gives up with a message saying what to check', async () => {
    const closed = postgresConfig('postgres://postgres@127.0.0.1:1/postgres', { startupTimeoutMs: 600 });
    await expect(openPostgresStores(closed, clock, quietLogger)).rejects.toThrow(
      /applying migrations: the database did not answer within 1 s \(\d+ tries; last: connect ECONNREFUSED.*Check DATABASE_URL/,
    );
  });

  it('with MIGRATE_ON_START=false, start-up refuses a database with pending migrations, naming them and the command', async () => {
    const config = postgresConfig(await database.createDatabase('unmigrated'), { migrateOnStart: false });
    await expect(openPostgresStores(config, clock, quietLogger)).rejects.toThrow(
      new RegExp(`schema is behind: 1 migration\\(s\\) pending \\(${migrationNames()[0]}\\).*npm run migrate`),
    );
    await migrate(config, quietLogger);
    const stores = await openPostgresStores(config, clock, quietLogger);
    await stores.close();
  });

  it('a listening connection that stops answering (a silent network) is noticed by the heartbeat, and the feed reconnects', async () => {
    if (!database.ownCluster || process.getuid?.() !== 0) return; // signals another user's process
    const feed = new ChangeFeed(pg.config, quietLogger, TEST_FEED_TIMING);
    await feed.start();
    try {
      const [backend] = await pg.db.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'jwt-auth-service (changes)' ORDER BY backend_start DESC LIMIT 1",
      );
      expect(backend).toBeDefined();
      process.kill(backend!.pid, 'SIGSTOP');
      try {
        await within(3000, async () => !feed.isLive());
      } finally {
        process.kill(backend!.pid, 'SIGCONT');
      }
      await within(5000, async () => feed.isLive());
    } finally {
      await feed.close();
    }
  });

  // Last: it stops and restarts the server.
  it('when the database stops, then reads fail closed with StoreUnavailableError and the feed goes down; when it returns, both recover by themselves', async () => {
    if (!database.ownCluster) return; // an external DATABASE_URL cannot be stopped
    const stores = await openPostgresStores(pg.config, clock, quietLogger, { feedTiming: TEST_FEED_TIMING });
    try {
      const sessions = stores.sessions;
      await sessions.create(session('survivor'), 'sv-1', 50);
      expect(await sessions.isActive('survivor', new Date(T0))).toBe(true);
      await database.stop();
      await within(3000, async () => {
        try {
          await stores.ping();
          return false;
        } catch {
          return true;
        }
      });
      // The cached answer is not trusted while the feed is down: the read goes to the database.
      await expect(sessions.isActive('survivor', new Date(T0))).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(stores.users.create(userNamed('during'))).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(stores.attempts.reserve('k', 5, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await database.start();
      await within(10_000, async () => {
        try {
          await stores.ping();
          return true;
        } catch {
          return false;
        }
      });
      expect(await sessions.isActive('survivor', new Date(T0))).toBe(true);
      expect(await stores.users.create(userNamed('after'))).toBe(true);
    } finally {
      await stores.close();
    }
  });
});

describe('the service with STORE=postgres (in process)', () => {
  it('signs up, logs in, refreshes and answers /protected with every store in PostgreSQL', async () => {
    await database.truncate();
    const t = await buildTestApp({ STORE: 'postgres', DATABASE_URL: database.url });
    try {
      expect(t.deps.config.store.kind).toBe('postgres');
      await signup(t.app, 'pgUser').expect(200);
      const pair = await loginPair(t.app, 'pgUser');
      await withBearer(t.app, '/protected', pair.access).expect(200);
      const next = await refreshPair(t.app, pair.refresh);
      await withBearer(t.app, '/protected', next.access).expect(200);
      await request(t.app).get('/readyz').expect(200);
      const rows = await pg.db.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE username_key = 'pguser'");
      expect(rows[0]?.n).toBe('1');
    } finally {
      await t.deps.close();
    }
  });

  it('DELETE /users/me removes the account and its sessions from PostgreSQL; the name signs up again', async () => {
    await database.truncate();
    const t = await buildTestApp({ STORE: 'postgres', DATABASE_URL: database.url });
    try {
      await signup(t.app, 'pgLeaver').expect(200);
      const pair = await loginPair(t.app, 'pgLeaver');
      await loginPair(t.app, 'pgLeaver');
      await request(t.app)
        .delete('/users/me')
        .set('Authorization', `Bearer ${pair.access}`)
        .send({ current_password: PASSWORD })
        .expect(204);
      await withBearer(t.app, '/users/me', pair.access).expect(401);
      const [left] = await pg.db.query<{ users: string; sessions: string; skeletons: string }>(
        `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM sessions) AS sessions,
                (SELECT count(*) FROM user_skeletons) AS skeletons`,
      );
      expect(left).toEqual({ users: '0', sessions: '0', skeletons: '0' });
      t.clock.advance(60);
      await signup(t.app, 'pgleaver').expect(200);
      await withBearer(t.app, '/users/me', pair.access).expect(401);
    } finally {
      await t.deps.close();
    }
  });
});
