// docker-compose.yml itself: `up -d --build` under a unique project name on a free host port,
// the HEALTHCHECK, the seed scenario through the published port, the hardening the file
// declares, then `down -v`. Uses `docker compose` (v2) when present, else `docker-compose` (v1).
//
// Needs a Docker engine, a compose tool and the base image (`npm test` provisions them on Debian as root).
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
  run,
  uniqueUsername,
  waitForHealthy,
  type ComposeTool,
} from '../helpers/smoke-env';
import { protectedRoute, seedScenario } from '../helpers/http-client';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const SERVICE = 'auth';
// Compose v1 keeps only [a-z0-9] of a project name; unique so parallel runs never collide.
const PROJECT = `jwtsmoke${process.pid}${Date.now().toString(36)}`;

let compose: ComposeTool | undefined;
let env: NodeJS.ProcessEnv = {};
let base = '';
let containerId = '';
const figures: Record<string, unknown> = {};

/**
 * Only what compose itself needs from this process's environment: the file interpolates many
 * service settings (LOG_LEVEL, RATE_LIMIT_ENABLED, ...) that must not leak in from the shell.
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

beforeAll(async () => {
  compose = requireCompose();
  const port = await freePort();
  env = composeEnv(port);
  base = `http://127.0.0.1:${port}`;
  figures.composeTool = compose.label;

  const upAt = Date.now();
  await composeOk(['up', '-d', '--build'], 900_000);
  figures.upSeconds = (Date.now() - upAt) / 1000;

  containerId = (await composeOk(['ps', '-q', SERVICE])).stdout.trim();
  expect(containerId).toMatch(/^[0-9a-f]{12,64}$/);
  const startedAt = Date.parse((await inspectContainer(containerId)).State.StartedAt);
  figures.startToHealthySeconds = await waitForHealthy(containerId, startedAt, 45_000);
}, 1_000_000);

afterAll(async () => {
  if (Object.keys(figures).length > 0) recordFigures('compose', figures);
  if (compose) {
    const down = await composeRun(['down', '-v', '--remove-orphans', '-t', '15'], 120_000);
    if (down.code !== 0) {
      // Still leave nothing behind: remove by the project label.
      const ids = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).stdout
        .split(/\s+/)
        .filter(Boolean);
      if (ids.length > 0) await run('docker', ['rm', '-f', '-v', ...ids]);
      await run('docker', ['network', 'rm', `${PROJECT}_default`]);
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

  it('serves the seed scenario through the published port', async () => {
    await seedScenario(base, uniqueUsername('licat'));
    const anonymous = await protectedRoute(base);
    expect(anonymous.status).toBe(401);
  });

  it('runs the container with the hardening the file declares, as non-root', async () => {
    const declared = (
      parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Record<string, unknown>> }
    ).services[SERVICE]!;
    const info = await inspectContainer(containerId);
    expect(info.Config.User).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(info.Config.User);
    if (declared.read_only === true) expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    if (Array.isArray(declared.cap_drop))
      expect(info.HostConfig.CapDrop ?? []).toEqual(expect.arrayContaining(declared.cap_drop));
    if (Array.isArray(declared.security_opt)) {
      // v1 and v2 spell "no-new-privileges:true" the same way; compare loosely on the name.
      for (const opt of declared.security_opt as string[]) {
        expect((info.HostConfig.SecurityOpt ?? []).some((o) => o.split(/[:=]/)[0] === opt.split(/[:=]/)[0])).toBe(true);
      }
    }
    if (declared.init === true) expect(info.HostConfig.Init).toBe(true);
  });

  it('bounds the container: a memory limit and a process limit, as the file declares', async () => {
    const declared = (
      parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Record<string, unknown>> }
    ).services[SERVICE]!;
    expect(declared.mem_limit).toBe('512m');
    expect(declared.pids_limit).toBe(128);
    const info = await inspectContainer(containerId);
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(128);
  });
});
