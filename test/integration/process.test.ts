// The real process (dist/main.js): start-up refusal on bad config, JSON logs, the crash
// policy, and SIGTERM draining a request that is still arriving.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signup, token } from '../helpers/http-client';
import { parseRawResponse, startPartialTokenRequest } from '../helpers/raw-http';
import { buildDist, ROOT, startService } from '../helpers/service-process';

/** TEST FIXTURE ONLY: a throwaway signing secret. */
const SECRET = 'FIXTURE-ONLY-process-Ua3Km8Xp1Qz6Wr9Tb4Nc7Ld2Ge5';
const INJECT_FAULT = path.join(ROOT, 'test', 'fixtures', 'inject-fault.js');

// Each test spawns a process: generous on a busy machine (the figures are not timed here).
jest.setTimeout(30_000);

beforeAll(() => buildDist(), 60_000);

describe('the service process', () => {
  it('when JWT_SECRET is the tutorial placeholder, then it refuses to start, exit 78, naming JWT_SECRET', async () => {
    const s = startService({ JWT_SECRET: 'your-secret-key' });
    expect(await s.exit).toBe(78);
    const fatal = JSON.parse(s.stderr().trim()) as { level: string; problems: string[] };
    expect(fatal.level).toBe('fatal');
    expect(fatal.problems).toEqual([expect.stringMatching(/^JWT_SECRET is a well-known placeholder/)]);
  });

  it('when several variables are invalid, then every one is named before it exits', async () => {
    const s = startService({ JWT_SECRET: 'too-short', PORT: 'http', LOG_LEVEL: 'chatty' });
    expect(await s.exit).toBe(78);
    const { problems } = JSON.parse(s.stderr().trim()) as { problems: string[] };
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['JWT_SECRET', 'LOG_LEVEL', 'PORT']);
  });

  it('when SIGTERM arrives while a login request is still being received, then that request completes with 200 and the process exits 0', async () => {
    const s = startService({ JWT_SECRET: SECRET });
    const port = await s.port();
    expect((await signup(`http://127.0.0.1:${port}`, 'drainee')).status).toBe(200);

    const inFlight = await startPartialTokenRequest('127.0.0.1', port, 'drainee');
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.child.exitCode).toBeNull();
    inFlight.finish();

    const raw = await inFlight.response;
    expect(parseRawResponse(raw)).toMatchObject({ status: 200, body: { token_type: 'bearer' } });
    expect(await s.exit).toBe(0);
    for (const line of s.stdout().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(s.stdout()).not.toContain('correct horse battery staple');
    expect(s.stdout()).toContain('"msg":"stopped"');
  }, 30_000);

  it('when JWT_KEYS_DIR cannot hold keys (EdDSA, no private key), then it refuses to start, exit 78, one line saying what to do', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'keys-dir-')), 'a-file');
    await writeFile(file, 'not a directory');
    const s = startService({ JWT_SECRET: '', JWT_ALGORITHM: 'EdDSA', JWT_KEYS_DIR: path.join(file, 'keys') });
    expect(await s.exit).toBe(78);
    const lines = s.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    const fatal = JSON.parse(lines[0]!) as { level: string; msg: string };
    expect(fatal.level).toBe('fatal');
    expect(fatal.msg).toMatch(/^start-up failed: .*keys.* \(ENOTDIR\): make JWT_KEYS_DIR a .*directory/);
  });

  it('when the port is in use, then the last line printed is one fatal JSON line naming the port and the fix, after the warnings, exit 69, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      // stdout and stderr in one pipe, as a terminal shows them: the order is what is tested.
      const child = spawn('sh', ['-c', `exec "${process.execPath}" dist/main.js 2>&1`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), METRICS_ENABLED: 'false' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const [code] = await once(child, 'exit');
      expect(code).toBe(69);
      const lines = out.trim().split('\n');
      const last = JSON.parse(lines.at(-1)!) as Record<string, string>;
      expect(last).toMatchObject({
        level: 'fatal',
        msg: `start-up failed: port ${port} on 127.0.0.1 is already in use`,
        cause: 'EADDRINUSE',
        fix: expect.stringContaining('set PORT'),
      });
      expect(lines.slice(0, -1).some((l) => l.includes('JWT_SECRET is not set'))).toBe(true);
      expect(out).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('when a variable looks like one of ours (JWT_SECRETT), then start-up warns naming the one it likely meant; with STORE=memory it warns that data is lost on restart', async () => {
    const s = startService({ JWT_SECRET: SECRET, JWT_SECRETT: SECRET });
    await s.port();
    expect(await s.stop()).toBe(0);
    expect(s.stdout()).toMatch(
      /"level":"warn".*JWT_SECRETT is not a setting of this service and is ignored: did you mean JWT_SECRET\?/,
    );
    expect(s.stdout()).toMatch(
      /"level":"warn".*STORE=memory: accounts, sessions and revocations live in this process only/,
    );
    // The warning names the variable, never its value.
    expect(s.stdout()).not.toContain(SECRET);
  });

  it('when `npm start` gets SIGTERM (as under a process manager), then the service itself shuts down gracefully and exits', async () => {
    const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_ENABLED: 'false',
        JWT_SECRET: SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 20_000;
    while (!out.includes('"msg":"listening"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('"msg":"listening"');
    npm.kill('SIGTERM');
    const [code] = await once(npm, 'exit');
    // The node process received the signal itself (`exec` in the start script), drained and said so.
    await new Promise((r) => setTimeout(r, 500));
    expect(out).toContain('"msg":"stopped"');
    expect(code === 0 || code === null).toBe(true);
  }, 40_000);

  it('when JWT_SECRET is unset, then it starts with a warning that tokens will not survive a restart', async () => {
    const s = startService({});
    await s.port();
    expect(await s.stop('SIGINT')).toBe(0);
    expect(s.stdout()).toMatch(/"level":"warn".*JWT_SECRET is not set/);
  });

  it.each(['unhandledRejection', 'uncaughtException'])(
    'when an %s escapes every handler, then it is logged at fatal and the process exits 70, not carrying on in an unknown state',
    async (fault) => {
      const s = startService({ JWT_SECRET: SECRET, INJECT_FAULT: fault }, { nodeArgs: ['--require', INJECT_FAULT] });
      await s.port();
      s.child.kill('SIGUSR2');
      expect(await s.exit).toBe(70);
      const fatal = s.logLines().find((l) => l.level === 'fatal');
      expect(fatal).toMatchObject({
        fault,
        msg: `${fault}: exiting with 70`,
        err: { message: `injected ${fault === 'unhandledRejection' ? 'rejection' : 'exception'}` },
      });
    },
    20_000,
  );

  it('when a burst of requests is sent right before SIGTERM, then every one is answered, across repeated tries (lame duck, no queued connection reset)', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const s = startService({ JWT_SECRET: SECRET, LAME_DUCK_MS: '1500' });
      const base = `http://127.0.0.1:${await s.port()}`;
      expect((await signup(base, 'bursty')).status).toBe(200);
      // Fresh connections for each request, so they wait in the kernel's accept queue.
      const burst = [
        ...Array.from({ length: 24 }, () => fetch(`${base}/healthz`, { headers: { Connection: 'close' } })),
        ...Array.from({ length: 6 }, () => token(base, 'bursty')),
      ];
      s.child.kill('SIGTERM');
      const answers = await Promise.allSettled(burst);
      const statuses = answers.map((a) => (a.status === 'fulfilled' ? a.value.status : String(a.reason)));
      expect(statuses).toEqual(Array<number>(30).fill(200));
      expect(await s.exit).toBe(0);
    }
  }, 60_000);

  it('when SIGTERM arrives, then readiness turns false at once while requests are still served during the lame-duck period', async () => {
    const s = startService({ JWT_SECRET: SECRET, LAME_DUCK_MS: '3000' });
    const base = `http://127.0.0.1:${await s.port()}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await s.exit).toBe(0);
    const lines = s.logLines().map((l) => l.msg);
    expect(lines).toEqual(
      expect.arrayContaining(['lame duck: still accepting, every response closes its connection', 'stopped']),
    );
  }, 20_000);

  it('when started, then /metrics answers only on the management port and the API port answers 404 there', async () => {
    const s = startService({ JWT_SECRET: SECRET, METRICS_PORT: '0' });
    const api = `http://127.0.0.1:${await s.port()}`;
    let management: number | undefined;
    for (let i = 0; i < 100 && management === undefined; i++) {
      management = s.logLines().find((l) => l.msg === 'metrics listening')?.port as number | undefined;
      if (management === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${management}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('http_request_duration_seconds');
    expect(await s.stop()).toBe(0);
  }, 20_000);

  it('when JWT_SECRET_FILE names a file, then the secret is read from it and tokens work (Docker secrets)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'secret-'));
    const file = path.join(dir, 'jwt_secret');
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    const s = startService({ JWT_SECRET_FILE: file });
    const base = `http://127.0.0.1:${await s.port()}`;
    expect((await signup(base, 'filed')).status).toBe(200);
    expect((await token(base, 'filed')).status).toBe(200);
    expect(s.stdout()).not.toContain('JWT_SECRET is not set');
    expect(s.stdout()).not.toContain(SECRET);
    expect(await s.stop()).toBe(0);
  });
});
