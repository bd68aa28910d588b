// The same four operations against the service on each store, in one run: STORE=memory, then
// STORE=postgres on a throwaway PostgreSQL cluster (scripts/throwaway-postgres.js, started
// here with pg_stat_statements and destroyed at the end, even on failure). See
// bench/README.md, "Store comparison".
//
// For the postgres run it also measures where the time goes: statements per request and
// their server-side execution time (pg_stat_statements, reset before each measured load),
// and the CPU time of PostgreSQL (the postmaster and every child: backends, checkpointer,
// walwriter...) next to the service's, per request.
/* global Buffer, URL, URLSearchParams */
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_PASSWORD } from './fixtures.mjs';
import {
  CLK_TCK,
  DIST_MAIN,
  cpuTicks,
  LOG_DIR,
  checkProtected,
  openClusterMonitor,
  freePort,
  log,
  metricSum,
  metricsPort,
  measure as measureRun,
  protectedLoad,
  request,
  round,
  signupLoad,
  startServer,
  stopServer,
  waitUntilAnswering,
} from './lib.mjs';

const require = createRequire(import.meta.url);

export const STORES = ['memory', 'postgres'];
export const OPERATIONS = {
  protected: 'GET /protected',
  passwordGrant: 'POST /token (password grant)',
  refreshGrant: 'POST /token (refresh grant)',
  signup: 'POST /signup',
};
/** Accounts the password grant cycles through (and the refresh sessions start from). */
const LOGIN_ACCOUNTS = 8;
/**
 * Well above the sessions one run starts per account (about 60 in a full run), so no login
 * measured evicts an older session: eviction is an extra DELETE the steady state does not have.
 */
const SESSIONS_MAX_PER_USER = 1000;
/**
 * The service's own count of each operation it handled (its /metrics), so that statements and
 * CPU are divided by the requests the server saw, in flight at a load's edges included.
 */
const HANDLED_METRIC = {
  protected: 'http_request_duration_seconds_count',
  passwordGrant: 'auth_logins_total',
  refreshGrant: 'auth_token_refreshes_total',
  signup: 'auth_signups_total',
};
/** Our own monitoring statements, left out of the per-request counts. */
const MONITOR_QUERY = /pg_stat_statements|pg_backend_pid|pg_stat_activity|pg_postmaster_start_time/i;

// ---------------------------------------------------------------------------------------------
// PostgreSQL's side: CPU of the whole cluster, and pg_stat_statements

async function openMonitor(url) {
  const monitor = await openClusterMonitor(url, 'bench-monitor');
  const { client, statements } = monitor;
  return {
    ...monitor,
    /** Statements since the last reset, without ours, most time first. */
    read: async () => {
      if (!statements) return [];
      const { rows } = await client.query(
        `SELECT query, calls::float8 AS calls, total_exec_time AS exec_ms, total_plan_time AS plan_ms, rows::float8 AS rows
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          ORDER BY total_exec_time + total_plan_time DESC`,
      );
      return rows.filter((r) => !MONITOR_QUERY.test(r.query)).map((r) => ({ ...r, ms: r.exec_ms + r.plan_ms }));
    },
  };
}

/** The statements of one measured load, per request. */
function statementsPerRequest(rows, requests) {
  const n = Math.max(1, requests);
  const oneLine = (q) => q.replace(/\s+/g, ' ').trim();
  const calls = rows.reduce((s, r) => s + r.calls, 0);
  const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
  return {
    statementsPerRequest: calls / n,
    serverMsPerRequest: sum('ms') / n,
    planMsPerRequest: sum('plan_ms') / n,
    execMsPerRequest: sum('exec_ms') / n,
    statements: rows
      .filter((r) => r.calls / n >= 0.01 || r.ms / n >= 0.001)
      .map((r) => ({
        query: oneLine(r.query).slice(0, 160),
        callsPerRequest: r.calls / n,
        meanMs: r.ms / Math.max(1, r.calls),
        msPerRequest: r.ms / n,
      })),
  };
}

/** A short name for a statement in the printed summary. */
function shortName(query) {
  const q = query.replace(/\s+/g, ' ').trim();
  const verb = /^(WITH \w+ AS \( )?(\w+)/i.exec(q);
  const table = /\b(?:FROM|INTO|UPDATE)\s+(\w+)/i.exec(q)?.[1];
  if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(q)) return q.split(' ')[0].toUpperCase();
  if (/pg_advisory_xact_lock/i.test(q)) return 'advisory lock';
  const v = (verb?.[2] ?? q.split(' ')[0]).toUpperCase();
  return table ? `${verb?.[1] ? `WITH ${v}` : v} ${table}` : v;
}

// ---------------------------------------------------------------------------------------------
// The service's side: requests handled, from its metrics port (logged at start-up)

