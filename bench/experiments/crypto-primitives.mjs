// The signature primitives under the service's JWT algorithms, straight from node:crypto (this
// Node's OpenSSL), without any JWT library: what bench/algorithms.mjs's TokenService figures
// cost at the bottom. Also Ed25519 verify through the callback form of crypto.verify, which runs
// in libuv's thread pool: the form jose 5 uses on Node. See bench/README.md, "Signing algorithms".
//
//   node bench/experiments/crypto-primitives.mjs [--repeats=N]
/* global process, console, Buffer */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const repeats = Number(process.argv.find((a) => a.startsWith('--repeats='))?.slice(10) ?? 3);
/** About the signing input of the service's tokens (base64url header + '.' + payload). */
const data = Buffer.alloc(390, 97);

/** Wall and CPU µs per call of `f`, after a warm-up. */
function time(f, n) {
  for (let i = 0; i < Math.max(50, n / 10); i++) f();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs: wall, cpuUs: (cpu.user + cpu.system) / n };
}

const pairs = {
  'Ed25519 (EdDSA)': { alg: null, ...crypto.generateKeyPairSync('ed25519'), n: 3000 },
  'P-256 (ES256)': { alg: 'sha256', ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), n: 3000 },
  'RSA-2048 (RS256)': { alg: 'sha256', ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), n: 1000 },
  'RSA-3072 (RS256)': { alg: 'sha256', ...crypto.generateKeyPairSync('rsa', { modulusLength: 3072 }), n: 300 },
};
const secret = crypto.createSecretKey(crypto.randomBytes(64));

const f = (x) => `${x.wallUs.toFixed(1)} µs (CPU ${x.cpuUs.toFixed(1)})`;
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${data.length}-byte input`);
for (let r = 0; r < repeats; r++) {
  console.log(
    `HMAC-SHA256 (HS256)        ${f(time(() => crypto.createHmac('sha256', secret).update(data).digest(), 20000))}`,
  );
  for (const [name, p] of Object.entries(pairs)) {
    const sig = crypto.sign(p.alg, data, p.privateKey);
    const sign = time(() => crypto.sign(p.alg, data, p.privateKey), p.n);
    const verify = time(() => crypto.verify(p.alg, data, p.publicKey, sig), 3000);
    console.log(`${name.padEnd(26)} sign ${f(sign)}  verify ${f(verify)}`);
  }
}
const verifyInPool = promisify(crypto.verify);
const ed = pairs['Ed25519 (EdDSA)'];
const sig = crypto.sign(null, data, ed.privateKey);
for (let r = 0; r < repeats; r++) {
  const n = 3000;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await verifyInPool(null, data, ed.publicKey, sig);
  const cpu = process.cpuUsage(cpu0);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  console.log(
    `Ed25519 verify, callback form (thread pool), one in flight: ${f({ wallUs, cpuUs: (cpu.user + cpu.system) / n })}`,
  );
}
