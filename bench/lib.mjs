// Helpers shared by bench/run.mjs and bench/experiments/: child processes, /proc sampling,
// autocannon runs, tokens. Nothing here runs on import except the exit hooks that kill the
// servers this process started.
/* global process, console, setTimeout, clearTimeout, setInterval, clearInterval, Buffer, URLSearchParams */
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createSecretKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  BENCH_HMAC_KID,
  BENCH_JWT_SECRET,
  BENCH_PASSWORD,
  BENCH_PUBLIC_URL,
  JWT_AUDIENCE,
  JWT_ISSUER,
  protectedBody,
} from './fixtures.mjs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
export const LOG_DIR = path.join(RESULTS_DIR, 'logs');
export const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
export const DIST_MAIN = path.join(ROOT, 'dist', 'main.js');
// ---------------------------------------------------------------------------------------------
// Small helpers

export const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
export const nowNs = () => process.hrtime.bigint();
export const msSince = (t0) => Number(nowNs() - t0) / 1e6;
export const log = (...a) => console.log(...a);
export const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

export function clockTicksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
export const CLK_TCK = clockTicksPerSecond();
export const CPU_COUNT = os.cpus().length;

/** utime+stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

/** utime+stime, cutime+cstime and ppid of a process (fields 14-17 and 4 of /proc/<pid>/stat). */
export function procStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks of a PostgreSQL cluster: the postmaster and all its live children, plus what its
 * exited children used (cutime+cstime: the postmaster waits for every child it forks).
 */
export function clusterTicks(postmasterPid) {
  const root = procStat(postmasterPid);
  if (!root) return NaN;
  let ticks = root.own + root.children;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st?.ppid === postmasterPid) ticks += st.own;
  }
  return ticks;
}

/**
 * A monitoring connection to a throwaway cluster: pg_stat_statements enabled and reset when the
 * cluster has it (else `statements` is false), the cluster's CPU ticks (clusterTicks), and
 * `reset()`. Callers read the statements their own way through `client`.
 */
export async function openClusterMonitor(url, applicationName) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  let statements = false;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
    statements = true;
  } catch (err) {
    log(`  (pg_stat_statements unavailable: ${err.message}; statement counts are not measured)`);
  }
  const backend = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const postmasterPid = procStat(backend)?.ppid;
  return {
    client,
    statements,
    postmasterPid,
    ticks: () => clusterTicks(postmasterPid),
    reset: async () => {
      if (statements) await client.query('SELECT pg_stat_statements_reset()');
    },
    close: () => client.end(),
  };
}

