// Jest global set-up: names a fresh folder for this run's contract-coverage records (see
// test/helpers/contract-coverage.ts). Workers inherit the variable.
'use strict';
const { readdirSync, rmSync, statSync } = require('node:fs');
const path = require('node:path');

module.exports = async function globalSetup() {
  const run = `${Date.now().toString(36)}-${process.pid}`;
  process.env.CONTRACT_COVERAGE_RUN = run;
  // Records of runs that ended long ago are of no use; a run still going keeps its own.
  const root = path.join(__dirname, '..', 'artifacts', 'contract-coverage');
  let entries = [];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const entry of entries) {
    const dir = path.join(root, entry);
    if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
  }
};
