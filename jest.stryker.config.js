// The jest set-up Stryker runs for every mutant (npm run test:mutation): the in-process tiers
// only. Left out: tests of dist/ or of containers (they never see a mutant), and the
// contract coverage gate (it needs every contract file; Stryker runs subsets of tests).
const base = require('./jest.config.js');
const unit = base.projects.find((p) => p.displayName === 'unit');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: unit.transform,
  // One file that loads the in-process test files (see its header): one module load per run.
  testMatch: ['<rootDir>/test/mutation/in-process.suite.ts'],
  globalSetup: base.globalSetup,
};
