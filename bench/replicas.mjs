// Scale-out on one host: GET /protected throughput with N = 1..4 replicas of the service
// (`node dist/main.js`, STORE=postgres, one throwaway PostgreSQL cluster shared by all) behind
// HAProxy (round robin, HTTP mode, keep-alive to the backends), and N = 1 without it (direct),
// so that the load balancer's own cost shows. Memory-store replicas cannot be measured this way:
// each refuses the others' tokens (every request checks its token's session, and a memory
// store's sessions are its own).
//
// For each configuration and connection count (32 and 64): a warm-up, then a measured
// autocannon load. Reported: req/s, p50/p99, and CPU over the measured load: every replica (and
// their sum), HAProxy, PostgreSQL (the postmaster and all its children), this process (the
// loader), the whole machine and what other processes used. Also the requests each replica
// handled (its /metrics) and the statements PostgreSQL ran (pg_stat_statements, when the
// contrib module is there): /protected should send none once the replicas' caches are warm.
//
//   node bench/replicas.mjs [--quick] [--duration=S] [--warmup=S] [--max-replicas=N]
//                           [--connections=32,64] [--haproxy-threads=1] [--wait-quiet=S] [--passes=N]
//
// Defaults: 2 s warm-up and 10 s measured per load (--quick: 1 s + 3 s), up to 4 replicas, one
// pass (--passes=N: the configurations N times, every other pass in reverse order, so a burst
// of other load on a shared machine does not hit one configuration only; medians printed).
// Needs a build (npm run build). Without `haproxy` on PATH only the direct row is measured.
// Writes bench/results/replicas-<stamp>.json. Exits 1 when any response was not a 200 with
// the expected body, or had errors or timeouts.
/* global process, URL */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  CLK_TCK,
  CPU_COUNT,
  DIST_MAIN,
  LOG_DIR,
  RESULTS_DIR,
  checkProtected,
  openClusterMonitor,
  cpuLine,
  cpuTicks,
  freePort,
  log,
  metricSum,
  metricsPort,
  machineCpu,
  machineInfo,
  msSince,
  nowNs,
  printTable,
  protectedLoad,
  round,
  serviceEnv,
  serviceToken,
  settle,
  stamp,
  startProcess,
  startServer,
  stopServer,
  summariseRun,
  waitUntilAnswering,
} from './lib.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Flags

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name, fallback) => {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
};
const settings = {
  quick,
  warmupS: Number(flag('warmup', quick ? 1 : 2)),
  durationS: Number(flag('duration', quick ? 3 : 10)),
  maxReplicas: Math.max(1, Number(flag('max-replicas', 4))),
  connections: String(flag('connections', '32,64'))
    .split(',')
    .map(Number)
    .filter((n) => n > 0),
  haproxyThreads: Math.max(1, Number(flag('haproxy-threads', 1))),
  waitQuietS: Number(flag('wait-quiet', quick ? 3 : 20)),
  passes: Math.max(1, Number(flag('passes', 1))),
};

// ---------------------------------------------------------------------------------------------
// Processes: /proc readings

