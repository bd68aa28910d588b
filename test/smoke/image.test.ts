// The production image, built from the repository's Dockerfile and run with testcontainers:
// the seed scenario over real HTTP, one failure per endpoint, Swagger UI, JSON logs without
// secrets, a non-root process, the HEALTHCHECK, and `docker stop` draining a request in flight.
//
// Needs a Docker engine and the node:20-bookworm-slim base image (`npm test` provisions them on Debian as root).
// The testcontainers env (Ryuk off, host override) is set in test/smoke/setup.ts.
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import {
  ROOT,
  SMOKE_JWT_SECRET,
  inspectContainer,
  inspectImage,
  recordFigures,
  requireDocker,
  run,
  runOk,
  sleep,
  uniqueUsername,
  waitForHealthy,
} from '../helpers/smoke-env';
import { PASSWORD } from '../helpers/accounts';
import { protectedRoute, seedScenario, sessionScenario, signup, token } from '../helpers/http-client';
import { parseRawResponse, startPartialTokenRequest } from '../helpers/raw-http';

// A fixed tag, kept after the run (like compose's jwt-auth-service:local): it and its untagged
// parent layers are the build cache that makes the next run's build take seconds. Deleting it
// would prune that cache; rebuilding after a source change simply moves the tag.
const IMAGE = 'jwt-auth-service:smoke';
const STOP_TIMEOUT_S = 10;

let container: StartedTestContainer | undefined;
let containerId = '';
let base = '';
/** every access token the service handed out in this file: none may show up in its logs */
const issuedTokens: string[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  requireDocker();

  const buildStart = Date.now();
  const image = await GenericContainer.fromDockerfile(ROOT).build(IMAGE, { deleteOnExit: false });
  figures.imageBuildSeconds = (Date.now() - buildStart) / 1000;
  const info = await inspectImage(IMAGE);
  figures.imageSizeBytes = info.Size;
  figures.imageSizeMB = Math.round((info.Size / 1e6) * 10) / 10;

  const startAt = Date.now();
  container = await image
    .withEnvironment({ JWT_SECRET: SMOKE_JWT_SECRET }) // TEST FIXTURE secret, see smoke-env.ts
    .withExposedPorts(8000)
    .withAutoRemove(false) // keep it after `stop` so its exit code and logs can be read
    .withWaitStrategy(Wait.forHttp('/healthz', 8000).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  containerId = container.getId();
  figures.startToListeningSeconds = (Date.now() - startAt) / 1000;
  base = `http://${container.getHost()}:${container.getMappedPort(8000)}`;

  // The Docker HEALTHCHECK (interval 5 s: the first probe runs ~5 s after start).
  figures.startToHealthySeconds = await waitForHealthy(containerId, startAt, 30_000);
}, 900_000);

afterAll(async () => {
  if (Object.keys(figures).length > 0) recordFigures('image', figures);
  if (containerId) await run('docker', ['rm', '-f', '-v', containerId]);
  else if (container) await container.stop({ timeout: 0 }).catch(() => undefined);
}, 120_000);

