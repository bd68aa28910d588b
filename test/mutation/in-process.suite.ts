// Stryker only (jest.stryker.config.js): every in-process test file loaded into one jest test
// file. Stryker runs the suite once per mutant; as separate files, jest would load express,
// the validator and the app's module graph again for each of ~25 files on every run. The
// files run unchanged, in one module registry.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { memoiseValidatorRouteMatchers } from '../../src/http/contract/validator-route-cache';
import { sharedContract, sharedHashPool } from '../helpers/test-app';

const TEST = path.resolve(__dirname, '..');
const files = [
  ...['unit', 'contract'].flatMap((dir) =>
    readdirSync(path.join(TEST, dir))
      .filter((f) => f.endsWith('.test.ts') && f !== 'coverage-gate.test.ts')
      .sort()
      .map((f) => path.join(TEST, dir, f)),
  ),
  // The listening server runs in this process too; dist/ and containers never see a mutant.
  path.join(TEST, 'integration', 'server.test.ts'),
];

// What the helpers cache for the whole run is computed here, outside any test, so Stryker
// counts the code behind it as static and tests its mutants against every test, rather than
// crediting only the first test that happened to fill the cache.
beforeAll(async () => {
  await sharedContract();
  sharedHashPool();
  memoiseValidatorRouteMatchers();
});

for (const file of files) {
  describe(path.relative(TEST, file), () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file);
  });
}