/** An executable on PATH, or undefined. */
function onPath(name) {
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// HAProxy, run in the foreground as a child of this process

function haproxyConfig(port, backendPorts, threads) {
  return [
    'global',
    `  nbthread ${threads}`,
    '  maxconn 4096',
    'defaults',
    '  mode http',
    // Keep-alive on both sides (HAProxy's default in HTTP mode, said explicitly); each request
    // is balanced on its own, and idle server connections are reused across client connections.
    '  option http-keep-alive',
    '  http-reuse safe',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-keep-alive 10s',
    'frontend replicas_in',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    ...backendPorts.map((p, i) => `  server r${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

async function startHaproxy(binary, backendPorts, threads) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(cfg, haproxyConfig(port, backendPorts, threads));
  const logFile = path.join(LOG_DIR, `haproxy-${backendPorts.length}.log`);
  // -db: foreground, no daemon and no master process, so `pid` is the one doing the work.
  const server = startProcess(`haproxy (${backendPorts.length} backends)`, binary, ['-f', cfg, '-db'], {
    env: process.env,
    logFile,
  });
  const stop = async () => {
    await stopServer(server, 5000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(server, port, '/readyz', 200, 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { server, port, stop };
}

// ---------------------------------------------------------------------------------------------
// The replicas' own counts (their /metrics port, logged at start-up)

/** GET /protected requests the replica has handled (any status), from its /metrics. */
const protectedHandled = (mport) => metricSum(mport, 'http_request_duration_seconds_count', 'route="/protected"');

// ---------------------------------------------------------------------------------------------
// PostgreSQL: CPU of the cluster and the statements it ran

/** Our own monitoring statements, left out of the counts. */
const MONITOR_QUERY = /pg_stat_statements|pg_backend_pid|pg_database/i;

async function openMonitor(url) {
  const monitor = await openClusterMonitor(url, 'bench-replicas-monitor');
  const { client, statements } = monitor;
  return {
    ...monitor,
    /**
     * Statements the replicas ran since the last reset: those of the request path (the caches'
     * reads, e.g. a refill after the cache's TTL) apart from the timed background ones, and the
     * busiest few.
     */
    read: async () => {
      if (!statements) return { calls: NaN, background: NaN, top: [] };
      const { rows } = await client.query('SELECT query, calls::float8 AS calls FROM pg_stat_statements');
      const theirs = rows.filter((r) => !MONITOR_QUERY.test(r.query));
      // On timers, per replica, whatever the load: the change feed's heartbeat (`SELECT 1` on its
      // LISTEN connection every 500 ms, src/data-access/postgres/change-feed.ts) and the sweeper's
      // purge of expired rows (src/data-access/postgres/sweeper.ts).
      const background = (r) => /^SELECT \$1$|^DELETE FROM \w+ WHERE ctid = ANY/i.test(r.query.trim());
      return {
        calls: theirs.filter((r) => !background(r)).reduce((s, r) => s + r.calls, 0),
        background: theirs.filter(background).reduce((s, r) => s + r.calls, 0),
        top: theirs
          .sort((a, b) => b.calls - a.calls)
          .slice(0, 5)
          .map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 120), calls: r.calls })),
      };
    },
  };
}

async function startCluster() {
  const { startThrowawayCluster } = require('../scripts/throwaway-postgres.js');
  try {
    return {
      cluster: await startThrowawayCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } }),
      preloaded: true,
    };
  } catch (err) {
    log(
      `  (PostgreSQL did not start with pg_stat_statements: ${String(err.message).split('\n')[0]}; retrying without)`,
    );
    return { cluster: await startThrowawayCluster(), preloaded: false };
  }
}

// ---------------------------------------------------------------------------------------------
// One measured load

async function measureLoad(label, { loadPort, token, sub, connections, replicas, haproxy, monitor }) {
  const load = protectedLoad(loadPort, token, sub, connections);
  if (settings.warmupS > 0) await autocannon({ timeout: 10, ...load, duration: settings.warmupS });
  const handled0 = await Promise.all(replicas.map((r) => protectedHandled(r.metricsPort)));
  await monitor.reset();
  const replicaTicks0 = replicas.map((r) => cpuTicks(r.server.pid));
  const lbTicks0 = haproxy ? cpuTicks(haproxy.server.pid) : NaN;
  const pgTicks0 = monitor.ticks();
  const self0 = process.cpuUsage();
  const stat0 = cpuLine();
  const t0 = nowNs();
  const r = await autocannon({ timeout: 10, ...load, duration: settings.durationS });
  const wallS = msSince(t0) / 1000;
  const stat1 = cpuLine();
  const self = process.cpuUsage(self0);
  const replicaTicks = replicas.map((rep, i) => cpuTicks(rep.server.pid) - replicaTicks0[i]);
  const lbTicks = haproxy ? cpuTicks(haproxy.server.pid) - lbTicks0 : 0;
  const pgTicks = monitor.ticks() - pgTicks0;
  const statements = await monitor.read();
  const handled = (await Promise.all(replicas.map((rep) => protectedHandled(rep.metricsPort)))).map(
    (n, i) => n - handled0[i],
  );

  const s = summariseRun(r, wallS);
  const requests = Math.max(1, s.ok2xx + s.non2xx);
  const pct = (ticks) => (100 * ticks) / CLK_TCK / wallS;
  const usPerReq = (ticks) => (1e6 * ticks) / CLK_TCK / requests;
  const replicaSum = replicaTicks.reduce((a, b) => a + b, 0);
  const machine = machineCpu(stat0, stat1);
  const loaderPct = (100 * (self.user + self.system)) / 1e6 / wallS;
  const cpu = {
    replicasPct: pct(replicaSum),
    replicasUsPerRequest: usPerReq(replicaSum),
    perReplicaPct: replicaTicks.map(pct),
    haproxyPct: haproxy ? pct(lbTicks) : null,
    haproxyUsPerRequest: haproxy ? usPerReq(lbTicks) : null,
    postgresPct: pct(pgTicks),
    postgresUsPerRequest: usPerReq(pgTicks),
    loaderPct,
    loaderUsPerRequest: (self.user + self.system) / requests,
    machineBusyPct: machine.busyPct,
    machineBusyUsPerRequest: (machine.busyPct / 100) * wallS * (1e6 / requests),
    stealPct: machine.stealPct,
  };
  cpu.otherPct = cpu.machineBusyPct - cpu.replicasPct - (cpu.haproxyPct ?? 0) - cpu.postgresPct - cpu.loaderPct;
  // The CPU this set-up spends per request (replicas, HAProxy, PostgreSQL, loader), which other
  // processes on a shared machine disturb less than req/s; and the req/s it would reach if it
  // had the machine's cores to itself: all cores, each replica at most one core (its event
  // loop), HAProxy at most one core per thread. An estimate from this load's figures.
  cpu.ownUsPerRequest =
    cpu.replicasUsPerRequest + (cpu.haproxyUsPerRequest ?? 0) + cpu.postgresUsPerRequest + cpu.loaderUsPerRequest;
  const n = replicas.filter((_, i) => handled[i] > 0).length || 1;
  cpu.estimatedCeilingRps = Math.min(
    (CPU_COUNT * 1e6) / cpu.ownUsPerRequest,
    (n * 1e6) / cpu.replicasUsPerRequest,
    haproxy ? (settings.haproxyThreads * 1e6) / cpu.haproxyUsPerRequest : Infinity,
  );
  const row = {
    ...s,
    label,
    wallS,
    cpu,
    handledPerReplica: handled,
    postgresStatements: {
      total: statements.calls,
      perRequest: statements.calls / requests,
      background: statements.background,
      top: statements.top,
    },
  };
  log(
    `  ${label.padEnd(26)} ${String(round(s.rps, 0)).padStart(6)} req/s  p50 ${s.latencyMs.p50} ms  p99 ${s.latencyMs.p99} ms  ` +
      `non-2xx ${s.non2xx}  errors ${s.errors}  mismatches ${s.mismatches}\n` +
      `  ${''.padEnd(26)} CPU: replicas ${round(cpu.replicasPct, 0)}% [${cpu.perReplicaPct.map((p) => round(p, 0)).join(' ')}] ` +
      `(${round(cpu.replicasUsPerRequest, 0)} µs/req), haproxy ${haproxy ? `${round(cpu.haproxyPct, 0)}% (${round(cpu.haproxyUsPerRequest, 0)} µs/req)` : '-'}, ` +
      `postgres ${round(cpu.postgresPct, 1)}%, loader ${round(cpu.loaderPct, 0)}%, machine ${round(cpu.machineBusyPct, 0)}% of ${CPU_COUNT * 100}%, ` +
      `other ${round(cpu.otherPct, 0)}%; own CPU ${round(cpu.ownUsPerRequest, 0)} µs/req, est. ceiling ${round(cpu.estimatedCeilingRps, 0)} req/s; handled per replica [${handled.join(' ')}]; SQL statements ${statements.calls} (+ ${statements.background} background)`,
  );
  return row;
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  const started = Date.now();
  if (!fs.existsSync(DIST_MAIN)) {
    log(`bench/replicas.mjs: ${path.relative(process.cwd(), DIST_MAIN)} is missing: run npm run build first`);
    process.exit(1);
  }
  const haproxyBinary = onPath('haproxy');
  let haproxyVersion = null;
  try {
    if (haproxyBinary) haproxyVersion = execFileSync(haproxyBinary, ['-v'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    /* reported as null */
  }
  log(
    `Replicas on one host: GET /protected, STORE=postgres, up to ${settings.maxReplicas} replicas; ` +
      `${settings.warmupS} s warm-up + ${settings.durationS} s per load at ${settings.connections.join(' and ')} connections; ` +
      `${CPU_COUNT} cores`,
  );
  if (!haproxyBinary)
    log('  HAProxy skipped: `haproxy` is not on PATH (apt-get install haproxy); only N=1 direct is measured');

  const rows = [];
  const failures = [];
  const replicas = [];
  let cluster;
  let monitor;
  let haproxy;
  const account = { sub: `rp${randomBytes(4).toString('hex')}` };
  try {
    const pg = await startCluster();
    cluster = pg.cluster;
    monitor = await openMonitor(cluster.url);
    log(`  throwaway PostgreSQL at ${new URL(cluster.url).host}${monitor.statements ? ', pg_stat_statements on' : ''}`);

    // All replicas start together (each migrates on start; the migrations take turns) and run
    // to the end; a configuration puts the first N behind the load balancer.
    for (let i = 0; i < settings.maxReplicas; i++) {
      const port = await freePort();
      const env = { ...serviceEnv(port).env, STORE: 'postgres', DATABASE_URL: cluster.url };
      const server = startServer(`replica-${i + 1}`, DIST_MAIN, {
        env,
        logFile: path.join(LOG_DIR, `replica-${i + 1}.log`),
      });
      replicas.push({ server, port });
    }
    const ready = await Promise.all(replicas.map((r) => waitUntilAnswering(r.server, r.port, '/readyz', 200)));
    for (const r of replicas) r.metricsPort = await metricsPort(r.server.logFile);
    log(`  ${replicas.length} replicas ready after ${ready.map((ms) => round(ms, 0)).join(', ')} ms`);

    // One account, signed up and logged in through the load balancer (the two requests go to
    // different replicas), and its token accepted by every replica directly.
    if (haproxyBinary) {
      haproxy = await startHaproxy(
        haproxyBinary,
        replicas.map((r) => r.port),
        settings.haproxyThreads,
      );
      account.token = await serviceToken(haproxy.port, account.sub, 'service via haproxy');
      await haproxy.stop();
      haproxy = undefined;
    } else {
      account.token = await serviceToken(replicas[0].port, account.sub, 'replica-1');
    }
    for (const r of replicas) await checkProtected(r.server.name, r.port, account.token, account.sub);
    log(
      `  ${account.sub}: signed up and logged in ${haproxyBinary ? 'through HAProxy' : 'on replica-1'}; every replica accepts the token`,
    );

    const configs = [{ label: 'N=1 direct', n: 1, lb: false }];
    if (haproxyBinary)
      for (let n = 1; n <= settings.maxReplicas; n++) configs.push({ label: `N=${n} haproxy`, n, lb: true });
    const order = [];
    for (let pass = 1; pass <= settings.passes; pass++)
      for (const config of pass % 2 ? configs : [...configs].reverse()) order.push({ ...config, pass });
    for (const config of order) {
      const behind = replicas.slice(0, config.n);
      if (config.lb) {
        haproxy = await startHaproxy(
          haproxyBinary,
          behind.map((r) => r.port),
          settings.haproxyThreads,
        );
        await checkProtected(haproxy.server.name, haproxy.port, account.token, account.sub);
      }
      try {
        for (const connections of settings.connections) {
          await settle(500, settings.waitQuietS);
          const passTag = settings.passes > 1 ? ` #${config.pass}` : '';
          const row = await measureLoad(`${config.label} ${connections} conn.${passTag}`, {
            loadPort: config.lb ? haproxy.port : behind[0].port,
            token: account.token,
            sub: account.sub,
            connections,
            replicas,
            haproxy: config.lb ? haproxy : undefined,
            monitor,
          });
          row.config = { replicas: config.n, loadBalancer: config.lb ? 'haproxy' : 'none', connections };
          row.pass = config.pass;
          rows.push(row);
          if (row.non2xx || row.errors || row.timeouts || row.mismatches)
            failures.push(
              `${row.label}: ${row.non2xx} non-2xx (${JSON.stringify(row.statusCodes)}), ${row.errors} errors, ` +
                `${row.timeouts} timeouts, ${row.mismatches} body mismatches`,
            );
        }
      } finally {
        await haproxy?.stop();
        haproxy = undefined;
      }
    }
  } finally {
    await haproxy?.stop();
    for (const r of replicas) r.exit = await stopServer(r.server);
    await monitor?.close().catch(() => undefined);
    await cluster?.destroy();
  }

  // ------------------------------------------------------------------------------------------
  // Table, the ceiling, JSON

  log('');
  printTable([
    [
      'load',
      'req/s',
      'p50 ms',
      'p99 ms',
      'replicas %',
      'per replica %',
      'replicas µs/req',
      'haproxy %',
      'haproxy µs/req',
      'pg %',
      'SQL/req',
      'loader %',
      'machine %',
      'other %',
      'own µs/req',
      'est. ceiling',
    ],
    ...rows.map((r) => [
      r.label,
      round(r.rps, 0),
      r.latencyMs.p50,
      r.latencyMs.p99,
      round(r.cpu.replicasPct, 0),
      r.cpu.perReplicaPct
        .slice(0, r.config.replicas)
        .map((p) => round(p, 0))
        .join('/'),
      round(r.cpu.replicasUsPerRequest, 0),
      r.cpu.haproxyPct === null ? '-' : round(r.cpu.haproxyPct, 0),
      r.cpu.haproxyUsPerRequest === null ? '-' : round(r.cpu.haproxyUsPerRequest, 0),
      round(r.cpu.postgresPct, 1),
      Number.isFinite(r.postgresStatements.perRequest) ? round(r.postgresStatements.perRequest, 4) : 'n/a',
      round(r.cpu.loaderPct, 0),
      round(r.cpu.machineBusyPct, 0),
      round(r.cpu.otherPct, 0),
      round(r.cpu.ownUsPerRequest, 0),
      round(r.cpu.estimatedCeilingRps, 0),
    ]),
  ]);
  log(
    `  (machine %: of ${CPU_COUNT * 100}% for ${CPU_COUNT} cores; other = machine - replicas - haproxy - pg - loader; ` +
      'own µs/req = replicas + haproxy + pg + loader; est. ceiling: the req/s that CPU per request allows on ' +
      `${CPU_COUNT} cores, a replica at most one core, HAProxy one core per thread)`,
  );

  const summary = summarise(rows);
  if (settings.passes > 1) {
    log('');
    log(`Medians over ${settings.passes} passes:`);
    printTable([
      [
        'configuration',
        'req/s',
        'p99 ms',
        'replicas µs/req',
        'haproxy µs/req',
        'own µs/req',
        'est. ceiling',
        'other %',
      ],
      ...summary.map((r) => [
        r.label,
        round(r.rps, 0),
        round(r.p99, 0),
        round(r.replicasUsPerRequest, 0),
        r.haproxyUsPerRequest === null ? '-' : round(r.haproxyUsPerRequest, 0),
        round(r.ownUsPerRequest, 0),
        round(r.estimatedCeilingRps, 0),
        round(r.otherPct, 0),
      ]),
    ]);
  }

  const ceiling = ceilingFindings(summary, rows);
  log('');
  for (const line of ceiling.lines) log(`  ${line}`);
  for (const f of failures) log(`  FAILED: ${f}`);

  const out = {
    kind: 'replicas',
    startedAt: new Date(started).toISOString(),
    tookS: (Date.now() - started) / 1000,
    settings: { ...settings, haproxy: haproxyBinary ?? null, haproxyVersion },
    machine: machineInfo(process.env.UV_THREADPOOL_SIZE ?? null),
    rows,
    summary,
    replicaExits: replicas.map((r) => r.exit),
    ceiling,
    failures,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `replicas-${stamp()}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`\n  wrote ${path.relative(process.cwd(), file)} (took ${round(out.tookS, 0)} s)`);
  process.exit(failures.length ? 1 : 0);
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** One line per configuration and connection count: medians over the passes. */
function summarise(rows) {
  const groups = new Map();
  for (const r of rows) {
    const key = `${r.config.replicas}/${r.config.loadBalancer}/${r.config.connections}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups.values()].map((list) => {
    const { config } = list[0];
    const m = (f) => median(list.map(f));
    return {
      label: `N=${config.replicas} ${config.loadBalancer === 'none' ? 'direct' : config.loadBalancer} ${config.connections} conn.`,
      config,
      passes: list.length,
      rps: m((r) => r.rps),
      rpsRange: [Math.min(...list.map((r) => r.rps)), Math.max(...list.map((r) => r.rps))],
      p50: m((r) => r.latencyMs.p50),
      p99: m((r) => r.latencyMs.p99),
      replicasUsPerRequest: m((r) => r.cpu.replicasUsPerRequest),
      haproxyUsPerRequest: m((r) => r.cpu.haproxyUsPerRequest),
      haproxyPct: m((r) => r.cpu.haproxyPct),
      postgresPct: m((r) => r.cpu.postgresPct),
      postgresPctMax: Math.max(...list.map((r) => r.cpu.postgresPct)),
      sqlPerRequestMax: Math.max(...list.map((r) => r.postgresStatements.perRequest)),
      loaderUsPerRequest: m((r) => r.cpu.loaderUsPerRequest),
      ownUsPerRequest: m((r) => r.cpu.ownUsPerRequest),
      estimatedCeilingRps: m((r) => r.cpu.estimatedCeilingRps),
      machineBusyPct: m((r) => r.cpu.machineBusyPct),
      otherPct: m((r) => r.cpu.otherPct),
    };
  });
}

