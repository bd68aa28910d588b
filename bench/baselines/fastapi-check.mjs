// Self-check of the FastAPI baseline: starts bench/baselines/fastapi_app.py under uvicorn
// (bench/baselines/fastapi.mjs), puts GET /protected under a short autocannon load and prints
// req/s, p50/p99 and uvicorn's CPU µs per request, then stops it. Exits 0 with one line when
// no Python has the modules (the baseline is skipped), 1 when any response is not the 200
// with the expected body.
//
//   node bench/baselines/fastapi-check.mjs [--duration=3] [--warmup=1] [--connections=32]
/* global process */
import path from 'node:path';
import { protectedBody } from '../fixtures.mjs';
import { LOG_DIR, freePort, log, measure, protectedLoad, round } from '../lib.mjs';
import { startFastapiBaseline, stopFastapiBaseline } from './fastapi.mjs';

const flag = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const durationS = flag('duration', 3);
const warmupS = flag('warmup', 1);
const connections = flag('connections', 32);

const port = await freePort();
const started = await startFastapiBaseline({ port, logFile: path.join(LOG_DIR, 'fastapi-baseline.log') });
if (started.skipped) {
  log(started.skipped);
  process.exit(0);
}
const { server, token, sub, readyMs, python, versions, loop, http, expectBody } = started;
let result;
try {
  log(
    `FastAPI baseline: ${python.executable} (Python ${python.version}), fastapi ${versions.fastapi}, ` +
      `starlette ${versions.starlette}, pydantic ${versions.pydantic}, uvicorn ${versions.uvicorn}, ` +
      `python-jose ${versions['python-jose']}, python-multipart ${versions['python-multipart']}`,
  );
  log(`  uvicorn: loop ${loop}, http ${http}; one worker, access log on; ready after ${round(readyMs, 0)} ms`);
  // Starlette's JSONResponse writes compact JSON, as the service does: if it ever did not, the
  // load below must expect FastAPI's own bytes, not the service's.
  const same = expectBody === protectedBody(sub);
  log(`  /protected body ${same ? 'is byte-for-byte' : 'differs from'} the service's: ${expectBody}`);
  const load = same
    ? protectedLoad(port, token, sub, connections)
    : { ...protectedLoad(port, token, sub, connections), expectBody };
  result = await measure(`FastAPI GET /protected (${connections} conn.)`, {
    pid: server.pid,
    warmupS,
    durationS,
    ...load,
  });
} finally {
  await stopFastapiBaseline(server);
}
log(
  `FastAPI /protected: ${round(result.rps, 0)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
    `${round(result.serverCpuUsPerRequest, 0)} µs CPU/req (uvicorn at ${round(result.serverCpuPct, 0)}% of a core; ` +
    `others used ${round(result.otherCpuPct, 0)}%)`,
);
if (result.non2xx || result.errors || result.timeouts || result.mismatches) {
  log(
    `FAILED: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, ${result.mismatches} body mismatches`,
  );
  process.exit(1);
}
