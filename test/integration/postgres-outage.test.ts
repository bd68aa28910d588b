// The built service (node dist/main.js) with STORE=postgres when PostgreSQL is not there:
// stopped under a running process (fail closed with 503, stay up, recover by itself), and
// at start-up (wait a bounded time, then exit 69 with one plain line; migrations applied
// once by replicas starting together, or by `node dist/migrate.js`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { migrationNames } from '../../src/data-access/postgres/migrations';
import { PASSWORD } from '../helpers/accounts';
import { signup, token } from '../helpers/http-client';
import { startTestDatabase, type TestDatabase } from '../helpers/postgres';
import {
  call,
  pairOf,
  protectedStatus,
  queryOnce,
  readyStatus,
  refreshAt,
  replicaEnv,
  report,
  startReplica,
  within,
  type RawJsonResponse,
  type Replica,
} from '../helpers/postgres-service';
import { buildDist, ROOT, startService, type ServiceProcess } from '../helpers/service-process';

jest.setTimeout(90_000);

/** Mirrors startTestDatabase(): with an external DATABASE_URL the server cannot be stopped. */
const ownCluster = !process.env.DATABASE_URL;
const withOwnCluster = ownCluster ? it : it.skip;

let database: TestDatabase;
const services: ServiceProcess[] = [];
const createdDatabases: string[] = [];

beforeAll(async () => {
  buildDist();
  database = await startTestDatabase();
  await database.truncate();
}, 120_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  if (database !== undefined && !database.ownCluster) {
    for (const name of createdDatabases) await queryOnce(database.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  await database?.destroy();
}, 60_000);

async function replica(env: Record<string, string>, timeoutMs?: number): Promise<Replica> {
  const r = await startReplica(env, timeoutMs);
  services.push(r.service);
  return r;
}

function started(env: Record<string, string>): ServiceProcess {
  const s = startService(env);
  services.push(s);
  return s;
}

/** An empty database of its own on the test server. */
async function freshDatabase(label: string): Promise<string> {
  const url = await database.createDatabase(`fresh_${label}`);
  createdDatabases.push(new URL(url).pathname.slice(1));
  return url;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../scripts/throwaway-postgres.js') as { freePort: () => Promise<number> };

/** 503 with a plain detail and Retry-After: nothing of the driver, the database or a stack. */
function expectUnavailable(res: RawJsonResponse): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { detail: expect.any(String) } });
  expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(res.text).not.toMatch(/\bat \S+:\d+:\d+|\n\s+at |ECONNREFUSED|stack|postgres|127\.0\.0\.1/i);
}

/** Stack frames as V8 prints them. */
const STACK_FRAME = /\n\s+at |\bat \S+ \(\S+:\d+:\d+\)|\.js:\d+:\d+/;

/** `node dist/migrate.js` with only the settings it needs; resolves with its exit code and output. */
async function runMigrate(databaseUrl: string) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'migrate.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', STORE: 'postgres', DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const messages = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  return { code, messages, stderr: err };
}