/** Sum of every sample of `metric` (all label values). */
const handledCount = (port, metric) => metricSum(port, metric);

/** Waits until the count stops moving (requests still in flight after a load ended), at most 10 s. */
async function drained(port, metric) {
  let last = await handledCount(port, metric);
  for (let i = 0; i < 50 && Number.isFinite(last); i++) {
    await sleep(200);
    const now = await handledCount(port, metric);
    if (now === last) break;
    last = now;
  }
  return last;
}

// ---------------------------------------------------------------------------------------------
// Loads

const form = (fields) => new URLSearchParams(fields).toString();

function passwordGrantLoad(port, accounts, connections) {
  let n = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    requests: [
      {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (req) => ({
          ...req,
          body: form({ grant_type: 'password', username: accounts[n++ % accounts.length], password: BENCH_PASSWORD }),
        }),
      },
    ],
  };
}

/**
 * Refresh tokens work once. The pool holds one live token per session; each request takes one
 * and its 200 puts the rotated one back, so every connection walks a chain of rotations. A
 * load cut off at its end loses the tokens of the requests in flight, so `topUp` logs in again
 * before each load.
 */
function refreshPool(port, accounts) {
  const tokens = [];
  let logins = 0;
  const login = async () => {
    const username = accounts[logins++ % accounts.length];
    const res = await request(port, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', username, password: BENCH_PASSWORD }),
      timeoutMs: 10_000,
    });
    if (res.status !== 200) throw new Error(`POST /token (password grant for the refresh pool) answered ${res.status}`);
    tokens.push(JSON.parse(res.body).refresh_token);
  };
  return {
    get size() {
      return tokens.length;
    },
    async topUp(size) {
      while (tokens.length < size) {
        await Promise.all(Array.from({ length: Math.min(4, size - tokens.length) }, login));
      }
    },
    load: (connections) => ({
      url: `http://127.0.0.1:${port}`,
      connections,
      requests: [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          // An empty pool (only after refusals) sends a token that cannot work: a 400, counted.
          setupRequest: (req) => ({
            ...req,
            body: form({ grant_type: 'refresh_token', refresh_token: tokens.pop() ?? 'pool-exhausted' }),
          }),
          onResponse: (status, body) => {
            if (status !== 200) return;
            try {
              tokens.push(JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body).refresh_token);
            } catch {
              /* counted by its status already */
            }
          },
        },
      ],
    }),
  };
}

async function signup(port, username) {
  const res = await request(port, {
    method: 'POST',
    path: '/signup',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
    timeoutMs: 10_000,
  });
  if (res.status !== 200) throw new Error(`POST /signup answered ${res.status} ${res.body}`);
}

// ---------------------------------------------------------------------------------------------
// One service per store