/** What limits the throughput, read from the figures: cores, the database or the load balancer. */
function ceilingFindings(summary, rows) {
  const lines = [];
  const capacity = CPU_COUNT * 100;
  const perConnections = {};
  for (const connections of [...new Set(summary.map((r) => r.config.connections))]) {
    const list = summary.filter((r) => r.config.connections === connections);
    const direct = list.find((r) => r.config.loadBalancer === 'none');
    const lb = list.filter((r) => r.config.loadBalancer !== 'none');
    const lb1 = lb.find((r) => r.config.replicas === 1);
    const lb2plus = lb.filter((r) => r.config.replicas >= 2);
    const f = {
      directRps: direct?.rps,
      rpsByReplicas: Object.fromEntries(lb.map((r) => [r.config.replicas, r.rps])),
      lb1OverDirect: lb1 && direct ? lb1.rps / direct.rps : undefined,
      directOwnUsPerRequest: direct?.ownUsPerRequest,
      directEstimatedCeilingRps: direct?.estimatedCeilingRps,
      lbOwnUsPerRequest: median(lb2plus.map((r) => r.ownUsPerRequest)),
      lbEstimatedCeilingRps: median(lb2plus.map((r) => r.estimatedCeilingRps)),
    };
    perConnections[connections] = f;
    const scaling = lb.map((r) => `N=${r.config.replicas} ${round(r.rps, 0)}`).join(', ');
    lines.push(
      `${connections} conn.: direct ${round(f.directRps, 0)} req/s; via haproxy ${scaling || '-'}` +
        (f.lb1OverDirect ? ` (N=1 via haproxy = ${round(f.lb1OverDirect, 2)}× direct)` : '') +
        '. Own CPU per request: ' +
        list.map((r) => `${r.label.replace(/ \d+ conn\.$/, '')} ${round(r.ownUsPerRequest, 0)} µs`).join(', ') +
        '. Estimated ceiling on this machine: ' +
        list.map((r) => `${r.label.replace(/ \d+ conn\.$/, '')} ${round(r.estimatedCeilingRps, 0)}`).join(', ') +
        ' req/s.',
    );
  }
  const saturated = rows.filter((r) => r.cpu.machineBusyPct >= 0.9 * capacity);
  const busyOthers = rows.filter((r) => r.cpu.otherPct > 20);
  const pgMax = Math.max(...rows.map((r) => r.cpu.postgresPct));
  const sqlMax = Math.max(...rows.map((r) => r.postgresStatements.perRequest));
  const lbRows = rows.filter((r) => r.config.loadBalancer !== 'none');
  const lbUs = median(lbRows.map((r) => r.cpu.haproxyUsPerRequest));
  const lbPctMax = lbRows.length ? Math.max(...lbRows.map((r) => r.cpu.haproxyPct)) : undefined;
  const loaderUs = median(rows.map((r) => r.cpu.loaderUsPerRequest));
  const replicaUs = median(lbRows.filter((r) => r.config.replicas >= 2).map((r) => r.cpu.replicasUsPerRequest));
  lines.push(
    `Cores: ${saturated.length} of ${rows.length} loads kept the machine ≥ 90% busy` +
      (busyOthers.length
        ? `; in ${busyOthers.length} loads other processes used more than 20% of a core (${busyOthers.map((r) => r.label).join(', ')}): their req/s is low for that reason, the CPU per request much less so.`
        : '.') +
      (replicaUs === null
        ? ''
        : ` From 2 replicas on, the replicas can use both cores, and the replicas (${round(replicaUs, 0)} µs/req), HAProxy (${round(lbUs, 0)}) and ` +
          `the loader (${round(loaderUs, 0)}) share those ${CPU_COUNT} cores: more replicas do not add cores.`),
    `Database: PostgreSQL used at most ${round(pgMax, 1)}% of a core and ran at most ${Number.isFinite(sqlMax) ? round(sqlMax, 4) : 'n/a'} request-path statements per request ` +
      '(timed background statements apart): ' +
      (pgMax < 5 ? 'not the limit (the caches answer /protected).' : 'it did work during the loads, see the rows.'),
  );
  if (lbUs !== null)
    lines.push(
      `Load balancer: HAProxy (${settings.haproxyThreads} thread${settings.haproxyThreads > 1 ? 's' : ''}) used ${round(lbUs, 0)} µs of CPU per request (median) and at most ${round(lbPctMax, 0)}% of a core: ` +
        (lbPctMax < 0.9 * 100 * settings.haproxyThreads
          ? `below its ${settings.haproxyThreads * 100}%, so a cost taken from the same ${CPU_COUNT} cores, not a ceiling of its own.`
          : `at its ${settings.haproxyThreads * 100}%: the load balancer is a ceiling; try --haproxy-threads=2.`),
    );
  return { lines, perConnections };
}

main().catch((err) => {
  log(`bench/replicas.mjs failed: ${err.stack ?? err}`);
  process.exit(1);
});
