#!/usr/bin/env node
// GET /protected side by side: plain Express, bare node:http, the original FastAPI service (when
// Python has it), and the service on each store, all running at once while their loads take
// turns, pass after pass (the order reversed every other pass), so that a change in the shared
// machine's other load hits every server alike. The ratios are taken within a pass and their
// median reported. See bench/README.md, "GET /protected side by side".
//
//   node bench/protected-compare.mjs                  8 passes of 0.5 s warm-up + 3 s
//   node bench/protected-compare.mjs --quick          1 pass of 0.5 s + 2 s
//   flags: --passes=N --duration=S --warmup=S --stores=memory,postgres --no-fastapi
//          --variant=LABEL:path/to/dist/main.js (another build on STORE=memory; repeatable: A/B)
//          --ablation (adds what single layers cost: the service on STORE=memory with response
//          validation off, with the request line off (LOG_LEVEL=warn), with metrics off, and
//          plain Express sending the service's response headers; never a production setting)
//          --strict (exit 1 when a target is missed)
// Also imported by bench/run.mjs (protectedCompare()).
/* global process, console */
import autocannon from 'autocannon';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BENCH_JWT_SECRET } from './fixtures.mjs';
import {
  BENCH_DIR,
  DIST_MAIN,
  LOG_DIR,
  RESULTS_DIR,
  ROOT,
  checkProtected,
  freePort,
  log,
  machineInfo,
  measure,
  memKiB,
  printTable,
  protectedLoad,
  round,
  serviceEnv,
  serviceToken,
  settle,
  signBenchToken,
  stamp,
  startServer,
  stopServer,
  waitUntilAnswering,
} from './lib.mjs';

const require = createRequire(import.meta.url);

export const PROTECTED_CONNECTIONS = 32;

/** The issue's targets, judged on the medians of the per-pass ratios. */
export const COMPARE_TARGETS = {
  rpsVsExpress: { label: 'req/s ÷ plain Express', op: '>=', target: 0.75, unit: '×' },
  p99VsExpress: { label: 'p99 ÷ plain Express p99', op: '<=', target: 1.5, unit: '×' },
};

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const range = (xs) => {
  const s = xs.filter(Number.isFinite);
  return s.length === 0 ? [NaN, NaN] : [Math.min(...s), Math.max(...s)];
};

/** Ablation variants: one layer of the service switched off, or one added to plain Express. */
export const ABLATIONS = [
  { label: 'no-response-validation', env: { VALIDATE_RESPONSES: 'false' } },
  { label: 'no-request-line', env: { LOG_LEVEL: 'warn' } },
  { label: 'no-metrics', env: { METRICS_ENABLED: 'false' } },
];

async function startNodeBaseline(name, script, sub, extraEnv = {}) {
  const port = await freePort();
  const env = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...extraEnv };
  env.JWT_SECRET = BENCH_JWT_SECRET; // bench fixture, see bench/fixtures.mjs
  delete env.NODE_OPTIONS;
  const server = startServer(name, path.join(BENCH_DIR, 'baselines', script), {
    env,
    logFile: path.join(LOG_DIR, `${name}.log`),
  });
  const readyMs = await waitUntilAnswering(server, port, '/protected', 401);
  const token = signBenchToken(sub);
  await checkProtected(name, port, token, sub);
  return { name, server, port, readyMs, load: protectedLoad(port, token, sub, PROTECTED_CONNECTIONS) };
}

async function startServiceOn(name, script, env, port, sub) {
  const server = startServer(name, script, { env, logFile: path.join(LOG_DIR, `${name}.log`) });
  try {
    const readyMs = await waitUntilAnswering(server, port, '/readyz', 200);
    const token = await serviceToken(port, sub, name);
    return { name, server, port, readyMs, load: protectedLoad(port, token, sub, PROTECTED_CONNECTIONS) };
  } catch (err) {
    await stopServer(server);
    throw err;
  }
}

/**
 * Runs the comparison. `ctx`: { passes, warmupS, durationS, settleMs, quietWaitS, stores,
 * fastapi, variants: [{ label, main }] }. Returns the runs, the per-server summary, the
 * ratios and the targets.
 */