/** Starts the service on `store` and prepares its accounts; `measure(op)` runs one load. */
async function startStore(store, ctx, pg) {
  const { warmupS, durationS, baseEnv, protectedConnections, tokenConnections } = ctx;
  const port = await freePort();
  const env = {
    ...baseEnv(port),
    STORE: store,
    SESSIONS_MAX_PER_USER: String(SESSIONS_MAX_PER_USER),
    ...(store === 'postgres' ? { DATABASE_URL: pg.url } : {}),
  };
  if (store !== 'postgres') delete env.DATABASE_URL;
  const server = startServer(`service-${store}`, DIST_MAIN, {
    env,
    logFile: path.join(LOG_DIR, `service-${store}.log`),
  });
  const out = { readyMs: undefined, operations: {} };
  const stop = async () => {
    out.exit = await stopServer(server);
  };
  try {
    out.readyMs = await waitUntilAnswering(server, port, '/readyz', 200);
  } catch (err) {
    await stop();
    throw err;
  }
  const mport = await metricsPort(server.logFile);
  log(`  STORE=${store}: ready after ${round(out.readyMs, 0)} ms`);
  const tag = randomBytes(3).toString('hex');
  // One account for /protected, whose session nothing else touches; others for the logins.
  const viewer = `sc${tag}_viewer`;
  const accounts = Array.from({ length: LOGIN_ACCOUNTS }, (_, i) => `sc${tag}_login${i}`);
  let accessToken;
  try {
    for (let i = 0; i <= accounts.length; i += 4) {
      await Promise.all([viewer, ...accounts].slice(i, i + 4).map((name) => signup(port, name)));
    }
    const login = await request(port, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', username: viewer, password: BENCH_PASSWORD }),
      timeoutMs: 10_000,
    });
    if (login.status !== 200) throw new Error(`POST /token answered ${login.status} ${login.body}`);
    accessToken = JSON.parse(login.body).access_token;
    await checkProtected(`service (STORE=${store})`, port, accessToken, viewer);
  } catch (err) {
    await stop();
    throw new Error(`STORE=${store}: ${err.message}`);
  }
  const pool = refreshPool(port, accounts);
  const loads = {
    protected: () => protectedLoad(port, accessToken, viewer, protectedConnections),
    passwordGrant: () => passwordGrantLoad(port, accounts, tokenConnections),
    refreshGrant: () => pool.load(tokenConnections),
    signup: () => signupLoad(port, `sc${tag}_s`, tokenConnections),
  };

  const measure = async (op) => {
    if (op === 'refreshGrant') await pool.topUp(tokenConnections);
    // One load for the warm-up and the measurement: /signup's counter carries on (a name
    // already taken would be a cheap 400, not a sign-up).
    const load = loads[op]();
    if (warmupS > 0) await autocannon({ timeout: 10, ...load, duration: warmupS });
    if (op === 'refreshGrant') await pool.topUp(tokenConnections);
    // From here to the end of the drain after the load: the server's count of handled
    // requests, the service's and PostgreSQL's CPU, and (reset here) pg_stat_statements.
    const handled0 = await drained(mport, HANDLED_METRIC[op]);
    await pg?.monitor.reset();
    const pgTicks0 = pg ? pg.monitor.ticks() : NaN;
    const nodeTicks0 = cpuTicks(server.pid);
    const r = await measureRun(`${store.padEnd(8)} ${OPERATIONS[op]}`, {
      pid: server.pid,
      warmupS: 0,
      durationS,
      ...load,
    });
    const handled = (await drained(mport, HANDLED_METRIC[op])) - handled0;
    // Requests the server handled in the window; autocannon's count if the metrics failed.
    const requests = Number.isFinite(handled) && handled > 0 ? handled : r.ok2xx + r.non2xx;
    r.serverHandled = {
      requests,
      basis: Number.isFinite(handled) ? `${HANDLED_METRIC[op]} (service /metrics)` : 'autocannon',
      nodeCpuUsPerRequest: (1e6 * (cpuTicks(server.pid) - nodeTicks0)) / CLK_TCK / requests,
    };
    if (pg) {
      r.postgres = {
        cpuPct: (100 * (pg.monitor.ticks() - pgTicks0)) / CLK_TCK / r.durationS,
        cpuUsPerRequest: (1e6 * (pg.monitor.ticks() - pgTicks0)) / CLK_TCK / requests,
        ...statementsPerRequest(await pg.monitor.read(), requests),
      };
      log(
        `  ${''.padEnd(44)} postgres: CPU ${round(r.postgres.cpuPct, 0)}% (${round(r.postgres.cpuUsPerRequest, 0)} µs/req)` +
          (pg.monitor.statements
            ? `, ${round(r.postgres.statementsPerRequest, 2)} statements/req, ` +
              `${round(r.postgres.serverMsPerRequest, 3)} ms server time/req (plan ${round(r.postgres.planMsPerRequest, 3)} + execute ${round(r.postgres.execMsPerRequest, 3)})`
            : ''),
      );
    }
    out.operations[op] = r;
  };
  return { out, measure, stop };
}

// ---------------------------------------------------------------------------------------------
// Where the time goes (postgres run), from the measurements above

function whereTheTimeGoes(stores) {
  const mem = stores.memory?.operations ?? {};
  const pgOps = stores.postgres?.operations ?? {};
  const lines = [];
  const perOperation = {};
  for (const [op, label] of Object.entries(OPERATIONS)) {
    const p = pgOps[op];
    const m = mem[op];
    if (!p?.postgres) continue;
    const pgCpu = p.postgres.cpuUsPerRequest;
    const nodeCpu = p.serverHandled.nodeCpuUsPerRequest;
    const f = {
      statementsPerRequest: p.postgres.statementsPerRequest,
      serverMsPerRequest: p.postgres.serverMsPerRequest,
      planMsPerRequest: p.postgres.planMsPerRequest,
      execMsPerRequest: p.postgres.execMsPerRequest,
      postgresCpuUsPerRequest: pgCpu,
      nodeCpuUsPerRequest: nodeCpu,
      nodeCpuUsPerRequestMemoryStore: m?.serverHandled.nodeCpuUsPerRequest,
      postgresShareOfCpu: pgCpu / (pgCpu + nodeCpu),
      rpsRatioPostgresToMemory: m ? p.rps / m.rps : undefined,
      mix: p.postgres.statements
        .filter((s) => s.callsPerRequest >= 0.05)
        .map((s) => ({ statement: shortName(s.query), callsPerRequest: s.callsPerRequest, meanMs: s.meanMs })),
      p50Ms: { memory: m?.latencyMs.p50, postgres: p.latencyMs.p50 },
    };
    perOperation[op] = f;
    const mix = f.mix
      .map((s) => `${round(s.callsPerRequest, 2)}× ${s.statement} (${round(s.meanMs, 3)} ms)`)
      .join(', ');
    lines.push(
      `${label}: ${round(f.statementsPerRequest, 2)} statements/request, server time ${round(f.serverMsPerRequest, 3)} ms/request ` +
        `(plan ${round(f.planMsPerRequest, 3)} + execute ${round(f.execMsPerRequest, 3)}); ` +
        `CPU/request postgres ${round(pgCpu, 0)} µs, node ${round(nodeCpu, 0)} µs (node on the memory store ${round(m?.serverHandled.nodeCpuUsPerRequest, 0)} µs); ` +
        `postgres ${round(100 * f.postgresShareOfCpu, 0)}% of the CPU, the rest is node; ` +
        `req/s postgres ÷ memory ${round(f.rpsRatioPostgresToMemory, 2)}×` +
        (mix ? `\n    statements: ${mix}` : ''),
    );
  }
  return { lines, perOperation };
}