/** The parent PID in /proc/<pid>/stat (Linux); undefined once the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The cluster's postmaster and every process it started (backends, checkpointer, ...). */
async function serverProcesses(url: string): Promise<number[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  let postmaster: number | undefined;
  try {
    const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    postmaster = parentOf(row!.pid);
  } finally {
    await client.end();
  }
  if (postmaster === undefined) throw new Error('the postmaster was not found');
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

/** How long `work` takes, with its result. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const begun = Date.now();
  const value = await work();
  return { value, ms: Date.now() - begun };
}

const appliedMigrations = async (url: string) =>
  (await queryOnce<{ name: string }>(url, 'SELECT name FROM pgmigrations ORDER BY id')).map((r) => r.name);

describe('when PostgreSQL stops under a running process', () => {
  withOwnCluster(
    'then it is not ready within 2 s, answers 503 with Retry-After and a plain detail, refuses a valid token (fails closed), stays up, and serves again by itself once PostgreSQL is back',
    async () => {
      const r = await replica(replicaEnv(database.url));
      expect((await signup(r.base, 'weathered')).status).toBe(200);
      const before = pairOf(await token(r.base, 'weathered'));
      // Cached by the replica: an outage must not let the cache answer for the database.
      expect(await protectedStatus(r.base, before.access)).toBe(200);
      expect(await protectedStatus(r.base, before.access)).toBe(200);
      expect(await readyStatus(r.base)).toBe(200);

      const stopping = Date.now();
      await database.stop();
      const stopped = Date.now();
      let restarted = false;
      try {
        const notReadyMs = await within('/readyz turns 503', 2_000, async () => (await readyStatus(r.base)) === 503);

        expectUnavailable(
          await call(r.base, 'POST', '/token', { form: { username: 'weathered', password: PASSWORD } }),
        );
        expectUnavailable(
          await call(r.base, 'POST', '/signup', { json: { username: 'newcomer', password: PASSWORD } }),
        );
        expectUnavailable(await refreshAt(r.base, before.refresh));
        const guarded = await call(r.base, 'GET', '/protected', { bearer: before.access });
        expectUnavailable(guarded);
        expect((await fetch(`${r.base}/healthz`)).status).toBe(200);
        expect(r.service.child.exitCode).toBeNull();

        const starting = Date.now();
        await database.start();
        restarted = true;
        const startedAt = Date.now();
        const readyMs = await within(
          '/readyz turns 200 again',
          10_000,
          async () => (await readyStatus(r.base)) === 200,
        );

        const after = await token(r.base, 'weathered');
        expect(after.status).toBe(200);
        expect(await protectedStatus(r.base, pairOf(after).access)).toBe(200);
        expect(await protectedStatus(r.base, before.access)).toBe(200);
        expect((await refreshAt(r.base, before.refresh)).status).toBe(200);
        expect((await signup(r.base, 'newcomer')).status).toBe(200);
        expect(r.service.child.exitCode).toBeNull();
        expect(r.service.logLines().filter((l) => l.msg === 'listening')).toHaveLength(1);
        report({
          test: 'outage',
          pgStopTookMs: stopped - stopping,
          notReadyAfterStopMs: notReadyMs,
          pgStartTookMs: startedAt - starting,
          readyAfterStartMs: readyMs,
        });
      } finally {
        if (!restarted) await database.start();
      }
    },
  );
});

describe('when PostgreSQL hangs under a running process (every server process paused: connections stay open, nothing answers)', () => {
  withOwnCluster(
    'then it is not ready within 3 s, each request is answered 503 within the configured timeouts instead of hanging, and it serves again once PostgreSQL resumes',
    async () => {
      // Connections time out after 1 s, statements after 1 s (2 s on the client's side).
      const r = await replica(
        replicaEnv(database.url, { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' }),
      );
      expect((await signup(r.base, 'frozen')).status).toBe(200);
      const before = pairOf(await token(r.base, 'frozen'));
      expect(await protectedStatus(r.base, before.access)).toBe(200);
      expect(await protectedStatus(r.base, before.access)).toBe(200);

      const pids = await serverProcesses(database.url);
      // A process may end meanwhile (e.g. the backend of a connection just closed, reaped
      // once the postmaster resumes): ESRCH is no failure.
      const signal = (sig: NodeJS.Signals) => {
        for (const pid of pids) {
          try {
            process.kill(pid, sig);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
          }
        }
      };
      signal('SIGSTOP');
      let resumed = false;
      const resume = () => {
        if (resumed) return;
        resumed = true;
        signal('SIGCONT');
      };
      try {
        // The change feed's heartbeat (every 500 ms, 1 s to answer) notices it.
        const notReadyMs = await within('/readyz turns 503', 3_000, async () => (await readyStatus(r.base)) === 503);
        const login = await timed(() =>
          call(r.base, 'POST', '/token', { form: { username: 'frozen', password: PASSWORD } }),
        );
        const join = await timed(() =>
          call(r.base, 'POST', '/signup', { json: { username: 'latecomer', password: PASSWORD } }),
        );
        const guarded = await timed(() => call(r.base, 'GET', '/protected', { bearer: before.access }));
        for (const answer of [login, join, guarded]) {
          expectUnavailable(answer.value);
          expect(answer.ms).toBeLessThan(3_500);
        }
        expect((await fetch(`${r.base}/healthz`)).status).toBe(200);
        expect(r.service.child.exitCode).toBeNull();

        resume();
        const readyMs = await within(
          '/readyz turns 200 again',
          10_000,
          async () => (await readyStatus(r.base)) === 200,
        );
        expect(await protectedStatus(r.base, before.access)).toBe(200);
        expect((await token(r.base, 'frozen')).status).toBe(200);
        expect((await signup(r.base, 'latecomer')).status).toBe(200);
        report({
          test: 'hang',
          pausedProcesses: pids.length,
          notReadyAfterPauseMs: notReadyMs,
          tokenAnsweredMs: login.ms,
          signupAnsweredMs: join.ms,
          protectedAnsweredMs: guarded.ms,
          readyAfterResumeMs: readyMs,
        });
      } finally {
        resume();
      }
    },
  );
});

describe('at start-up', () => {
  it('when the database does not answer within DATABASE_STARTUP_TIMEOUT_SECONDS, then it exits 69 with one plain JSON line on stderr, no stack and no password', async () => {
    // Free a moment ago: nothing listens there.
    const port = await freePort();
    const begun = Date.now();
    const s = started(
      replicaEnv(`postgres://postgres:hunter2-fixture@127.0.0.1:${port}/postgres`, {
        DATABASE_STARTUP_TIMEOUT_SECONDS: '2',
      }),
    );
    expect(await s.exit).toBe(69);
    const tookMs = Date.now() - begun;
    const lines = s.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    const fatal = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(fatal).toEqual({
      level: 'fatal',
      time: expect.any(String),
      msg: expect.stringMatching(/did not answer within 2 s/),
      fix: expect.stringContaining('README'),
    });
    expect(fatal.msg).toMatch(/DATABASE_URL/);
    expect(s.stderr()).not.toMatch(STACK_FRAME);
    expect(s.stdout() + s.stderr()).not.toContain('hunter2-fixture');
    // It retried meanwhile, and said so.
    expect(
      s.logLines().filter((l) => l.msg === 'applying migrations: database not reachable yet, retrying').length,
    ).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(10_000);
    report({ test: 'startup', unreachableExitAfterMs: tookMs });
  });

  withOwnCluster(
    'when PostgreSQL comes up while it waits (DATABASE_STARTUP_TIMEOUT_SECONDS=30), then it starts and serves',
    async () => {
      await database.stop();
      let restarted = false;
      try {
        const begun = Date.now();
        const s = started(replicaEnv(database.url, { DATABASE_STARTUP_TIMEOUT_SECONDS: '30' }));
        await new Promise((r) => setTimeout(r, 2_000));
        expect(s.child.exitCode).toBeNull();
        await database.start();
        restarted = true;
        const upAt = Date.now();
        const base = `http://127.0.0.1:${await s.port(30_000)}`;
        const listeningAfterMs = Date.now() - upAt;
        expect(
          s.logLines().filter((l) => l.msg === 'applying migrations: database not reachable yet, retrying').length,
        ).toBeGreaterThan(0);
        expect((await signup(base, 'patient')).status).toBe(200);
        expect(await protectedStatus(base, pairOf(await token(base, 'patient')).access)).toBe(200);
        report({ test: 'startup', databaseUpAfterMs: upAt - begun, listeningAfterDatabaseUpMs: listeningAfterMs });
      } finally {
        if (!restarted) await database.start();
      }
    },
  );

  it('when two replicas start at the same moment on an empty database, then both come up and the migrations are applied once (advisory lock)', async () => {
    const url = await freshDatabase('pair');
    const env = replicaEnv(url);
    const [one, two] = await Promise.all([replica(env), replica(env)]);
    expect(await appliedMigrations(url)).toEqual(migrationNames());
    const outcomes = [one, two].map((r) =>
      r.service
        .logLines()
        .filter((l) => l.msg === 'database migrated' || l.msg === 'database schema is current')
        .map((l) => ({ msg: l.msg, applied: l.applied })),
    );
    expect(outcomes).toEqual(
      expect.arrayContaining([
        [{ msg: 'database migrated', applied: migrationNames() }],
        [{ msg: 'database schema is current', applied: [] }],
      ]),
    );
    expect((await signup(one.base, 'twin')).status).toBe(200);
    expect(await protectedStatus(one.base, pairOf(await token(two.base, 'twin')).access)).toBe(200);
  });

  it('when `node dist/migrate.js` runs on an empty database, then it applies the migrations (exit 0), a second run changes nothing (exit 0), and MIGRATE_ON_START=false then starts', async () => {
    const url = await freshDatabase('cli');
    const first = await runMigrate(url);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.messages).toContain('database migrated');
    expect(await appliedMigrations(url)).toEqual(migrationNames());

    const second = await runMigrate(url);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.messages).toContain('database schema is current');
    expect(await appliedMigrations(url)).toEqual(migrationNames());

    const r = await replica(replicaEnv(url, { MIGRATE_ON_START: 'false' }));
    expect((await signup(r.base, 'premigrated')).status).toBe(200);
  });

  it('when MIGRATE_ON_START=false and the database is empty, then it refuses to start (exit 69), naming `npm run migrate`, and changes nothing', async () => {
    const url = await freshDatabase('behind');
    const s = started(replicaEnv(url, { MIGRATE_ON_START: 'false' }));
    expect(await s.exit).toBe(69);
    const lines = s.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    const fatal = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(fatal).toEqual({
      level: 'fatal',
      time: expect.any(String),
      msg: expect.stringContaining('`npm run migrate`'),
      fix: expect.stringContaining('README'),
    });
    expect(fatal.msg).toMatch(/migration\(s\) pending/);
    expect(s.stderr()).not.toMatch(STACK_FRAME);
    expect(await queryOnce(url, "SELECT to_regclass('pgmigrations') AS t")).toEqual([{ t: null }]);
  });
});