export function memKiB(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Samples VmRSS every 100 ms; `phaseMax()` returns and resets the maximum since the last call. */
export function rssSampler(pid) {
  let max = 0;
  let phase = 0;
  const sample = () => {
    const { rss } = memKiB(pid);
    if (Number.isFinite(rss)) {
      max = Math.max(max, rss);
      phase = Math.max(phase, rss);
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  timer.unref();
  return {
    phaseMax: () => {
      sample();
      const m = phase;
      phase = 0;
      return m;
    },
    stop: () => {
      sample();
      clearInterval(timer);
      return max;
    },
  };
}

export function systemIdleFraction(a, b) {
  const total = (x) => x.reduce((s, v) => s + v, 0);
  const idle = (x) => x[3] + (x[4] ?? 0);
  const dt = total(b) - total(a);
  return dt > 0 ? (idle(b) - idle(a)) / dt : 1;
}
export const cpuLine = () =>
  fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);

/** Machine-wide CPU use between two /proc/stat readings, in % of one core. */
export function machineCpu(a, b) {
  const d = b.map((v, i) => v - (a[i] ?? 0));
  const [user, nice, system, , , irq, softirq, steal] = d;
  const ticksToPct = (t) =>
    (100 * t) / CLK_TCK / ((d.reduce((s, v) => s + v, 0) - (d[8] ?? 0) - (d[9] ?? 0)) / CLK_TCK / CPU_COUNT);
  return { busyPct: ticksToPct(user + nice + system + irq + softirq), stealPct: ticksToPct(steal ?? 0) };
}

/**
 * Waits settleMs, then until the machine is ≥ 90 % idle over 300 ms (at most quietWaitS
 * more: other work on a shared machine would otherwise be measured as the service's).
 */
export async function settle(settleMs, quietWaitS) {
  await sleep(settleMs);
  const deadline = Date.now() + quietWaitS * 1000;
  let idle = 0;
  do {
    const a = cpuLine();
    await sleep(300);
    idle = systemIdleFraction(a, cpuLine());
  } while (idle < 0.9 && Date.now() < deadline);
  if (idle < 0.9)
    log(`  (machine still busy: ${round(100 * (1 - idle), 0)}% of all cores in use by others; measuring anyway)`);
  return idle;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One HTTP request to 127.0.0.1 without keep-alive. */
export function request(port, { method = 'GET', path: p, headers = {}, body, timeoutMs = 2000 }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: p, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const require = createRequire(import.meta.url);

/**
 * The environment `node dist/main.js` runs with, and the configuration it makes (dist/config.js).
 * Starts from this process's environment (PATH, UV_THREADPOOL_SIZE...) without the service's
 * own settings or NODE_OPTIONS, so a developer's shell cannot change what is measured.
 */
export function serviceEnv(port) {
  const { loadConfig } = require('../dist/config.js');
  const inherited = { ...process.env };
  delete inherited.NODE_OPTIONS;
  for (const key of Object.keys(inherited)) {
    if (
      /^(PORT|HOST|LOG_LEVEL|PUBLIC_URL|JWT_|ACCESS_TOKEN_|REFRESH_TOKEN_|SESSIONS_|PASSWORD_|ARGON2_|HASH_|CORS_|TRUST_PROXY|RATE_LIMIT_|LOGIN_|SIGNUP_|THROTTLE_|VALIDATE_RESPONSES|MAX_HEADER_BYTES|LAME_DUCK_MS|SHUTDOWN_TIMEOUT_MS|METRICS_|STORE$|DATABASE_|MIGRATE_ON_START)/.test(
        key,
      )
    ) {
      delete inherited[key];
    }
  }
  const env = {
    ...inherited,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: BENCH_JWT_SECRET, // bench fixture, see bench/fixtures.mjs
    // The issuer of the tokens, whatever the port (bench/fixtures.mjs); the baselines check it.
    PUBLIC_URL: BENCH_PUBLIC_URL,
    HOST: '127.0.0.1',
    PORT: String(port),
    // The management port: any free one, so two runs (or a running service) never collide.
    METRICS_PORT: '0',
  };
  return { env, config: loadConfig(env) };
}

/**
 * A token for the baselines, which run before the service and have no sessions: the header
 * (alg, typ, kid) and claims the service issues with BENCH_JWT_SECRET, so every server
 * verifies the same size of token. bench/run.mjs checks it against one the service issued.
 */
export function signBenchToken(sub) {
  const key = createSecretKey(Buffer.from(BENCH_JWT_SECRET, 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      sub,
      // 22 characters, as the service's session ids (128 bits, base64url).
      sid: 'bench-session-00000000',
      iat: now,
      nbf: now,
      exp: now + 1800,
      jti: randomUUID(),
      iss: JWT_ISSUER,
      aud: JWT_AUDIENCE,
    },
    key,
    { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt', kid: BENCH_HMAC_KID } },
  );
}

/** The decoded header and payload of a JWT (no verification). */
export function decodeJwt(token) {
  const [header, payload] = token
    .split('.', 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, payload };
}

/** Signs up a user and logs in through the service's API; returns the access token it issued. */
export async function serviceToken(port, username, name = 'service') {
  const signup = await request(port, {
    method: 'POST',
    path: '/signup',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
  });
  if (signup.status !== 200) throw new Error(`${name}: POST /signup answered ${signup.status} ${signup.body}`);
  const login = await request(port, {
    method: 'POST',
    path: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: BENCH_PASSWORD }).toString(),
  });
  if (login.status !== 200) throw new Error(`${name}: POST /token answered ${login.status} ${login.body}`);
  const token = JSON.parse(login.body).access_token;
  // The baselines get a token the bench signs itself; the service accepts only tokens of a
  // session it started, so it is measured with the token its login issued.
  await checkProtected(name, port, token, username);
  return token;
}

/** The same token with one signature character changed (a forgery every server must refuse). */
export const tamper = (token) => {
  const i = token.lastIndexOf('.') + 5;
  return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
};

// ---------------------------------------------------------------------------------------------
// Child processes (only ones this script started; all killed if the script dies)

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the servers this bench started`);
    process.exit(130);
  });
}

/**
 * Starts `executable` with `args` as a child whose stdout and stderr go to `logFile`; it is
 * killed if this process exits without stopping it. `pid` is the child itself (no shell), so
 * its CPU can be read from /proc.
 */
export function startProcess(name, executable, args, { env, cwd = ROOT, logFile }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'w');
  const spawnedAt = nowNs();
  const child = spawn(executable, args, { cwd, env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  children.add(child);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      children.delete(child);
      resolve({ code: null, signal: null, error: String(err) });
    });
  });
  return { name, child, pid: child.pid, spawnedAt, exited, logFile };
}

/** `node [nodeArgs] script` as a child (startProcess). */
export const startServer = (name, script, { env, nodeArgs = [], logFile }) =>
  startProcess(name, process.execPath, [...nodeArgs, script], { env, logFile });

export async function stopServer(server, timeoutMs = 15_000) {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), timeoutMs);
  const result = await server.exited;
  clearTimeout(timer);
  return result;
}

export const logTail = (file, n = 20) => {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
};

/** Polls every ~10 ms until `path` answers `status`; returns ms from spawn to that answer. */
export async function waitUntilAnswering(server, port, p, status, timeoutMs = 30_000) {
  let exitedWith;
  void server.exited.then((r) => (exitedWith = r));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith)
      throw new Error(
        `${server.name} exited during start-up (${JSON.stringify(exitedWith)}):\n${logTail(server.logFile)}`,
      );
    try {
      const res = await request(port, { path: p, timeoutMs: 500 });
      if (res.status === status) return msSince(server.spawnedAt);
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${server.name} did not answer ${p} with ${status} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The management port a service logged at start-up ("metrics listening"), or undefined. */
export async function metricsPort(logFile, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .find((l) => l.includes('"msg":"metrics listening"'));
    if (line) return JSON.parse(line).port;
    await sleep(50);
  }
  return undefined;
}

/**
 * The sum of every sample of `metric` whose line contains `labels` (e.g. `route="/protected"`)
 * on a service's /metrics at `port`; NaN when there is no port or no answer.
 */
export async function metricSum(port, metric, labels = '') {
  if (port === undefined) return NaN;
  try {
    const res = await request(port, { path: '/metrics' });
    if (res.status !== 200) return NaN;
    let sum = 0;
    for (const line of res.body.split('\n')) {
      if ((line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) && line.includes(labels))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Load

export function summariseRun(r, wallS) {
  const codes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
  const durationS = r.duration || wallS;
  return {
    connections: r.connections,
    durationS,
    requests: r.requests.total,
    rps: r['2xx'] / durationS,
    latencyMs: {
      mean: r.latency.average,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
    },
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    statusCodes: codes,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    resets: r.resets,
  };
}

/** Warm-up (discarded) then a measured autocannon run; server and loader CPU use measured too. */
export async function measure(label, { pid, warmupS, durationS, ...opts }) {
  if (warmupS > 0) await autocannon({ timeout: 10, ...opts, duration: warmupS });
  const ticks0 = pid ? cpuTicks(pid) : NaN;
  const self0 = process.cpuUsage();
  const stat0 = cpuLine();
  const t0 = nowNs();
  const startUs = Number(t0 / 1000n);
  const r = await autocannon({ timeout: 10, ...opts, duration: durationS });
  const wallS = msSince(t0) / 1000;
  const self = process.cpuUsage(self0);
  const summary = summariseRun(r, wallS);
  summary.window = { startUs, endUs: Number(nowNs() / 1000n) };
  summary.serverCpuPct = pid ? (100 * (cpuTicks(pid) - ticks0)) / CLK_TCK / wallS : null;
  // Server CPU time per completed request: less sensitive to a busy machine than req/s.
  summary.serverCpuUsPerRequest = pid
    ? (1e6 * (cpuTicks(pid) - ticks0)) / CLK_TCK / Math.max(1, summary.ok2xx + summary.non2xx)
    : null;
  summary.loaderCpuPct = (100 * (self.user + self.system)) / 1e6 / wallS;
  const machine = machineCpu(stat0, cpuLine());
  // Whatever the machine did besides this server and this loader (other processes).
  summary.otherCpuPct = machine.busyPct - (summary.serverCpuPct ?? 0) - summary.loaderCpuPct;
  summary.stealPct = machine.stealPct;
  log(
    `  ${label.padEnd(44)} ${round(summary.rps, 0).toString().padStart(7)} req/s  p50 ${summary.latencyMs.p50} ms  ` +
      `p99 ${summary.latencyMs.p99} ms  non-2xx ${summary.non2xx}  errors ${summary.errors}  ` +
      `CPU server ${round(summary.serverCpuPct, 0)}% (${round(summary.serverCpuUsPerRequest, 0)} µs/req) loader ${round(summary.loaderCpuPct, 0)}% ` +
      `other ${round(summary.otherCpuPct, 0)}% steal ${round(summary.stealPct, 0)}%`,
  );
  return summary;
}

export const protectedLoad = (port, token, sub, connections) => ({
  url: `http://127.0.0.1:${port}/protected`,
  connections,
  headers: { authorization: `Bearer ${token}` },
  expectBody: protectedBody(sub),
});

export const tokenLoad = (port, username, connections) => ({
  url: `http://127.0.0.1:${port}/token`,
  connections,
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'password', username, password: BENCH_PASSWORD }).toString(),
});