/**
 * Runs the comparison. `ctx`: { warmupS, durationS, settle(), baseEnv(port) (the
 * service bench's environment), protectedConnections, tokenConnections }.
 * Returns { settings, stores, whereTheTimeGoes, failures, warnings }.
 */
export async function storeCompare(ctx) {
  const { startThrowawayCluster } = require('../scripts/throwaway-postgres.js');
  const started = Date.now();
  const failures = [];
  const warnings = [];
  const stores = {};
  const services = {};
  let cluster;
  let monitor;
  let statementsTracked = false;
  try {
    try {
      cluster = await startThrowawayCluster({
        settings: {
          shared_preload_libraries: 'pg_stat_statements',
          'pg_stat_statements.track_utility': 'on',
          // node-postgres sends unnamed statements: each is planned again, so count that too.
          'pg_stat_statements.track_planning': 'on',
        },
      });
      statementsTracked = true;
    } catch (err) {
      // Without the contrib module PostgreSQL refuses to start with it preloaded: measure anyway.
      log(
        `  (PostgreSQL did not start with pg_stat_statements: ${String(err.message).split('\n')[0]}; retrying without)`,
      );
      cluster = await startThrowawayCluster();
    }
    log(
      `  throwaway PostgreSQL cluster on ${new URL(cluster.url).host}${statementsTracked ? ', pg_stat_statements on' : ''}`,
    );
    monitor = await openMonitor(cluster.url);
    // Both services run from here to the end; the loads take turns, store after store for each
    // operation, so that a change in the machine's other load hits both stores alike.
    for (const store of STORES) {
      services[store] = await startStore(store, ctx, store === 'postgres' ? { url: cluster.url, monitor } : undefined);
      stores[store] = services[store].out;
    }
    for (const op of Object.keys(OPERATIONS)) {
      for (const store of STORES) {
        await ctx.settle();
        await services[store].measure(op);
      }
    }
  } finally {
    for (const service of Object.values(services)) await service.stop();
    await monitor?.close().catch(() => undefined);
    await cluster?.destroy();
  }
  for (const [store, s] of Object.entries(stores)) {
    for (const [op, r] of Object.entries(s.operations)) {
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.mismatches > 0) {
        failures.push(
          `STORE=${store} ${OPERATIONS[op]}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} body mismatches`,
        );
      }
      if (r.otherCpuPct - (r.postgres?.cpuPct ?? 0) > 20) {
        warnings.push(
          `STORE=${store} ${OPERATIONS[op]}: other processes used ${round(r.otherCpuPct - (r.postgres?.cpuPct ?? 0), 0)}% of a core`,
        );
      }
    }
    if (s.exit.code !== 0) warnings.push(`STORE=${store}: service exited with ${JSON.stringify(s.exit)} on SIGTERM`);
  }
  const where = whereTheTimeGoes(stores);
  const tookS = (Date.now() - started) / 1000;
  log(`  store comparison took ${round(tookS, 0)} s`);
  return {
    tookS,
    settings: {
      warmupS: ctx.warmupS,
      durationS: ctx.durationS,
      protectedConnections: ctx.protectedConnections,
      tokenConnections: ctx.tokenConnections,
      loginAccounts: LOGIN_ACCOUNTS,
      sessionsMaxPerUser: SESSIONS_MAX_PER_USER,
      postgres: {
        cluster: 'scripts/throwaway-postgres.js: 127.0.0.1, fsync=off, synchronous_commit=off, full_page_writes=off',
        pgStatStatements: statementsTracked,
      },
    },
    stores,
    whereTheTimeGoes: where.perOperation,
    summary: where.lines,
    failures,
    warnings,
  };
}
