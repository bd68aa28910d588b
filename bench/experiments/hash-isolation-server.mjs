// EXPERIMENT, not part of `npm run bench`: the bare node:http /protected baseline plus a
// constant argon2id load in the same process, placed three ways (HASHING env):
//   pool          THREADPOOL (default 4) concurrent async verifies on libuv's thread pool,
//                 as the service does today
//   workers       N worker threads (default: CPU count) each running verifySync in a loop
//   niced-workers the same, each worker first lowering its own thread's priority (nice 19;
//                 on Linux os.setPriority(0, …) applies to the calling thread only)
// GET /hash-stats answers the verifies completed so far.
/* global process, Buffer, URL */
import { availableParallelism } from 'node:os';
import os from 'node:os';
import { createServer } from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Algorithm, hash, verify, verifySync } from '@node-rs/argon2';
import { createVerifier, exitOnSignals } from '../baselines/verify.mjs';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 };
const PASSWORD = 'bench-fixture-Password-7f3Kq';

if (!isMainThread) {
  if (workerData.nice) os.setPriority(0, 19);
  const phc = workerData.phc;
  for (;;) {
    verifySync(phc, PASSWORD);
    parentPort.postMessage(1);
  }
} else {
  const phc = await hash(PASSWORD, OPTIONS);
  let verifies = 0;
  const mode = process.env.HASHING ?? 'pool';
  const n = Number(
    process.env.HASHERS ?? (mode === 'pool' ? Number(process.env.UV_THREADPOOL_SIZE) || 4 : availableParallelism()),
  );
  const start = () => {
    if (mode === 'pool') {
      for (let i = 0; i < n; i++) {
        const loop = () =>
          void verify(phc, PASSWORD).then(() => {
            verifies++;
            loop();
          });
        loop();
      }
    } else {
      for (let i = 0; i < n; i++) {
        const w = new Worker(new URL(import.meta.url), { workerData: { phc, nice: mode === 'niced-workers' } });
        w.on('message', () => verifies++);
        w.unref();
      }
    }
  };
  const check = createVerifier(process.env.JWT_SECRET);
  const send = (res, status, payload) => {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  let started = false;
  const server = createServer((req, res) => {
    if (req.url === '/hash-stats') return send(res, 200, { verifies, mode, hashers: n });
    if (req.url === '/hash-start') {
      if (!started) start();
      started = true;
      return send(res, 200, { mode, hashers: n });
    }
    const sub = check(req.headers.authorization);
    if (sub === null) return send(res, 401, { detail: 'Not authenticated' });
    send(res, 200, { message: `Hello ${sub}! This is a protected route` });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  exitOnSignals(server);
}
