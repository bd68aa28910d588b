// docker-compose.yml itself: `up -d --build` under a unique project name on a free host port,
// both HEALTHCHECKs (the service and its PostgreSQL), the seed scenario through the published
// port, the hardening and bounds the file declares, then PostgreSQL behind the stores (the
// default STORE=postgres): an account and its session outlive `restart auth`, and `down`
// without -v followed by `up` (the named volume). afterAll runs `down -v`.
// Uses `docker compose` (v2) when present, else `docker-compose` (v1).
//
// Needs a Docker engine, a compose tool, the base image and the postgres:15-bookworm image
// (`npm test` provisions them on Debian as root: scripts/provision.sh).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  ROOT,
  SMOKE_JWT_SECRET,
  freePort,
  inspectContainer,
  recordFigures,
  requireCompose,
  requireImage,
  run,
  runOk,
  uniqueUsername,
  waitForHealthy,
  type ComposeTool,
} from '../helpers/smoke-env';
import { protectedRoute, refresh, seedScenario, signup, token } from '../helpers/http-client';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const SERVICE = 'auth';
const DB = 'db';
// Compose v1 keeps only [a-z0-9] of a project name; unique so parallel runs never collide.
const PROJECT = `jwtsmoke${process.pid}${Date.now().toString(36)}`;
/** Compose names a named volume `<project>_<volume>` (v1 and v2 alike). */
const PGDATA_VOLUME = `${PROJECT}_pgdata`;
/** TEST FIXTURE ONLY: the database password of the throwaway compose project (URL-safe). */
const SMOKE_DB_PASSWORD = 'FIXTURE-ONLY-smoke-db-Qm4Tz8Kp2Wv6';

