// What the signing algorithm (JWT_ALGORITHM) costs. Two parts, both called by bench/run.mjs
// (full and --quick) and runnable alone (`node bench/algorithms.mjs`, after `npm run build`):
//
//   signVerifyCost()       sign and verify through the service's own TokenService (dist/), in
//                          this process, one operation in flight: µs per operation (median of
//                          several rounds, the algorithms taking turns within each round), CPU
//                          µs per operation, and the token's size.
//   protectedByAlgorithm() `node dist/main.js` per algorithm (memory store), a real token from
//                          its own login, and the bench's GET /protected load: req/s, p99, server
//                          CPU per request.
//
// See bench/README.md, "Signing algorithms". Traffic goes to 127.0.0.1 only, every load is
// bounded in time, and every server and temporary key directory is removed at the end.
//
//   node bench/algorithms.mjs [--quick] [--only=cost|protected] [--passes=N] [--rounds=N]
//                             [--round-ms=MS] [--duration=S] [--warmup=S] [--wait-quiet=S]
/* global process, console, Buffer */
import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BENCH_HMAC_KID,
  BENCH_JWT_SECRET,
  JWT_AUDIENCE,
  JWT_CLOCK_TOLERANCE_SECONDS,
  JWT_ISSUER,
} from './fixtures.mjs';
import {
  DIST_MAIN,
  LOG_DIR,
  RESULTS_DIR,
  decodeJwt,
  freePort,
  log,
  machineInfo,
  measure as measureRun,
  nowNs,
  printTable,
  protectedLoad,
  request,
  round,
  serviceEnv,
  serviceToken,
  settle as settleMachine,
  stamp,
  startServer,
  stopServer,
  tamper,
  waitUntilAnswering,
} from './lib.mjs';

const require = createRequire(import.meta.url);

/**
 * The variants measured. RS256 twice: 2048 bits (the minimum the service accepts, and what
 * most guides generate) and 3072 bits (what the service generates in JWT_KEYS_DIR).
 * `quick: false`: left out of the --quick /protected loads (the cost part measures all).
 */
export const VARIANTS = [
  { name: 'HS256', alg: 'HS256', quick: true },
  { name: 'EdDSA', alg: 'EdDSA', quick: true },
  { name: 'ES256', alg: 'ES256', quick: true },
  { name: 'RS256-2048', alg: 'RS256', bits: 2048, quick: false },
  { name: 'RS256-3072', alg: 'RS256', bits: 3072, quick: true },
];