describe('the production image', () => {
  it('passes its Docker HEALTHCHECK (State.Health.Status = healthy)', async () => {
    const info = await inspectContainer(containerId);
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.State.Health?.Log.at(-1)).toEqual(expect.objectContaining({ ExitCode: 0 }));
  });

  it('runs the service as a non-root user', async () => {
    const info = await inspectContainer(containerId);
    expect(info.Config.User).toBeTruthy();
    expect(['root', '0', '0:0']).not.toContain(info.Config.User);
    const id = await container!.exec(['id', '-u']);
    expect(id.exitCode).toBe(0);
    expect(id.output.trim()).toMatch(/^\d+$/);
    expect(id.output.trim()).not.toBe('0');
  });

  it('serves the seed scenario: signup -> token -> protected', async () => {
    issuedTokens.push(await seedScenario(base, uniqueUsername('licat')));
  });

  it('keeps sessions: refresh rotates, a replayed refresh token ends the session, logout ends one (RFC 9700 §4.14.2)', async () => {
    const username = uniqueUsername('keeper');
    expect((await signup(base, username)).status).toBe(200);
    issuedTokens.push(...(await sessionScenario(base, username)));
  });

  it("answers each endpoint's documented failure", async () => {
    const username = uniqueUsername('taken');
    expect((await signup(base, username)).status).toBe(200);

    const taken = await signup(base, username);
    expect({ status: taken.status, body: taken.body }).toEqual({
      status: 400,
      body: { detail: 'Username already exists' },
    });

    const wrong = await token(base, username, 'not the right password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(expect.objectContaining({ detail: 'Incorrect username or password' }));

    const anonymous = await protectedRoute(base);
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({
      status: 401,
      body: { detail: 'Not authenticated' },
    });
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('with JWT_ALGORITHM=EdDSA and no key, generates one in its key directory as the non-root user, publishes it, and rotates with `node dist/keys.js`', async () => {
    const keyed = await new GenericContainer(IMAGE)
      .withEnvironment({ JWT_ALGORITHM: 'EdDSA', PUBLIC_URL: 'http://auth.test' })
      .withExposedPorts(8000)
      .withWaitStrategy(Wait.forHttp('/healthz', 8000).forStatusCode(200))
      .withStartupTimeout(60_000)
      .start();
    try {
      const keyedBase = `http://${keyed.getHost()}:${keyed.getMappedPort(8000)}`;
      const username = uniqueUsername('keyed');
      expect((await signup(keyedBase, username)).status).toBe(200);
      const login = await token(keyedBase, username);
      expect(login.status).toBe(200);
      const accessToken = login.body.access_token as string;
      // An independent verifier: the published key alone, no shared secret.
      const jwks = createLocalJWKSet(
        (await (await fetch(`${keyedBase}/.well-known/jwks.json`)).json()) as JSONWebKeySet,
      );
      const { payload } = await jwtVerify(accessToken, jwks, {
        issuer: 'http://auth.test',
        audience: 'jwt-auth-service',
      });
      expect(payload.sub).toBe(username);

      const listing = await keyed.exec(['ls', '-ln', '/var/lib/jwt-auth/keys']);
      expect(listing.output).toMatch(/-rw------- .* [0-9A-Za-z_-]{43}\.pem/);
      const rotated = await keyed.exec(['node', 'dist/keys.js', 'rotate', '--activate-in', '0']);
      expect({ code: rotated.exitCode, output: rotated.output }).toEqual({
        code: 0,
        output: expect.stringMatching(/^added /),
      });
      // The running service picks the new schedule up within seconds, with no restart.
      let kids = 0;
      for (let i = 0; i < 50 && kids < 2; i++) {
        await sleep(200);
        kids = ((await (await fetch(`${keyedBase}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys.length;
      }
      expect(kids).toBe(2);
      expect((await protectedRoute(keyedBase, accessToken)).status).toBe(200);
    } finally {
      await keyed.stop({ timeout: 0 });
    }
  });

  it('serves Swagger UI at /docs/', async () => {
    const res = await fetch(`${base}/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/swagger-ui/i);
    expect(html).toContain('id="swagger-ui"');
  });

  it('on `docker stop`, finishes a request still in flight, then exits 0 before the stop timeout', async () => {
    const username = uniqueUsername('drainee');
    expect((await signup(base, username)).status).toBe(200);

    const host = container!.getHost();
    const port = container!.getMappedPort(8000);
    const exchange = await startPartialTokenRequest(host, port, username);
    await sleep(200); // let the headers reach the service through docker-proxy

    const stopAt = Date.now();
    const stopped = container!.stop({ timeout: STOP_TIMEOUT_S * 1000, remove: false }).then(() => Date.now());
    await sleep(300);
    exchange.finish();

    const raw = await exchange.response;
    const stopDoneAt = await stopped;
    const { status, body } = parseRawResponse(raw);
    expect({ status, tokenType: body?.token_type }).toEqual({ status: 200, tokenType: 'bearer' });
    expect(typeof body.access_token).toBe('string');
    issuedTokens.push(body.access_token as string);

    const info = await inspectContainer(containerId);
    figures.stopToExitSeconds = (stopDoneAt - stopAt) / 1000;
    figures.stopToExitByFinishedAtSeconds = (Date.parse(info.State.FinishedAt) - stopAt) / 1000;
    // 0 = it exited by itself after draining; 137 would mean the 10 s timeout SIGKILLed it.
    expect({ running: info.State.Running, exitCode: info.State.ExitCode, oomKilled: info.State.OOMKilled }).toEqual({
      running: false,
      exitCode: 0,
      oomKilled: false,
    });
  });

  it('logged JSON lines only, none carrying a password, token or the secret', async () => {
    // After the stop test: the logs cover the container's whole life, shutdown included.
    const logs = await runOk('docker', ['logs', containerId]);
    const lines = `${logs.stdout}\n${logs.stderr}`.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);

    expect(issuedTokens.length).toBeGreaterThanOrEqual(2);
    const secrets = [PASSWORD, encodeURIComponent(PASSWORD), 'correct+horse', SMOKE_JWT_SECRET, ...issuedTokens];
    for (const secret of secrets) {
      expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    }
    // No token fragment either: a JWT's signature part is unique to it.
    for (const t of issuedTokens.filter((value) => value.split('.').length === 3)) {
      const signature = t.split('.')[2]!;
      expect(lines.filter((l) => l.includes(signature))).toEqual([]);
    }

    // The drained request was answered after shutdown began.
    const msgs = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
    const shutdownAt = msgs.findIndex((m) => m.startsWith('shutting down'));
    expect(shutdownAt).toBeGreaterThanOrEqual(0);
    expect(msgs.slice(shutdownAt + 1)).toContain('POST 200');
    expect(msgs.at(-1)).toBe('stopped');
  });
});