type ComposeFile = { services: Record<string, Record<string, unknown>>; volumes?: Record<string, unknown> };
const declared = (): ComposeFile => parse(readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;

let compose: ComposeTool | undefined;
let env: NodeJS.ProcessEnv = {};
let base = '';
let containerId = '';
let dbContainerId = '';
const figures: Record<string, unknown> = {};

/**
 * Only what compose itself needs from this process's environment: the file interpolates many
 * service settings (LOG_LEVEL, RATE_LIMIT_ENABLED, STORE, ...) that must not leak in from the shell.
 */
function composeEnv(port: number): NodeJS.ProcessEnv {
  const keep =
    /^(PATH|HOME|USER|TMPDIR|DOCKER_HOST|DOCKER_CONFIG|DOCKER_CERT_PATH|DOCKER_TLS_VERIFY|DOCKER_CONTEXT|(https?|no)_proxy|(HTTPS?|NO)_PROXY)$/;
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (keep.test(k) && v !== undefined) out[k] = v;
  return {
    ...out,
    PORT: String(port), // host port: the file maps "${PORT:-8000}:8000"
    JWT_SECRET: SMOKE_JWT_SECRET, // TEST FIXTURE secret, see smoke-env.ts
    // Not the file's local-only default: shows that one variable reaches both the database
    // (POSTGRES_PASSWORD) and the service (inside DATABASE_URL).
    POSTGRES_PASSWORD: SMOKE_DB_PASSWORD,
    COMPOSE_INTERACTIVE_NO_CLI: '1',
  };
}

function composeRun(args: string[], timeoutMs = 120_000) {
  const tool = compose!;
  return run(tool.cmd, [...tool.baseArgs, '-p', PROJECT, '-f', COMPOSE_FILE, ...args], { cwd: ROOT, env, timeoutMs });
}

async function composeOk(args: string[], timeoutMs = 120_000) {
  const r = await composeRun(args, timeoutMs);
  if (r.code !== 0) {
    const logs = await composeRun(['logs', '--no-color', '--tail', '50']).catch(() => undefined);
    throw new Error(
      `\`${compose!.label} ${args.join(' ')}\` exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}` +
        (logs ? `\n--- service logs ---\n${logs.stdout.slice(-3000)}` : ''),
    );
  }
  return r;
}

/** The container id of `service` in this project (one replica each). */
async function serviceId(service: string): Promise<string> {
  const id = (await composeOk(['ps', '-q', service])).stdout.trim();
  expect(id).toMatch(/^[0-9a-f]{12,64}$/);
  return id;
}

/** Waits until both services are healthy; returns the seconds the service took since it started. */
async function waitForBoth(timeoutMs = 60_000): Promise<number> {
  dbContainerId = await serviceId(DB);
  containerId = await serviceId(SERVICE);
  await waitForHealthy(dbContainerId, Date.now(), timeoutMs);
  const startedAt = Date.parse((await inspectContainer(containerId)).State.StartedAt);
  return waitForHealthy(containerId, startedAt, timeoutMs);
}

/** psql in the db container, over its socket (local connections need no password there). */
async function dbQuery(sql: string): Promise<string> {
  const r = await runOk('docker', ['exec', dbContainerId, 'psql', '-U', 'auth', '-d', 'auth', '-Atc', sql]);
  return r.stdout.trim();
}

beforeAll(async () => {
  compose = requireCompose();
  // Only the database image: the service's image is built by `up --build`, and the image
  // test names what that build needs.
  requireImage(String(declared().services[DB]!.image), 'database');
  const port = await freePort();
  env = composeEnv(port);
  base = `http://127.0.0.1:${port}`;
  figures.composeTool = compose.label;

  const upAt = Date.now();
  await composeOk(['up', '-d', '--build'], 900_000);
  figures.upSeconds = (Date.now() - upAt) / 1000;
  figures.startToHealthySeconds = await waitForBoth(90_000);
}, 1_000_000);

afterAll(async () => {
  if (Object.keys(figures).length > 0) recordFigures('compose', figures);
  if (compose) {
    const down = await composeRun(['down', '-v', '--remove-orphans', '-t', '30'], 120_000);
    if (down.code !== 0) {
      // Still leave nothing behind: remove by the project label.
      const label = `label=com.docker.compose.project=${PROJECT}`;
      const ids = (await run('docker', ['ps', '-aq', '--filter', label])).stdout.split(/\s+/).filter(Boolean);
      if (ids.length > 0) await run('docker', ['rm', '-f', '-v', ...ids]);
      await run('docker', ['network', 'rm', `${PROJECT}_default`]);
      await run('docker', ['volume', 'rm', PGDATA_VOLUME]);
    }
  }
}, 180_000);

describe('docker-compose.yml', () => {
  it('brings the service up healthy on the host port chosen by PORT', async () => {
    const info = await inspectContainer(containerId);
    expect(info.State.Health?.Status).toBe('healthy');
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    // JWT_SECRET from the compose command's environment reached the service (no random-secret warning).
    const logs = await run('docker', ['logs', containerId]);
    expect(`${logs.stdout}${logs.stderr}`).toContain('"msg":"listening"');
    expect(`${logs.stdout}${logs.stderr}`).not.toMatch(/JWT_SECRET is not set/);
  });

  it('runs PostgreSQL healthy, on the named volume, with no host port', async () => {
    const file = declared();
    expect(file.volumes).toHaveProperty('pgdata');
    const info = await inspectContainer(dbContainerId);
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.Mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Type: 'volume', Name: PGDATA_VOLUME, Destination: '/var/lib/postgresql/data' }),
      ]),
    );
    expect(Object.values(info.HostConfig.PortBindings ?? {}).flat()).toEqual([]);
    expect(Object.values(info.NetworkSettings.Ports ?? {}).filter((bindings) => bindings !== null)).toEqual([]);
    expect(file.services[DB]!.ports).toBeUndefined();
    // POSTGRES_USER / POSTGRES_DB of the file made the role and the database.
    expect(await dbQuery('SELECT current_user || $$@$$ || current_database()')).toBe('auth@auth');
  });

  it('mounts the `keys` volume where the image keeps generated signing keys (JWT_KEYS_DIR)', async () => {
    expect(declared().volumes).toHaveProperty('keys');
    const info = await inspectContainer(containerId);
    expect(info.Mounts).toEqual(
      expect.arrayContaining([expect.objectContaining({ Type: 'volume', Destination: '/var/lib/jwt-auth/keys' })]),
    );
  });

  it('serves the seed scenario through the published port', async () => {
    await seedScenario(base, uniqueUsername('licat'));
    const anonymous = await protectedRoute(base);
    expect(anonymous.status).toBe(401);
  });

  it('runs the container with the hardening the file declares, as non-root', async () => {
    const service = declared().services[SERVICE]!;
    const info = await inspectContainer(containerId);
    expect(info.Config.User).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(info.Config.User);
    if (service.read_only === true) expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    if (Array.isArray(service.cap_drop))
      expect(info.HostConfig.CapDrop ?? []).toEqual(expect.arrayContaining(service.cap_drop));
    if (Array.isArray(service.security_opt)) {
      // v1 and v2 spell "no-new-privileges:true" the same way; compare loosely on the name.
      for (const opt of service.security_opt as string[]) {
        expect((info.HostConfig.SecurityOpt ?? []).some((o) => o.split(/[:=]/)[0] === opt.split(/[:=]/)[0])).toBe(true);
      }
    }
    if (service.init === true) expect(info.HostConfig.Init).toBe(true);
  });

  it('runs PostgreSQL as the postgres user with only the capabilities the file grants', async () => {
    const db = declared().services[DB]!;
    const info = await inspectContainer(dbContainerId);
    expect(info.HostConfig.CapDrop ?? []).toEqual(expect.arrayContaining(db.cap_drop as string[]));
    // Docker 20.10 reports the names as written, newer engines with a CAP_ prefix.
    const bare = (caps: readonly string[]) => caps.map((c) => c.replace(/^CAP_/, '')).sort();
    expect(bare(info.HostConfig.CapAdd ?? [])).toEqual(bare(db.cap_add as string[]));
    // PID 1 is the server itself (the entrypoint exec'd it), not a shell or root.
    const status = await runOk('docker', [
      'exec',
      dbContainerId,
      'sh',
      '-c',
      'id -un $(grep ^Uid: /proc/1/status | cut -f2); cat /proc/1/comm',
    ]);
    expect(status.stdout.trim().split('\n')).toEqual(['postgres', 'postgres']);
  });

  it('bounds both containers: a memory limit and a process limit, as the file declares', async () => {
    const file = declared();
    expect(file.services[SERVICE]!.mem_limit).toBe('512m');
    expect(file.services[SERVICE]!.pids_limit).toBe(128);
    const info = await inspectContainer(containerId);
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(128);

    expect(file.services[DB]!.mem_limit).toBe('512m');
    expect(file.services[DB]!.pids_limit).toBe(256);
    const db = await inspectContainer(dbContainerId);
    expect(db.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(db.HostConfig.PidsLimit).toBe(256);
  });
});

