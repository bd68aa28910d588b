// What `npm run build` adds to tsc's output in dist/: the SQL migrations, which node-pg-migrate
// reads from next to the compiled module, and the contract checked once here (openapi.yaml
// parsed and run through the OpenAPI meta-schema) as dist/contract.json, which the service
// loads at start instead of checking it again. Run after tsc, by `npm run build` and by the
// tests' buildDist(); an invalid openapi.yaml fails the build.
/* global console */
'use strict';
const { cpSync, rmSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MIGRATIONS = path.join('data-access', 'postgres', 'migrations');

async function copyBuildAssets() {
  const target = path.join(ROOT, 'dist', MIGRATIONS);
  // A migration deleted from src/ must not live on in dist/.
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'src', MIGRATIONS), target, { recursive: true });

  // The compiled checker, so the build and the service check the contract with the same code.
  const { writeContractArtefact } = require(path.join(ROOT, 'dist', 'http', 'contract', 'contract-artefact.js'));
  await writeContractArtefact(path.join(ROOT, 'openapi.yaml'), path.join(ROOT, 'dist', 'contract.json'));
}

module.exports = { copyBuildAssets };
if (require.main === module) {
  copyBuildAssets().catch((err) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
