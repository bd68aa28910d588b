#!/usr/bin/env node
// HISTORY: the study behind src/domain/argon2-pool.ts (niced worker threads), kept to rerun
// the comparison; the service no longer hashes on libuv's pool. Not part of `npm run bench`:
// GET /protected latency while argon2id saturates the CPU, with the hashing on libuv's pool,
// in worker threads, or in niced worker threads (see hash-isolation-server.mjs).
//   node bench/experiments/hash-isolation.mjs [--duration=8] [--rounds=2]
/* global process */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BENCH_JWT_SECRET } from '../fixtures.mjs';
import {
  BENCH_DIR,
  LOG_DIR,
  checkProtected,
  freePort,
  log,
  measure,
  printTable,
  protectedLoad,
  request,
  round,
  settle,
  signBenchToken,
  startServer,
  stopServer,
  waitUntilAnswering,
} from '../lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const DURATION_S = Number(opt('duration', 8));
const ROUNDS = Number(opt('rounds', 2));
const MODES = ['none', 'pool', 'workers', 'niced-workers'];
const user = `bench_${randomBytes(4).toString('hex')}`;
const rows = [['hashing placement', 'GET /protected req/s', 'p50 ms', 'p99 ms', 'argon2 verifies/s']];

for (let r = 1; r <= ROUNDS; r++) {
  for (const mode of MODES) {
    await settle(1000, 20);
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      JWT_SECRET: BENCH_JWT_SECRET,
      HASHING: mode === 'none' ? 'pool' : mode,
    };
    delete env.NODE_OPTIONS;
    const server = startServer('hash-isolation', path.join(BENCH_DIR, 'experiments', 'hash-isolation-server.mjs'), {
      env,
      logFile: path.join(LOG_DIR, 'hash-isolation.log'),
    });
    try {
      await waitUntilAnswering(server, port, '/protected', 401);
      const token = signBenchToken(user);
      await checkProtected(mode, port, token, user);
      if (mode !== 'none') await request(port, { path: '/hash-start' });
      const before = JSON.parse((await request(port, { path: '/hash-stats' })).body).verifies;
      const t0 = Date.now();
      const run = await measure(`round ${r}: ${mode}`, {
        pid: server.pid,
        warmupS: 1,
        durationS: DURATION_S,
        ...protectedLoad(port, token, user, 32),
      });
      const after = JSON.parse((await request(port, { path: '/hash-stats' })).body).verifies;
      rows.push([
        `${mode} (round ${r})`,
        round(run.rps, 0),
        run.latencyMs.p50,
        run.latencyMs.p99,
        round(((after - before) * 1000) / (Date.now() - t0), 1),
      ]);
    } finally {
      await stopServer(server);
    }
  }
}
log('');
printTable(rows);