/** A subject and session id of the sizes the service's tokens carry (bench_<8 hex>, 128-bit sid). */
const SUB = `bench_${'0'.repeat(8)}`;
const SID = 'AAAAAAAAAAAAAAAAAAAAAA';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The private key of a variant: the service's own generator (3072-bit RSA), or a 2048-bit RSA key. */
function privateKeyFor(variant) {
  if (variant.alg === 'RS256' && variant.bits === 2048) {
    return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
  const { generatePrivateKey } = require('../dist/data-access/key-directory.js');
  const key = generatePrivateKey(variant.alg);
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (variant.bits !== undefined && bits !== variant.bits) {
    throw new Error(`${variant.name}: the service's generator made a ${bits}-bit key, not ${variant.bits}`);
  }
  return key;
}

/** The service's TokenService (dist/) with the key set the service builds for this variant. */
function tokenServiceFor(variant) {
  const { TokenService } = require('../dist/domain/token-service.js');
  const { HmacKeySet, ScheduledKeySet, jwkThumbprint } = require('../dist/domain/signing-keys.js');
  let keys;
  if (variant.alg.startsWith('HS')) {
    keys = new HmacKeySet(createSecretKey(Buffer.from(BENCH_JWT_SECRET, 'utf8')), variant.alg);
  } else {
    const privateKey = privateKeyFor(variant);
    const publicKey = createPublicKey(privateKey);
    keys = new ScheduledKeySet([
      {
        kid: jwkThumbprint(publicKey),
        alg: variant.alg,
        publicKey,
        privateKey,
        activatesAt: 0,
        verifyUntil: undefined,
      },
    ]);
  }
  return new TokenService({
    keys,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    ttlSeconds: 1800,
    clockToleranceSeconds: JWT_CLOCK_TOLERANCE_SECONDS,
    clock: () => Date.now(),
  });
}

/** Runs `op` back to back (one in flight) for about `ms`; wall and process CPU µs per operation. */
async function timeOps(op, ms) {
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  const end = t0 + BigInt(Math.round(ms * 1e6));
  let n = 0;
  let t = t0;
  do {
    await op();
    n++;
    if ((n & 7) === 0) t = nowNs();
  } while (t < end || (n & 7) !== 0);
  const wallUs = Number(nowNs() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return { ops: n, usPerOp: wallUs / n, cpuUsPerOp: (cpu.user + cpu.system) / n };
}

/**
 * Sign and verify cost per algorithm through TokenService, in this process: `rounds` rounds,
 * in each of which every algorithm signs for `roundMs` and then verifies for `roundMs`, so a
 * burst of other load on a shared machine lands on all of them alike. Reports the median over
 * rounds (and the range), ops/s at one in flight (1e6 / median µs), the process's CPU µs per
 * operation (all threads: jose runs EdDSA in libuv's thread pool, jsonwebtoken on the calling
 * thread), and the token's size.
 */
export async function signVerifyCost({ rounds = 7, roundMs = 300, variants = VARIANTS } = {}) {
  const t0 = nowNs();
  const subjects = [];
  for (const variant of variants) {
    const genT0 = nowNs();
    const service = tokenServiceFor(variant);
    const keyMs = Number(nowNs() - genT0) / 1e6;
    const { token } = await service.issueAccessToken(SUB, SID);
    // The token is what the service would accept, and a forged one is refused.
    const claims = await service.verifyAccessToken(token);
    if (claims.sub !== SUB || claims.sid !== SID)
      throw new Error(`${variant.name}: verify returned ${JSON.stringify(claims)}`);
    const refused = await service.verifyAccessToken(tamper(token)).then(
      () => false,
      () => true,
    );
    if (!refused) throw new Error(`${variant.name}: a tampered token was accepted`);
    const { header } = decodeJwt(token);
    if (header.alg !== variant.alg) throw new Error(`${variant.name}: token signed with ${header.alg}`);
    const [h, p, s] = token.split('.');
    subjects.push({
      variant,
      service,
      token,
      keyMs,
      size: { token: token.length, header: h.length, payload: p.length, signature: s.length },
      sign: [],
      verify: [],
    });
  }
  // Warm-up: JIT, key caches, the thread pool's threads.
  for (const s of subjects) {
    await timeOps(() => s.service.issueAccessToken(SUB, SID), Math.min(roundMs, 100));
    await timeOps(() => s.service.verifyAccessToken(s.token), Math.min(roundMs, 100));
  }
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so no algorithm always runs first or last in a round.
    for (const s of r % 2 ? [...subjects].reverse() : subjects) {
      s.sign.push(await timeOps(() => s.service.issueAccessToken(SUB, SID), roundMs));
      s.verify.push(await timeOps(() => s.service.verifyAccessToken(s.token), roundMs));
    }
  }
  const summarise = (runs) => {
    const us = runs.map((x) => x.usPerOp);
    const med = median(us);
    return {
      usPerOp: med,
      minUs: Math.min(...us),
      maxUs: Math.max(...us),
      opsPerSec: 1e6 / med,
      cpuUsPerOp: median(runs.map((x) => x.cpuUsPerOp)),
      ops: runs.reduce((sum, x) => sum + x.ops, 0),
    };
  };
  const results = {};
  for (const s of subjects) {
    results[s.variant.name] = {
      alg: s.variant.alg,
      bits: s.variant.bits,
      keyMs: s.keyMs,
      size: s.size,
      sign: summarise(s.sign),
      verify: summarise(s.verify),
    };
  }
  return { rounds, roundMs, seconds: Number(nowNs() - t0) / 1e9, results };
}

export function printCost(cost) {
  const hs = cost.results.HS256;
  const rows = [
    [
      `algorithm (${cost.rounds} rounds × ${cost.roundMs} ms)`,
      'sign µs',
      'range',
      'sign/s',
      'CPU µs',
      'verify µs',
      'range',
      'verify/s',
      'CPU µs',
      'verify ÷ HS256',
      'token B',
      'sig B',
    ],
  ];
  for (const [name, r] of Object.entries(cost.results)) {
    rows.push([
      name,
      round(r.sign.usPerOp, 1),
      `${round(r.sign.minUs, 1)}–${round(r.sign.maxUs, 1)}`,
      round(r.sign.opsPerSec, 0),
      round(r.sign.cpuUsPerOp, 1),
      round(r.verify.usPerOp, 1),
      `${round(r.verify.minUs, 1)}–${round(r.verify.maxUs, 1)}`,
      round(r.verify.opsPerSec, 0),
      round(r.verify.cpuUsPerOp, 1),
      hs ? `${round(r.verify.usPerOp / hs.verify.usPerOp, 1)}×` : '',
      r.size.token,
      r.size.signature,
    ]);
  }
  printTable(rows);
}

// ---------------------------------------------------------------------------------------------
// GET /protected per algorithm

/** The service's environment for a variant; `cleanup()` removes what it created. */
function variantEnv(baseEnv, variant) {
  const env = { ...baseEnv, JWT_ALGORITHM: variant.alg };
  if (variant.alg.startsWith('HS')) return { env, cleanup: () => undefined };
  delete env.JWT_SECRET;
  if (variant.bits === 2048) {
    // The service generates 3072-bit keys; a 2048-bit one comes in as JWT_PRIVATE_KEY.
    env.JWT_PRIVATE_KEY = privateKeyFor(variant).export({ format: 'pem', type: 'pkcs8' });
    return { env, cleanup: () => undefined };
  }
  // A fresh key directory: the service generates its key at first start (counted in readyMs).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-keys-${variant.name}-`));
  env.JWT_KEYS_DIR = dir;
  return { env, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Checks the issued token: the variant's algorithm, the bench's issuer, and a kid the service publishes. */
async function checkIssuedToken(name, port, variant, token) {
  const { header, payload } = decodeJwt(token);
  if (header.alg !== variant.alg) throw new Error(`${name}: the token is signed with ${header.alg}`);
  if (payload.iss !== JWT_ISSUER) throw new Error(`${name}: the token's issuer is ${payload.iss}, not ${JWT_ISSUER}`);
  if (variant.alg.startsWith('HS')) {
    if (header.kid !== BENCH_HMAC_KID) throw new Error(`${name}: kid ${header.kid}, expected ${BENCH_HMAC_KID}`);
    return;
  }
  const jwks = await request(port, { path: '/.well-known/jwks.json' });
  const keys = jwks.status === 200 ? JSON.parse(jwks.body).keys : [];
  if (!keys.some((k) => k.kid === header.kid && k.alg === variant.alg)) {
    throw new Error(`${name}: kid ${header.kid} is not in /.well-known/jwks.json (${jwks.status} ${jwks.body})`);
  }
}

/**
 * `node dist/main.js` per algorithm on the memory store, measured with the bench's GET
 * /protected load at `connections`. The services start one after another (so each one's
 * time to ready, key generation included, is its own) and all run until the end; the loads
 * then take turns, `passes` times (every other pass in reverse order), so that a change in
 * the machine's other load hits every algorithm alike. ctx: { warmupS, durationS, connections,
 * passes, settle(), baseEnv(port) (the service bench's environment), variants }.
 * Returns { runs: { name: [summary per pass] }, services: { name: { readyMs, tokenBytes, exit } }, failures }.
 */
export async function protectedByAlgorithm(ctx) {
  const { warmupS, durationS, connections, passes = 1, settle, baseEnv, variants = VARIANTS } = ctx;
  const runs = Object.fromEntries(variants.map((v) => [v.name, []]));
  const services = {};
  const started = [];
  const failures = [];
  const t0 = nowNs();
  try {
    for (const variant of variants) {
      const name = `service ${variant.name}`;
      const port = await freePort();
      const { env, cleanup } = variantEnv(baseEnv(port), variant);
      const server = startServer(name, DIST_MAIN, {
        env,
        logFile: path.join(LOG_DIR, `service-${variant.name}.log`),
      });
      started.push({ variant, server, cleanup });
      const readyMs = await waitUntilAnswering(server, port, '/readyz', 200);
      const user = `bench_${randomBytes(4).toString('hex')}`;
      const token = await serviceToken(port, user, name);
      await checkIssuedToken(name, port, variant, token);
      services[variant.name] = { readyMs, tokenBytes: token.length, port, user, token, pid: server.pid };
      log(`  ${name}: ready after ${round(readyMs, 0)} ms, token ${token.length} B`);
    }
    for (let pass = 0; pass < passes; pass++) {
      for (const variant of pass % 2 ? [...variants].reverse() : variants) {
        const svc = services[variant.name];
        await settle();
        const r = await measureRun(`${variant.name.padEnd(10)} GET /protected`, {
          pid: svc.pid,
          warmupS,
          durationS,
          ...protectedLoad(svc.port, svc.token, svc.user, connections),
        });
        runs[variant.name].push({ pass, ...r });
        if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.mismatches > 0) {
          failures.push(
            `service ${variant.name} /protected: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} body mismatches`,
          );
        }
      }
    }
  } finally {
    for (const { variant, server, cleanup } of started) {
      const exit = await stopServer(server);
      if (services[variant.name]) services[variant.name].exit = exit;
      if (exit.code !== 0) failures.push(`service ${variant.name} exited with ${JSON.stringify(exit)} on SIGTERM`);
      cleanup();
    }
  }
  for (const svc of Object.values(services)) {
    delete svc.token;
    delete svc.pid;
    delete svc.port;
  }
  return { runs, services, failures, seconds: Number(nowNs() - t0) / 1e9 };
}

/** "median (lowest–highest)" of the passes, or the one value. */
const spread = (xs, d = 0) => {
  const lo = round(Math.min(...xs), d);
  const hi = round(Math.max(...xs), d);
  return lo === hi ? String(lo) : `${round(median(xs), d)} (${lo}–${hi})`;
};

export function printProtected(byAlg, connections) {
  const passes = Math.max(...Object.values(byAlg.runs).map((r) => r.length));
  const hs = byAlg.runs.HS256;
  const hsCpu = hs?.length ? median(hs.map((r) => r.serverCpuUsPerRequest)) : undefined;
  const rows = [
    [
      `GET /protected (${connections} conns), ${passes > 1 ? `median (range) of ${passes} passes` : '1 pass'}`,
      'req/s',
      'p99 ms',
      'server CPU µs/req',
      'CPU ÷ HS256',
      'other CPU %',
      'ready ms',
    ],
  ];
  for (const [name, runs] of Object.entries(byAlg.runs)) {
    if (runs.length === 0) continue;
    const cpu = runs.map((r) => r.serverCpuUsPerRequest);
    rows.push([
      name,
      spread(runs.map((r) => r.rps)),
      spread(runs.map((r) => r.latencyMs.p99)),
      spread(cpu),
      hsCpu ? `${round(median(cpu) / hsCpu, 2)}×` : '',
      spread(runs.map((r) => r.otherCpuPct)),
      round(byAlg.services[name]?.readyMs, 0),
    ]);
  }
  printTable(rows);
}

// ---------------------------------------------------------------------------------------------
// Alone: node bench/algorithms.mjs

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const known = /^--(quick|only|passes|rounds|round-ms|duration|warmup|wait-quiet)(=|$)/;
  const bad = argv.find((a) => !known.test(a));
  if (bad) {
    console.error(
      `unknown argument ${bad}\nusage: node bench/algorithms.mjs [--quick] [--only=cost|protected] [--passes=N] [--rounds=N] [--round-ms=MS] [--duration=S] [--warmup=S] [--wait-quiet=S]`,
    );
    return 2;
  }
  if (!fs.existsSync(DIST_MAIN)) {
    console.error('dist/main.js is missing: run `npm run build` first.');
    return 2;
  }
  const quick = argv.includes('--quick');
  const only = opt('only');
  const quietS = Number(opt('wait-quiet') ?? (quick ? 1 : 30));
  const settle = () => settleMachine(quick ? 200 : 2000, quietS);
  const out = {
    kind: 'jwt-auth-service bench: algorithms',
    startedAt: new Date().toISOString(),
    machine: machineInfo(Number(process.env.UV_THREADPOOL_SIZE) || 4),
  };
  if (only !== 'protected') {
    log('sign and verify cost per algorithm (TokenService from dist/, in-process, one in flight)');
    await settle();
    out.cost = await signVerifyCost({
      rounds: Number(opt('rounds') ?? (quick ? 3 : 7)),
      roundMs: Number(opt('round-ms') ?? (quick ? 100 : 300)),
    });
    printCost(out.cost);
  }
  let failures = [];
  if (only !== 'cost') {
    const connections = 32;
    log(`\nGET /protected per algorithm (node dist/main.js, STORE=memory, ${connections} connections)`);
    out.protected = await protectedByAlgorithm({
      warmupS: Number(opt('warmup') ?? (quick ? 0.5 : 2)),
      durationS: Number(opt('duration') ?? (quick ? 2 : 10)),
      connections,
      passes: Number(opt('passes') ?? (quick ? 1 : 2)),
      settle,
      baseEnv: (port) => serviceEnv(port).env,
      variants: quick ? VARIANTS.filter((v) => v.quick) : VARIANTS,
    });
    log('');
    printProtected(out.protected, connections);
    failures = out.protected.failures;
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `algorithms-${stamp()}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ ...out, failures, ok: failures.length === 0 }, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), file)}`);
  for (const f of failures) log(`FAIL: ${f}`);
  return failures.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  }
}
