// Shared plumbing for the smoke tests (test/smoke/): preconditions that FAIL with a pointer to
// scripts/provision.sh, a child-process runner, free ports, Docker inspection and the figures file.
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from './service-process';

export { ROOT };
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';

/** TEST FIXTURE ONLY: a JWT signing secret (>= 32 bytes) for throwaway smoke-test instances. */
export const SMOKE_JWT_SECRET = 'FIXTURE-ONLY-smoke-Vb5Nq8Wx2Lk7Rt4Yz1Hm6Fc9Dj3';

const PROVISION_HINT =
  '`npm test` provisions it on Debian/Ubuntu as root (scripts/provision.sh: Docker engine, compose, Debian chromium, ' +
  'the node:20-bookworm-slim base image, the postgres:15-bookworm database image); ' +
  'elsewhere install them by hand, or run `npm run test:fast` without this tier.';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd ?? ROOT,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          // spawn failure (ENOENT ...), not an exit status
          reject(new Error(`cannot run \`${cmd}\`: ${err.message}`, { cause: err }));
          return;
        }
        const code = err ? ((err as { code?: number | null }).code ?? (err.killed ? 124 : 1)) : 0;
        resolve({ code: code ?? 1, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Like run(), but throws with the command's output when it exits non-zero. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` exited ${r.code}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`,
    );
  }
  return r;
}

/** Throws (so the test fails, not skips) unless a Docker engine answers. */
export function requireDocker(): void {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
    throw new Error(`Docker is not available: \`docker info\` failed (${why}). ${PROVISION_HINT}`);
  }
}

export interface ComposeTool {
  cmd: string;
  /** arguments that precede the compose sub-command (`compose` for the v2 plug-in) */
  baseArgs: string[];
  label: string;
}

/** `docker compose` (v2) when present, else `docker-compose` (v1); throws naming provision.sh if neither works. */
export function requireCompose(): ComposeTool {
  requireDocker();
  const v2 = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8', timeout: 30_000 });
  if (!v2.error && v2.status === 0)
    return { cmd: 'docker', baseArgs: ['compose'], label: `docker compose ${v2.stdout.trim()}` };
  const v1 = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8', timeout: 30_000 });
  if (!v1.error && v1.status === 0)
    return { cmd: 'docker-compose', baseArgs: [], label: `docker-compose ${v1.stdout.trim()}` };
  throw new Error(`No compose tool: neither \`docker compose\` nor \`docker-compose\` works. ${PROVISION_HINT}`);
}

/**
 * Throws (so the test fails, not skips) unless `ref` is in the local image store: without it
 * compose would try to pull it and fail with a registry error instead.
 */
export function requireImage(ref: string, what: string): void {
  const r = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `The ${what} image ${ref} is not in the local image store (\`docker image inspect ${ref}\` failed); ` +
        `\`bash scripts/provision.sh\` pulls it or builds a local stand-in. ${PROVISION_HINT}`,
    );
  }
}

/** Throws (so the test fails, not skips) unless Debian's chromium is installed. */
export function requireChromium(): void {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`Chromium is not available at ${CHROMIUM}. ${PROVISION_HINT}`);
  }
}

/** A TCP port that was free a moment ago on all interfaces. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The parts of `docker inspect <container>` the smoke tests read. */
export interface ContainerInspect {
  Id: string;
  Config: { User: string };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    SecurityOpt: string[] | null;
    Init: boolean | null;
    Memory: number;
    PidsLimit: number | null;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string }[];
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; Log: { ExitCode: number; Output: string }[] };
  };
}

async function inspect<T>(kind: 'container' | 'image', ref: string): Promise<T> {
  const r = await runOk('docker', [kind, 'inspect', ref]);
  return (JSON.parse(r.stdout) as T[])[0]!;
}

export const inspectContainer = (id: string): Promise<ContainerInspect> => inspect<ContainerInspect>('container', id);
export const inspectImage = (ref: string): Promise<{ Id: string; Size: number }> => inspect('image', ref);

/**
 * Polls State.Health.Status until `healthy`; returns the seconds since `sinceMs`.
 * Throws with the health log when it becomes unhealthy, the container stops, or time runs out.
 */
export async function waitForHealthy(id: string, sinceMs: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerInspect | undefined;
  while (Date.now() < deadline) {
    last = await inspectContainer(id);
    const health = last.State.Health;
    if (!health) throw new Error(`container ${id} has no HEALTHCHECK (State.Health missing)`);
    if (health.Status === 'healthy') return (Date.now() - sinceMs) / 1000;
    if (health.Status === 'unhealthy' || !last.State.Running) break;
    await sleep(250);
  }
  throw new Error(`container ${id} did not become healthy within ${timeoutMs / 1000}s: ${JSON.stringify(last?.State)}`);
}

/** Merges `figures` under `section` into artifacts/smoke-figures.json and prints them. */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, 'smoke-figures.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first writer, or an unreadable file: start afresh
  }
  all[section] = { ...figures, recordedAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[smoke figures] ${section}: ${JSON.stringify(figures)}`);
}

/** A fresh, valid username (letters, digits, "-"), unique per call. */
export function uniqueUsername(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
