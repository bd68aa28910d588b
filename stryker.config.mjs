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
  // Code run outside any test (module load, beforeAll hooks: most of the app's assembly)
  // is tested against every test, not skipped: such mutants are real behaviour too.
  ignoreStatic: false,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
