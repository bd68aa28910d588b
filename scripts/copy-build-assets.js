// Copies what tsc does not emit into dist/: the SQL migrations, which node-pg-migrate reads
// from next to the compiled module. Run by `npm run build` and by the tests' buildDist().
'use strict';
const { cpSync, rmSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MIGRATIONS = path.join('data-access', 'postgres', 'migrations');

function copyBuildAssets() {
  const target = path.join(ROOT, 'dist', MIGRATIONS);
  // A migration deleted from src/ must not live on in dist/.
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'src', MIGRATIONS), target, { recursive: true });
}

module.exports = { copyBuildAssets };
if (require.main === module) copyBuildAssets();
