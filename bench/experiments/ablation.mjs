#!/usr/bin/env node
// EXPERIMENT, not part of `npm run bench`: GET /protected throughput and server CPU per request
// for the service's app with layers removed or replaced (see ablation-server.mjs), next to the
// plain-Express baseline, in rounds that interleave the variants so a busy shared machine
// disturbs them alike. Needs dist/ (npm run build).
//
//   node bench/experiments/ablation.mjs [--rounds=2] [--duration=6] [--warmup=2] [--only=a,b]
/* global process */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_JWT_SECRET, BENCH_PASSWORD } from '../fixtures.mjs';
import {
  BENCH_DIR,
  LOG_DIR,
  RESULTS_DIR,
  ROOT,
  checkProtected,
  freePort,
  log,
  logTail,
  machineInfo,
  measure,
  printTable,
  protectedLoad,
  request,
  round,
  settle,
  signBenchToken,
  stamp,
  startServer,
  stopServer,
  waitUntilAnswering,
} from '../lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROUNDS = Number(opt('rounds', 2));
const DURATION_S = Number(opt('duration', 6));
const WARMUP_S = Number(opt('warmup', 2));
const CONNECTIONS = 32;

const VARIANTS = [
  ['service as built', ''],
  ['- pino-http (no request log)', 'drop:result'],
  ['- metrics middleware', 'drop:httpMiddleware'],
  ['- helmet', 'drop:helmetMiddleware'],
  ['- EOV response validation', 'drop:responseMiddleware'],
  ['- EOV request validation', 'drop:requestMiddleware'],
  ['- express-openapi-validator entirely', 'no-eov'],
  ['- logger redaction', 'no-redact'],
  ['fix: memoised pathToRegexp', 'memo-ptr'],
  ['fix: lean request logger', 'lean-log'],
  ['fix: static security headers', 'static-headers'],
  ['fix: all three fixes', 'memo-ptr,lean-log,static-headers'],
  ['- redaction wildcards (*.x)', 'narrow-redact'],
  ['- EOV multipart layer (fileUploader: false)', 'drop:multipartMiddleware'],
  ['fix: all keepable fixes', 'memo-ptr,lean-log,static-headers,narrow-redact,drop:multipartMiddleware'],
  ['fix: EOV → own precompiled validation', 'own-validation'],
  [
    'fix: proposal (own validation + lean log + static headers + narrow redact)',
    'own-validation,lean-log,static-headers,narrow-redact',
  ],
  ['fix: own validation + static headers', 'own-validation,static-headers'],
  ['fix: API preamble in one layer', 'preamble'],
  ['fix: own validation + static headers + preamble', 'own-validation,static-headers,preamble'],
  ['- everything above (floor)', 'drop:result,drop:httpMiddleware,drop:helmetMiddleware,no-eov'],
];
const only = opt('only', '');
const variants = only ? VARIANTS.filter(([, v]) => only.split(';').includes(v)) : VARIANTS;

async function runVariant(label, ablate, user) {
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: BENCH_JWT_SECRET, // bench fixture
    HOST: '127.0.0.1',
    PORT: String(port),
    ABLATE: ablate,
  };
  delete env.NODE_OPTIONS;
  const server = startServer('ablation', path.join(BENCH_DIR, 'experiments', 'ablation-server.mjs'), {
    env,
    logFile: path.join(LOG_DIR, 'ablation.log'),
  });
  try {
    await waitUntilAnswering(server, port, '/readyz', 200);
    const body = JSON.stringify({ username: user, password: BENCH_PASSWORD });
    const signup = await request(port, {
      method: 'POST',
      path: '/signup',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (signup.status !== 200) throw new Error(`${label}: signup ${signup.status} ${signup.body}`);
    const token = signBenchToken(user);
    await checkProtected(label, port, token, user);
    return await measure(label, {
      pid: server.pid,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      ...protectedLoad(port, token, user, CONNECTIONS),
    });
  } finally {
    await stopServer(server);
  }
}

async function runExpress(user) {
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET: BENCH_JWT_SECRET,
  };
  delete env.NODE_OPTIONS;
  const server = startServer('baseline-express', path.join(BENCH_DIR, 'baselines', 'express-server.mjs'), {
    env,
    logFile: path.join(LOG_DIR, 'baseline-express.log'),
  });
  try {
    await waitUntilAnswering(server, port, '/protected', 401);
    const token = signBenchToken(user);
    await checkProtected('baseline-express', port, token, user);
    return await measure('plain Express baseline', {
      pid: server.pid,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      ...protectedLoad(port, token, user, CONNECTIONS),
    });
  } finally {
    await stopServer(server);
  }
}

const user = `bench_${randomBytes(4).toString('hex')}`;
const results = new Map();
const add = (label, r) => results.set(label, [...(results.get(label) ?? []), r]);
const skipped = new Map();
for (let round_ = 1; round_ <= ROUNDS; round_++) {
  log(`round ${round_}/${ROUNDS}`);
  await settle(1000, 20);
  add('plain Express baseline', await runExpress(user));
  for (const [label, ablate] of variants) {
    if (skipped.has(label)) continue;
    await settle(1000, 20);
    try {
      add(label, await runVariant(label, ablate, user));
    } catch (err) {
      // The app's composition changed under this variant (e.g. a layer it replaces is gone).
      const why = logTail(path.join(LOG_DIR, 'ablation.log'), 1);
      skipped.set(
        label,
        why.includes('not applicable') ? why : String(err instanceof Error ? err.message : err).split('\n')[0],
      );
      log(`  ${label}: skipped (${skipped.get(label)})`);
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const express = results.get('plain Express baseline');
const expressRps = median(express.map((r) => r.rps));
const expressUs = median(express.map((r) => r.serverCpuUsPerRequest));
const full = results.get('service as built');
const fullUs = full ? median(full.map((r) => r.serverCpuUsPerRequest)) : NaN;
const rows = [
  [
    'variant (GET /protected, 32 conns; medians)',
    'req/s',
    '÷ Express',
    'server CPU µs/req',
    'Δ µs/req vs service',
    'p99 ms',
    'other CPU %',
  ],
];
for (const [label, runs] of results) {
  const rps = median(runs.map((r) => r.rps));
  const us = median(runs.map((r) => r.serverCpuUsPerRequest));
  rows.push([
    label,
    round(rps, 0),
    `${round(rps / expressRps, 2)}×`,
    round(us, 0),
    label === 'plain Express baseline' ? '' : `${us - fullUs >= 0 ? '+' : ''}${round(us - fullUs, 0)}`,
    median(runs.map((r) => r.latencyMs.p99)),
    round(median(runs.map((r) => r.otherCpuPct)), 0),
  ]);
}
log('');
printTable(rows);
for (const [label, why] of skipped) log(`${label}: not measured (${why})`);
log(
  `\n(CPU-time ratio Express ÷ service as built: ${round(expressUs / fullUs, 2)}×; ÷ Express by CPU time is the figure least disturbed by other load)`,
);
fs.mkdirSync(RESULTS_DIR, { recursive: true });
const file = path.join(RESULTS_DIR, `ablation-${stamp()}.json`);
fs.writeFileSync(
  file,
  `${JSON.stringify({ machine: machineInfo(4), rounds: ROUNDS, durationS: DURATION_S, results: Object.fromEntries(results), skipped: Object.fromEntries(skipped) }, null, 2)}\n`,
);
log(`wrote ${path.relative(ROOT, file)}`);