export async function protectedCompare(ctx) {
  const { passes, warmupS, durationS, settleMs, quietWaitS } = ctx;
  const sub = `cmp_${randomBytes(4).toString('hex')}`;
  const servers = [];
  const skipped = [];
  let cluster;
  let fastapi;
  let fastapiInfo;
  try {
    servers.push(await startNodeBaseline('express', 'express-server.mjs', sub));
    servers.push(await startNodeBaseline('node:http', 'node-http-server.mjs', sub));
    if (ctx.ablation)
      servers.push(
        await startNodeBaseline('express+service-headers', 'express-server.mjs', sub, { SERVICE_HEADERS: '1' }),
      );
    if (ctx.fastapi) {
      const { startFastapiBaseline } = await import('./baselines/fastapi.mjs');
      const port = await freePort();
      const f = await startFastapiBaseline({ port, logFile: path.join(LOG_DIR, 'fastapi.log'), username: sub });
      if (f.skipped) {
        skipped.push(f.skipped);
        log(`  ${f.skipped}`);
      } else {
        fastapi = f;
        const load = protectedLoad(port, f.token, sub, PROTECTED_CONNECTIONS);
        servers.push({ name: 'fastapi', server: f.server, port, readyMs: f.readyMs, load });
        fastapiInfo = {
          python: f.python,
          versions: f.versions,
          loop: f.loop,
          http: f.http,
        };
        log(
          `  FastAPI baseline: Python ${f.python.version}, ${Object.entries(f.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}, uvicorn on ${f.loop} + ${f.http}, access log on`,
        );
      }
    }
    for (const store of ctx.stores) {
      const port = await freePort();
      const { env } = serviceEnv(port);
      if (store === 'postgres') {
        const { startThrowawayCluster } = require('../scripts/throwaway-postgres.js');
        try {
          cluster ??= await startThrowawayCluster();
        } catch (err) {
          const reason = `STORE=postgres skipped: no throwaway PostgreSQL (${String(err.message).split('\n')[0]})`;
          skipped.push(reason);
          log(`  ${reason}`);
          continue;
        }
        env.STORE = 'postgres';
        env.DATABASE_URL = cluster.url;
      } else {
        env.STORE = store;
      }
      servers.push(await startServiceOn(`service-${store}`, DIST_MAIN, env, port, sub));
    }
    for (const { label, env: overrides } of ctx.ablation ? ABLATIONS : []) {
      const port = await freePort();
      const { env } = serviceEnv(port);
      Object.assign(env, { STORE: 'memory' }, overrides);
      servers.push(await startServiceOn(`memory:${label}`, DIST_MAIN, env, port, sub));
    }
    for (const { label, main } of ctx.variants) {
      const port = await freePort();
      const { env } = serviceEnv(port);
      env.STORE = 'memory';
      servers.push(await startServiceOn(label, path.resolve(main), env, port, sub));
    }
    for (const s of servers) log(`  ${s.name.padEnd(18)} ready after ${round(s.readyMs, 0)} ms on port ${s.port}`);

    // Every server gets its JIT warmed once before the first pass: the passes' own warm-ups
    // are short, so that many short loads can take turns.
    for (const s of servers) await autocannon({ timeout: 10, ...s.load, duration: ctx.initialWarmupS ?? 3 });
    const runs = Object.fromEntries(servers.map((s) => [s.name, []]));
    for (let pass = 0; pass < passes; pass++) {
      const order = pass % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        await settle(settleMs, quietWaitS);
        const r = await measure(`pass ${pass + 1} ${s.name} /protected`, {
          pid: s.server.pid,
          warmupS,
          durationS,
          ...s.load,
        });
        r.pass = pass;
        r.rssKiB = memKiB(s.server.pid);
        runs[s.name].push(r);
      }
    }
    return { ...summarise(runs, servers, skipped, ctx), fastapi: fastapiInfo };
  } finally {
    for (const s of servers) await stopServer(s.server);
    if (fastapi && !servers.some((s) => s.name === 'fastapi')) await stopServer(fastapi.server);
    await cluster?.destroy();
  }
}

function summarise(runs, servers, skipped, ctx) {
  const failures = [];
  for (const [name, rs] of Object.entries(runs)) {
    for (const r of rs) {
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.mismatches > 0)
        failures.push(
          `${name} pass ${r.pass + 1}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} body mismatches`,
        );
    }
  }
  const express = runs.express;
  const byServer = {};
  for (const s of servers) {
    const rs = runs[s.name];
    const vsExpress = rs.map((r, i) => r.rps / express[i].rps);
    const p99VsExpress = rs.map((r, i) => r.latencyMs.p99 / Math.max(1, express[i].latencyMs.p99));
    const cpuVsExpress = rs.map((r, i) => express[i].serverCpuUsPerRequest / r.serverCpuUsPerRequest);
    byServer[s.name] = {
      readyMs: s.readyMs,
      rps: median(rs.map((r) => r.rps)),
      rpsRange: range(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.latencyMs.p50)),
      p99: median(rs.map((r) => r.latencyMs.p99)),
      p99Range: range(rs.map((r) => r.latencyMs.p99)),
      cpuUsPerRequest: median(rs.map((r) => r.serverCpuUsPerRequest)),
      cpuUsPerRequestRange: range(rs.map((r) => r.serverCpuUsPerRequest)),
      serverCpuPct: median(rs.map((r) => r.serverCpuPct)),
      otherCpuPct: Math.max(...rs.map((r) => r.otherCpuPct)),
      peakRssKiB: Math.max(...rs.map((r) => r.rssKiB?.hwm ?? NaN)),
      rpsVsExpress: median(vsExpress),
      rpsVsExpressRange: range(vsExpress),
      p99VsExpress: median(p99VsExpress),
      p99VsExpressRange: range(p99VsExpress),
      cpuVsExpress: median(cpuVsExpress),
    };
  }
  const targets = {};
  for (const name of Object.keys(byServer).filter((n) => n.startsWith('service-'))) {
    for (const [key, t] of Object.entries(COMPARE_TARGETS)) {
      const value = byServer[name][key];
      targets[`${name} ${key}`] = {
        ...t,
        label: `${name} ${t.label}`,
        value,
        pass: Number.isFinite(value) && (t.op === '>=' ? value >= t.target : value <= t.target),
      };
    }
  }
  const vsFastapi = {};
  if (byServer.fastapi) {
    for (const name of Object.keys(byServer).filter((n) => n !== 'fastapi')) {
      vsFastapi[name] = median(runs[name].map((r, i) => r.rps / runs.fastapi[i].rps));
    }
  }
  return {
    settings: {
      passes: ctx.passes,
      warmupS: ctx.warmupS,
      durationS: ctx.durationS,
      connections: PROTECTED_CONNECTIONS,
      stores: ctx.stores,
    },
    skipped,
    runs,
    byServer,
    vsFastapi,
    targets,
    failures,
  };
}

