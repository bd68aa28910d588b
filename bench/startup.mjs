#!/usr/bin/env node
// Start-up cost of the built service: spawns `node dist/main.js` (STORE=memory, the bench's
// production environment) N times and reports, per spawn, the time to the first 200 from
// GET /readyz, the CPU time the process used by then, the time of the first sign-up right
// after, and its peak RSS (VmHWM) after that sign-up, one login and 100 GET /protected.
//
//   node bench/startup.mjs [--runs=10] [--main=dist/main.js[,other/main.js...]] [--cpu-prof=<dir>] [--json]
//
// --main: other builds of the service (e.g. a copy of dist/ from before a change); with several,
// their spawns alternate, so builds are compared on the same machine in the same minutes. --cpu-prof: each spawn writes
// a start-up CPU profile into <dir> (summarise with bench/profile-summary.mjs); the process
// is stopped as soon as it is ready, so the profile covers start-up only.
//
// Spawns are sequential, with a short pause between them; the machine may be shared, so read
// the median and the spread, not one run.
/* global process, console, URLSearchParams */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLK_TCK,
  DIST_MAIN,
  ROOT,
  cpuLine,
  cpuTicks,
  freePort,
  memKiB,
  request,
  msSince,
  nowNs,
  serviceEnv,
  startServer,
  stopServer,
  systemIdleFraction,
  waitUntilAnswering,
} from './lib.mjs';
import { BENCH_PASSWORD } from './fixtures.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=', 2);
    return [k, v ?? true];
  }),
);
const RUNS = Number(args.runs ?? 10);
const MAINS = args.main
  ? String(args.main)
      .split(',')
      .map((m) => path.resolve(m))
  : [DIST_MAIN];
const PROFILE_DIR = typeof args['cpu-prof'] === 'string' ? path.resolve(args['cpu-prof']) : undefined;
const PROTECTED_REQUESTS = 100;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const fmt = (s, unit, d = 0) =>
  `median ${s.median.toFixed(d)} ${unit}  (min ${s.min.toFixed(d)}, max ${s.max.toFixed(d)})`;

async function oneRun(main, i, logDir) {
  const port = await freePort();
  const { env } = serviceEnv(port);
  env.STORE = 'memory';
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const before = cpuLine();
  const server = startServer(`startup-${i}`, main, { env, nodeArgs, logFile: path.join(logDir, `run-${i}.log`) });
  try {
    const readyMs = await waitUntilAnswering(server, port, '/readyz', 200);
    const cpuMs = (cpuTicks(server.pid) * 1000) / CLK_TCK;
    // The whole machine during start-up: this service, this script and whatever else runs.
    const machineBusy = 1 - systemIdleFraction(before, cpuLine());
    let peakRssMiB;
    let firstSignupMs;
    if (!PROFILE_DIR) {
      const user = `startup-${i}-${Date.now()}`;
      const t0 = nowNs();
      const signup = await request(port, {
        method: 'POST',
        path: '/signup',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user, password: BENCH_PASSWORD }),
      });
      if (signup.status !== 200) throw new Error(`POST /signup answered ${signup.status} ${signup.body}`);
      firstSignupMs = msSince(t0);
      const login = await request(port, {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username: user, password: BENCH_PASSWORD }).toString(),
      });
      if (login.status !== 200) throw new Error(`POST /token answered ${login.status} ${login.body}`);
      const token = JSON.parse(login.body).access_token;
      for (let n = 0; n < PROTECTED_REQUESTS; n++) {
        const res = await request(port, { path: '/protected', headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`GET /protected answered ${res.status} ${res.body}`);
      }
      peakRssMiB = memKiB(server.pid).hwm / 1024;
    }
    return { readyMs, cpuMs, firstSignupMs, peakRssMiB, machineBusy };
  } finally {
    await stopServer(server);
  }
}

const logDir = mkdtempSync(path.join(os.tmpdir(), 'startup-bench-'));
const runs = new Map(MAINS.map((m) => [m, []]));
const label = (main) => path.relative(ROOT, main) || main;
try {
  for (let i = 0; i < RUNS; i++) {
    for (const main of MAINS) {
      await sleep(300);
      const r = await oneRun(main, i, logDir);
      runs.get(main).push(r);
      if (!args.json) {
        const rss =
          r.peakRssMiB === undefined
            ? ''
            : `  first sign-up ${r.firstSignupMs.toFixed(0)} ms  peak RSS ${r.peakRssMiB.toFixed(1)} MiB`;
        console.log(
          `run ${String(i + 1).padStart(2)}: ready ${r.readyMs.toFixed(0)} ms  cpu ${r.cpuMs.toFixed(0)} ms${rss}` +
            `  (machine ${(100 * r.machineBusy).toFixed(0)}% busy)  ${MAINS.length > 1 ? label(main) : ''}`,
        );
      }
    }
  }
} finally {
  rmSync(logDir, { recursive: true, force: true });
}

const summaries = MAINS.map((main) => {
  const rs = runs.get(main);
  return {
    main: label(main),
    runs: rs.length,
    spawnToReadyMs: stats(rs.map((r) => r.readyMs)),
    cpuToReadyMs: stats(rs.map((r) => r.cpuMs)),
    ...(PROFILE_DIR
      ? {}
      : { firstSignupMs: stats(rs.map((r) => r.firstSignupMs)), peakRssMiB: stats(rs.map((r) => r.peakRssMiB)) }),
    machineBusyPct: stats(rs.map((r) => 100 * r.machineBusy)),
  };
});
if (args.json) {
  console.log(JSON.stringify(summaries, null, 2));
} else {
  for (const summary of summaries) {
    console.log(`\n${summary.main}, ${summary.runs} spawns, STORE=memory`);
    console.log(`spawn -> first 200 /readyz: ${fmt(summary.spawnToReadyMs, 'ms')}`);
    console.log(`CPU time to ready:          ${fmt(summary.cpuToReadyMs, 'ms')}`);
    if (summary.firstSignupMs) console.log(`first POST /signup after ready: ${fmt(summary.firstSignupMs, 'ms')}`);
    if (summary.peakRssMiB)
      console.log(
        `peak RSS (VmHWM) after sign-up, login, ${PROTECTED_REQUESTS} /protected: ${fmt(summary.peakRssMiB, 'MiB', 1)}`,
      );
    console.log(`machine busy during start-up (all cores, this service included): ${fmt(summary.machineBusyPct, '%')}`);
  }
  if (PROFILE_DIR) console.log(`\nprofiles in ${PROFILE_DIR}`);
}
