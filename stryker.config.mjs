// Mutation testing (npm run test:mutation): does any test fail when the code under
// src/domain and src/http is changed? Not part of CI (a full run takes long); the
// incremental file in reports/ makes later runs re-test only what changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.stryker.config.js', enableFindRelatedTests: false },
  mutate: ['src/domain/**/*.ts', 'src/http/**/*.ts', '!src/http/contract/openapi-types.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Mutants reached only outside any test (module load, the suite's cache warm-up) are
  // skipped: testing each against the whole suite would take hours. Those also reached inside
  // a test are tested against the tests that reach them.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