export function signupLoad(port, prefix, connections) {
  let n = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    requests: [
      {
        method: 'POST',
        path: '/signup',
        headers: { 'content-type': 'application/json' },
        // A fresh username per request: a taken one would be a cheap 400, not a sign-up. Decimal
        // counters: base 36 would make look-alikes ("…1" and "…l") that the skeleton rule refuses.
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ username: `${prefix}${n++}`, password: BENCH_PASSWORD }),
        }),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Checks and reporting

export async function checkProtected(name, port, token, sub) {
  const ok = await request(port, { path: '/protected', headers: { authorization: `Bearer ${token}` } });
  if (ok.status !== 200 || ok.body !== protectedBody(sub)) {
    throw new Error(`${name}: GET /protected with a valid token answered ${ok.status} ${ok.body}`);
  }
  const forged = await request(port, { path: '/protected', headers: { authorization: `Bearer ${tamper(token)}` } });
  if (forged.status !== 401) throw new Error(`${name}: GET /protected with a forged token answered ${forged.status}`);
}

export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const fmt = (r) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  log(fmt(rows[0]));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) log(fmt(r));
}

export function machineInfo(threadpoolSize) {
  const cpus = os.cpus();
  const version = (pkg) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  let git = null;
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !==
      '';
    git = { commit, dirty };
  } catch {
    /* not a git checkout */
  }
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadavgAtStart: os.loadavg(),
    uvThreadpoolSize: threadpoolSize,
    versions: Object.fromEntries(
      [
        'express',
        'express-openapi-validator',
        'pino',
        'pino-http',
        'helmet',
        'jsonwebtoken',
        '@node-rs/argon2',
        'autocannon',
      ].map((p) => [p, version(p)]),
    ),
    git,
  };
}
