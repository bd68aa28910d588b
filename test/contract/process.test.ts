// The real process (dist/main.js): start-up refusal on bad config, JSON logs, and SIGTERM
// draining a request that is still arriving.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
const SECRET = 'process-test-fixture-secret-0123456789abcdef';

beforeAll(() => {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}, 60_000);

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function listeningPort(s: Started): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const line = s
      .stdout()
      .split('\n')
      .find((l) => l.includes('"msg":"listening"'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`service did not start:\n${s.stdout()}\n${s.stderr()}`);
}

describe('the service process', () => {
  it('when JWT_SECRET is the tutorial placeholder, then it refuses to start, exit 78, naming JWT_SECRET', async () => {
    const s = start({ JWT_SECRET: 'your-secret-key' });
    expect(await s.exit).toBe(78);
    const fatal = JSON.parse(s.stderr().trim()) as { level: string; problems: string[] };
    expect(fatal.level).toBe('fatal');
    expect(fatal.problems).toEqual([expect.stringMatching(/^JWT_SECRET is a well-known placeholder/)]);
  });

  it('when several variables are invalid, then every one is named before it exits', async () => {
    const s = start({ JWT_SECRET: 'too-short', PORT: 'http', LOG_LEVEL: 'chatty' });
    expect(await s.exit).toBe(78);
    const { problems } = JSON.parse(s.stderr().trim()) as { problems: string[] };
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('when SIGTERM arrives while a login request is still being received, then that request completes with 200 and the process exits 0', async () => {
    const s = start({ JWT_SECRET: SECRET });
    const port = await listeningPort(s);
    const signup = await fetch(`http://127.0.0.1:${port}/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'drainee', password: 'correct horse battery staple' }),
    });
    expect(signup.status).toBe(200);

    const body = 'username=drainee&password=correct+horse+battery+staple';
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    const ended = once(socket, 'close');
    socket.write(
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 200));

    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.child.exitCode).toBeNull();
    socket.write(body.slice(10));
    await ended;

    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toMatch(/"token_type":"bearer"/);
    expect(await s.exit).toBe(0);

    const lines = s.stdout().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(s.stdout()).not.toContain('correct horse battery staple');
    expect(s.stdout()).toContain('"msg":"stopped"');
  }, 30_000);

  it('when JWT_SECRET is unset, then it starts with a warning that tokens will not survive a restart', async () => {
    const s = start({});
    await listeningPort(s);
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
    expect(s.stdout()).toMatch(/"level":"warn".*JWT_SECRET is not set/);
  });
});