export function printCompare(result) {
  const { byServer, vsFastapi, targets, skipped } = result;
  const r0 = (x) => round(x, 0);
  const r2 = (x) => round(x, 2);
  const rows = [
    [
      'server',
      'req/s (median)',
      'range',
      'p50 / p99 ms',
      'CPU µs/req',
      'server CPU',
      '÷ Express req/s',
      'p99 ÷ Express',
      '÷ FastAPI',
      'peak RSS MiB',
    ],
  ];
  for (const [name, s] of Object.entries(byServer)) {
    rows.push([
      name,
      r0(s.rps),
      `${r0(s.rpsRange[0])}–${r0(s.rpsRange[1])}`,
      `${s.p50} / ${s.p99}`,
      `${r0(s.cpuUsPerRequest)} (${r0(s.cpuUsPerRequestRange[0])}–${r0(s.cpuUsPerRequestRange[1])})`,
      `${r0(s.serverCpuPct)}%`,
      `${r2(s.rpsVsExpress)}× (${r2(s.rpsVsExpressRange[0])}–${r2(s.rpsVsExpressRange[1])})`,
      `${r2(s.p99VsExpress)}×`,
      vsFastapi[name] === undefined ? '' : `${r2(vsFastapi[name])}×`,
      round(s.peakRssKiB / 1024, 1),
    ]);
  }
  printTable(rows);
  for (const line of skipped) log(`  ${line}`);
  for (const t of Object.values(targets))
    log(`  ${t.label}: ${r2(t.value)}× (target ${t.op} ${t.target}×) ${t.pass ? 'pass' : 'MISS'}`);
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  for (const a of argv) {
    if (
      !/^--(quick|strict|no-fastapi|ablation|passes=\d+|duration=[\d.]+|warmup=[\d.]+|stores=[a-z,]*|variant=[^:]+:.+)$/.test(
        a,
      )
    ) {
      console.error(
        `unknown argument ${a}\nusage: node bench/protected-compare.mjs [--quick] [--strict] [--passes=N] [--duration=S] [--warmup=S] [--stores=memory,postgres] [--no-fastapi] [--ablation] [--variant=LABEL:path/main.js]`,
      );
      process.exit(2);
    }
  }
  const quick = argv.includes('--quick');
  const ctx = {
    passes: Number(opt('passes') ?? (quick ? 1 : 8)),
    warmupS: Number(opt('warmup') ?? 0.5),
    durationS: Number(opt('duration') ?? (quick ? 2 : 3)),
    settleMs: quick ? 300 : 1500,
    initialWarmupS: quick ? 1 : 3,
    quietWaitS: quick ? 2 : 30,
    stores: (opt('stores') ?? 'memory,postgres').split(',').filter(Boolean),
    fastapi: !argv.includes('--no-fastapi'),
    ablation: argv.includes('--ablation'),
    variants: argv
      .filter((a) => a.startsWith('--variant='))
      .map((a) => {
        const [label, main] = a.slice('--variant='.length).split(/:(.*)/s);
        return { label, main };
      }),
  };
  if (!fs.existsSync(DIST_MAIN)) {
    console.error('dist/main.js is missing: run `npm run build` first.');
    process.exit(2);
  }
  log(
    `GET /protected side by side: ${ctx.passes} pass(es) of ${ctx.warmupS} s warm-up + ${ctx.durationS} s, ${PROTECTED_CONNECTIONS} connections`,
  );
  const result = await protectedCompare(ctx);
  log('');
  printCompare(result);
  for (const f of result.failures) log(`FAIL: ${f}`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `protected-compare-${stamp()}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ machine: machineInfo(4), ...result }, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, file)}`);
  if (result.failures.length > 0) return 1;
  if (argv.includes('--strict') && Object.values(result.targets).some((t) => !t.pass)) return 1;
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(`protected-compare failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  }
}
