// A PostgreSQL for tests. With DATABASE_URL set, that database is used (it must be a
// throwaway one: tests empty its tables). Otherwise a throwaway cluster of our own: initdb
// into a temporary folder (as the `postgres` user when we are root: initdb and postgres
// refuse to run as root), trust authentication on 127.0.0.1 only, a free port, fsync off;
// stopped and deleted by destroy(). stop() and start() restart it on the same port, for
// outage tests.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface TestDatabase {
  readonly url: string;
  /** False for an external DATABASE_URL: outage tests, which stop the server, are skipped. */
  readonly ownCluster: boolean;
  /** Stops the server (fast shutdown: clients are disconnected). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Empties every table the migrations created (not the migrations table). */
  truncate(): Promise<void>;
  destroy(): Promise<void>;
}

/** initdb and pg_ctl: on PATH, or in Debian's versioned folder. */
function binary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new Error(
    `PostgreSQL's ${name} was not found (PATH, /usr/lib/postgresql/*/bin). Install the server ` +
      '(Debian: apt-get install postgresql; `bash scripts/provision.sh` does it) or set DATABASE_URL to a throwaway database.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const TABLES = ['users', 'user_skeletons', 'sessions', 'consumed_refresh_tokens', 'revoked_tokens', 'attempt_counters'];

async function truncateAll(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const existing = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY ($1)`,
      [TABLES],
    );
    if (existing.rows.length > 0) await client.query(`TRUNCATE ${existing.rows.map((r) => r.name).join(', ')} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      url: external,
      ownCluster: false,
      stop: () => Promise.reject(new Error('an external DATABASE_URL cannot be stopped by the tests')),
      start: () => Promise.resolve(),
      truncate: () => truncateAll(external),
      destroy: () => Promise.resolve(),
    };
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'auth-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  chmodSync(dir, 0o700);
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  await as(binary('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const pgCtl = binary('pg_ctl');
  const start = async () => {
    await as(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await as(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    ownCluster: true,
    start,
    stop,
    truncate: () => truncateAll(url),
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
