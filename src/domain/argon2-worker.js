// Runs inside the worker threads of src/domain/argon2-pool.ts (piscina loads it by path):
// one argon2id hash or verification per task, synchronously, on a thread whose OS priority
// the pool has lowered, so the event loop's thread keeps its core. Plain CommonJS because a
// worker thread loads it without the TypeScript toolchain.
'use strict';
const { hashSync, verifySync } = require('@node-rs/argon2');

/** @param {{ op: 'hash', password: string, options: object } | { op: 'verify', phc: string, password: string }} task */
module.exports = function argon2Task(task) {
  if (task.op === 'hash') return hashSync(task.password, task.options);
  try {
    return verifySync(task.phc, task.password);
  } catch {
    // A corrupt stored hash reads as "wrong password", not as a server error.
    return false;
  }
};
