// A throwaway PostgreSQL cluster, for the tests and the benchmark: initdb into a temporary
// folder (as the `postgres` user when we are root: initdb and postgres refuse to run as
// root), trust authentication on 127.0.0.1 only, a free port, durability settings off (it
// is thrown away). stop() and start() restart it on the same port, for outage tests;
// destroy() stops it and deletes the folder. `settings` adds server settings (`-c name=value`),
// e.g. { shared_preload_libraries: 'pg_stat_statements' } for the benchmark.
'use strict';
const { execFile } = require('node:child_process');
const { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);

/** initdb and pg_ctl: on PATH, or in Debian's versioned folder. */
function binary(name) {
  for (const dir of (process.env.PATH || '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new Error(
    `PostgreSQL's ${name} was not found (PATH, /usr/lib/postgresql/*/bin). Install the server ` +
      '(Debian: apt-get install postgresql; `bash scripts/provision.sh` does it) or set DATABASE_URL to a throwaway database.',
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * @param {{settings?: Record<string, string | number>}} [options]
 * @returns {Promise<{url: string, start(): Promise<void>, stop(): Promise<void>, destroy(): Promise<void>}>}
 */
async function startThrowawayCluster({ settings = {} } = {}) {
  for (const [name, value] of Object.entries(settings)) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name) || !/^[\w.,:/-]+$/.test(String(value)))
      throw new Error(`unsupported PostgreSQL setting ${name}=${value}`);
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'auth-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const as = (cmd, args) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  await as(binary('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const options =
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 ` +
    '-c fsync=off -c synchronous_commit=off -c full_page_writes=off' +
    Object.entries(settings)
      .map(([name, value]) => ` -c ${name}=${value}`)
      .join('');
  const pgCtl = binary('pg_ctl');
  const start = async () => {
    await as(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await as(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startThrowawayCluster, freePort };
