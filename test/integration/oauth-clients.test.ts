// Real OAuth 2 client libraries against a listening server: both grants, as clients really
// call them. simple-oauth2 (Node) and Authlib (Python, with its automatic refresh of an
// expired token); Authlib comes from scripts/provision.sh (Debian's python3-authlib).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ResourceOwnerPassword, type AccessToken } from 'simple-oauth2';
import { createHttpServer, type HttpServer } from '../../src/http/server';
import { PASSWORD, signup } from '../helpers/accounts';
import { buildTestApp, FakeClock, type TestApp } from '../helpers/test-app';

const OAUTH_PYTHON = process.env.OAUTH_PYTHON ?? '/usr/bin/python3';

describe('real OAuth 2 clients', () => {
  let t: TestApp;
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    // Real time: the clients compute expiry from expires_in with their own clocks.
    t = await buildTestApp({}, { clock: new FakeClock(Date.now()) });
    server = createHttpServer(t.app, t.deps.logger, { maxHeaderBytes: 16384, lameDuckMs: 0, shutdownTimeoutMs: 2000 });
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await server.shutdown();
  });

  const protectedStatus = async (accessToken: string): Promise<number> =>
    (await fetch(`${base}/protected`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;

  describe('simple-oauth2 5 (ResourceOwnerPassword)', () => {
    const client = () =>
      new ResourceOwnerPassword({
        // Public-client libraries send a client id; the service accepts and ignores it.
        client: { id: 'public-client', secret: '' },
        auth: { tokenHost: base, tokenPath: '/token', refreshPath: '/token', revokePath: '/revoke' },
        options: { authorizationMethod: 'body' },
      });

    it('logs in with the password grant, refreshes an expired token, and its replayed refresh token ends the session (RFC 6749 §4.3, §6; RFC 9700 §4.14.2)', async () => {
      await signup(t.app, 'nodeclient').expect(200);
      const first = await client().getToken({ username: 'nodeclient', password: PASSWORD });
      expect(first.token).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
      expect(await protectedStatus(first.token.access_token as string)).toBe(200);

      // The access token has expired for the server; the client sees it as its docs prescribe.
      t.clock.advance(31 * 60);
      expect(await protectedStatus(first.token.access_token as string)).toBe(401);
      const restored: AccessToken = client().createToken({ ...first.token, expires_at: new Date(Date.now() - 1000) });
      expect(restored.expired()).toBe(true);
      const second = await restored.refresh();
      expect(second.token.refresh_token).not.toBe(first.token.refresh_token);
      expect(await protectedStatus(second.token.access_token as string)).toBe(200);

      await expect(first.refresh()).rejects.toMatchObject({
        data: { payload: { error: 'invalid_grant' } },
      });
      expect(await protectedStatus(second.token.access_token as string)).toBe(401);
    });

    it('revokes both tokens with revokeAll() (RFC 7009)', async () => {
      await signup(t.app, 'nodeleaver').expect(200);
      const token = await client().getToken({ username: 'nodeleaver', password: PASSWORD });
      await token.revokeAll();
      expect(await protectedStatus(token.token.access_token as string)).toBe(401);
      await expect(token.refresh()).rejects.toMatchObject({ data: { payload: { error: 'invalid_grant' } } });
    });
  });

  it('Authlib (Python OAuth2Session) logs in, refreshes an expired token by itself before a request, and a replay of the old refresh token is refused', async () => {
    await signup(t.app, 'pyclient').expect(200);
    const child = spawn(
      OAUTH_PYTHON,
      [path.join(__dirname, '..', 'fixtures', 'authlib-client.py'), base, 'pyclient', PASSWORD],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const steps: Array<Record<string, unknown>> = [];
    for await (const line of createInterface({ input: child.stdout })) {
      const step = JSON.parse(line) as Record<string, unknown>;
      steps.push(step);
      if (step.step === 'logged-in') t.clock.advance(31 * 60);
      child.stdin.write('\n');
    }
    const code = await exited;
    if (code !== 0) {
      throw new Error(
        `${OAUTH_PYTHON} failed (exit ${code}); without Authlib run \`bash scripts/provision.sh\`:\n${stderr}`,
      );
    }
    expect(steps).toEqual([
      { step: 'logged-in', protected: 200, token_type: 'bearer', has_refresh_token: true },
      {
        step: 'auto-refreshed',
        protected: 200,
        body: { message: 'Hello pyclient! This is a protected route' },
        updates: [{ new_refresh_differs: true }],
        refresh_rotated: true,
      },
      { step: 'replayed', replay: 'invalid_grant', protected_after: 401 },
    ]);
  });
});
