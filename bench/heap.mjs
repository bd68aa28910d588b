// The settled heap, for the memory measurements (throttle-memory.mjs, session-memory.mjs):
// run them with node --expose-gc.
/* global process, console, gc */

/** Exits with a hint unless node runs with --expose-gc. */
export function requireGc() {
  if (typeof gc !== 'function') {
    console.error('run with node --expose-gc');
    process.exit(2);
  }
}

/** Heap in use after two full collections. */
export function settledHeap() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
