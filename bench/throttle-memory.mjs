#!/usr/bin/env node
// The memory the login throttle's state takes for 100 000 distinct attacker keys (npm run
// bench runs it; needs dist/). Each attacker login creates up to three keys (address,
// account+address, account); the keys are fixed-size digests whatever the attacker sends, so
// a username of kilobytes costs what "bob" costs. Run with --expose-gc for a settled heap.
//
//   node --expose-gc bench/throttle-memory.mjs [--keys=N]     prints one JSON line
/* global process, console */
import { createRequire } from 'node:module';
import { requireGc, settledHeap } from './heap.mjs';

const require = createRequire(import.meta.url);
const { MemoryAttemptCounter } = require('../dist/data-access/memory-attempt-counter.js');
const { limitKey } = require('../dist/domain/rate-limiter.js');

const keys = Number(process.argv.find((a) => a.startsWith('--keys='))?.slice(7) ?? 100_000);
requireGc();

const now = Date.now();
const counter = new MemoryAttemptCounter(() => now, keys);
// A long NFKC-expanding name: U+FDFA becomes 18 characters; 200 of them, 3 600.
const hugeName = '\uFDFA'.repeat(200).normalize('NFKC');
const before = settledHeap();
for (let i = 0; i < keys; i++) {
  const address = `198.51.${(i >> 8) & 255}.${i & 255}`;
  await counter.reserve(limitKey('login:account+address', [`${hugeName}${i}`, address]), 10, 900_000);
}
const after = settledHeap();
let refused = false;
try {
  await counter.reserve(limitKey('login:account+address', ['one-more', '192.0.2.1']), 10, 900_000);
} catch (err) {
  refused = err?.code === 'ERR_THROTTLE_STATE_FULL';
}
console.log(
  JSON.stringify({
    keys: counter.size,
    attemptedNameChars: hugeName.length,
    heapBytes: after - before,
    bytesPerKey: Math.round((after - before) / counter.size),
    fullTableRefusesNewKeys: refused,
  }),
);
