// The jest set-up Stryker runs for every mutant (npm run test:mutation): the in-process tiers
// only. Left out: tests of dist/ or of containers (they never see a mutant), and the
// contract coverage gate (it needs every contract file in one run; Stryker runs subsets).
const base = require('./jest.config.js');
const unit = base.projects.find((p) => p.displayName === 'unit');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: unit.transform,
  testMatch: [
    '<rootDir>/test/unit/**/*.test.ts',
    '<rootDir>/test/contract/**/*.test.ts',
    '<rootDir>/test/integration/server.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/contract/coverage-gate.test.ts'],
  globalSetup: base.globalSetup,
};