describe('docker-compose.yml: PostgreSQL behind the stores (STORE=postgres, the default)', () => {
  const username = uniqueUsername('durable');
  /** The newest refresh token of the session opened below (each refresh rotates it). */
  let refreshToken = '';

  async function logsIn(): Promise<void> {
    const login = await token(base, username);
    expect({ status: login.status, type: login.body.token_type }).toEqual({ status: 200, type: 'bearer' });
    expect((await protectedRoute(base, login.body.access_token as string)).status).toBe(200);
  }

  async function refreshes(): Promise<void> {
    expect(refreshToken).not.toBe('');
    const refreshed = await refresh(base, refreshToken);
    expect({ status: refreshed.status, error: refreshed.body.error }).toEqual({ status: 200, error: undefined });
    expect((await protectedRoute(base, refreshed.body.access_token as string)).status).toBe(200);
    refreshToken = refreshed.body.refresh_token as string;
  }

  it('signs up and logs in (password grant); the account is a row in the compose database', async () => {
    const created = await signup(base, username);
    expect(created.status).toBe(200);
    const login = await token(base, username);
    expect(login.status).toBe(200);
    expect(login.body.refresh_token).toEqual(expect.any(String));
    refreshToken = login.body.refresh_token as string;

    // The service applied its migrations to this database at start-up and wrote the account there.
    expect(Number(await dbQuery('SELECT count(*) FROM pgmigrations'))).toBeGreaterThan(0);
    expect(Number(await dbQuery('SELECT count(*) FROM users'))).toBeGreaterThanOrEqual(2); // licat-… and this one
  });

  it('`restart auth`: the same password still logs in and the earlier refresh token still refreshes', async () => {
    const restartAt = Date.now();
    await composeOk(['restart', '-t', '20', SERVICE]);
    figures.restartToHealthySeconds = await waitForBoth();
    figures.restartTotalSeconds = (Date.now() - restartAt) / 1000;

    await logsIn();
    await refreshes();
  });

  it('`down` without -v, then `up`: the volume keeps the account and its session', async () => {
    const downAt = Date.now();
    // No -t: each service gets its own stop_grace_period (PostgreSQL's fast shutdown included).
    await composeOk(['down']);
    figures.downSeconds = (Date.now() - downAt) / 1000;
    expect(
      (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).stdout.trim(),
    ).toBe('');
    expect((await run('docker', ['volume', 'inspect', PGDATA_VOLUME])).code).toBe(0);

    const upAt = Date.now();
    await composeOk(['up', '-d'], 300_000);
    await waitForBoth(90_000);
    figures.upAgainToHealthySeconds = (Date.now() - upAt) / 1000;
    // The database found its cluster on the volume instead of initialising a new one.
    const dbLogs = await run('docker', ['logs', dbContainerId]);
    expect(`${dbLogs.stdout}${dbLogs.stderr}`).toMatch(/Skipping initialization/);

    await logsIn();
    await refreshes();
  });
});
