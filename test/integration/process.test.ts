// The real process (dist/main.js): start-up refusal on bad config, JSON logs, the crash
// policy, and SIGTERM draining a request that is still arriving.
import path from 'node:path';
import { signup } from '../helpers/http-client';
import { parseRawResponse, startPartialTokenRequest } from '../helpers/raw-http';
import { buildDist, ROOT, startService } from '../helpers/service-process';

/** TEST FIXTURE ONLY: a throwaway signing secret. */
const SECRET = 'process-test-fixture-secret-0123456789abcdef';
const INJECT_FAULT = path.join(ROOT, 'test', 'fixtures', 'inject-fault.js');

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
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
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
});
