// Key rotation on the real process: node dist/main.js with JWT_ALGORITHM=EdDSA and a key
// directory, changed by node dist/keys.js while it runs, and checked by an independent verifier
// that holds no secret: jose with the published JWKS, as a resource server would.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { protectedRoute, refresh, signup, token } from '../helpers/http-client';
import { buildDist, ROOT, startService, type ServiceProcess } from '../helpers/service-process';
import { freePort } from '../helpers/smoke-env';

const KEYS_COMMAND = path.join(ROOT, 'dist', 'keys.js');

const dirs: string[] = [];
const services: ServiceProcess[] = [];

beforeAll(() => buildDist(), 60_000);
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A key directory that does not exist yet, as on a first start. */
async function keysDir(): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), 'key-rotation-'));
  dirs.push(parent);
  return path.join(parent, 'keys');
}

/** The service variables of the process and of the keys command: the same, as in a deployment. */
const serviceEnv = (dir: string, port: number): Record<string, string> => ({
  JWT_ALGORITHM: 'EdDSA',
  JWT_KEYS_DIR: dir,
  PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  ACCESS_TOKEN_EXPIRE_MINUTES: '1',
  // The traffic loop logs in many times: no session may be evicted under it.
  SESSIONS_MAX_PER_USER: '1000',
  METRICS_ENABLED: 'false',
  LAME_DUCK_MS: '0',
});

interface Running {
  readonly service: ServiceProcess;
  readonly base: string;
  readonly env: Record<string, string>;
}

/** Starts the service on `port` (a free one by default), so PUBLIC_URL names its real address. */
async function start(dir: string, port?: number): Promise<Running> {
  const chosen = port ?? (await freePort());
  const env = serviceEnv(dir, chosen);
  const service = startService(env);
  services.push(service);
  expect(await service.port(30_000)).toBe(chosen);
  return { service, base: `http://127.0.0.1:${chosen}`, env };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node dist/keys.js <args>` with `env` and PATH only. */
function keys(args: readonly string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KEYS_COMMAND, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `keys list` as kid -> status. */
async function listed(env: Record<string, string>): Promise<Record<string, string>> {
  const ran = await keys(['list'], env);
  expect(ran).toMatchObject({ code: 0, stderr: '' });
  return Object.fromEntries(
    ran.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^([\w-]{43}) {2}EdDSA {2}(\S+)/.exec(line);
        if (!m) throw new Error(`keys list printed ${JSON.stringify(line)}`);
        return [m[1], m[2]];
      }),
  );
}

/**
 * A resource server's verifier: the JWKS the service publishes, nothing shared with it. It
 * refetches the set when a token names a kid it lacks, at most once a second (the cooldown),
 * and when its copy is older than a second (a short max-age, so that during a rotation it
 * keeps fetching, and a key published too late would be missed).
 */
function independentVerifier(base: string): (accessToken: string) => Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', base), {
    cooldownDuration: 1000,
    cacheMaxAge: 1000,
  });
  return async (accessToken) =>
    (
      await jwtVerify(accessToken, jwks, {
        issuer: base,
        audience: 'jwt-auth-service',
        typ: 'at+jwt',
        algorithms: ['EdDSA'],
      })
    ).payload;
}

const kidOf = (accessToken: string): string => decodeProtectedHeader(accessToken).kid ?? '';

interface Pair {
  readonly access: string;
  readonly refresh: string;
}

async function login(base: string, username: string): Promise<Pair> {
  const res = await token(base, username);
  expect(res.status).toBe(200);
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

async function refreshed(base: string, pair: Pair): Promise<Pair> {
  const res = await refresh(base, pair.refresh);
  expect(res.status).toBe(200);
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

/** Polls `probe` every 100 ms until it returns something other than undefined. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

describe('signing keys in JWT_KEYS_DIR, on the running service', () => {
  it('when first started on an empty directory, then it generates a key and warns; restarted on it, the kid stays and earlier tokens still verify', async () => {
    const dir = await keysDir();
    const first = await start(dir);
    const generated = first.service
      .logLines()
      .find(
        (l) => l.level === 'warn' && String(l.msg).startsWith('no signing key was configured: generated a EdDSA key'),
      );
    expect(generated).toMatchObject({ kid: expect.stringMatching(/^[\w-]{43}$/), dir });
    const kid = generated!.kid as string;
    expect((await signup(first.base, 'keeper')).status).toBe(200);
    const earlier = (await login(first.base, 'keeper')).access;
    expect(kidOf(earlier)).toBe(kid);
    expect((await independentVerifier(first.base)(earlier)).sub).toBe('keeper');
    expect(await first.service.stop()).toBe(0);

    const second = await start(dir, Number(first.env.PORT));

    expect(second.service.stdout()).not.toContain('generated a EdDSA key');
    const jwks = (await (await fetch(`${second.base}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
    // A new verifier, as a resource server restarted too: the token of the first run verifies.
    expect((await independentVerifier(second.base)(earlier)).sub).toBe('keeper');
    expect((await signup(second.base, 'keeper')).status).toBe(200);
    expect(kidOf((await login(second.base, 'keeper')).access)).toBe(kid);
  }, 60_000);

  it('when keys rotate under continuous logins and refreshes, then no token fails verification at any moment, at the service or at an independent verifier', async () => {
    const { base, env } = await start(await keysDir());
    expect((await signup(base, 'rotator')).status).toBe(200);
    const verify = independentVerifier(base);
    let pair = await login(base, 'rotator');
    const oldKid = kidOf(pair.access);

    const failures: string[] = [];
    /** Every fresh access token: its kid and when it was asked for. */
    const issued: Array<{ kid: string; requestedAt: number; access: string }> = [];
    /** When each kid was first seen in the JWKS (the answer's arrival). */
    const published = new Map<string, number>();
    let rotationStarted: number | undefined;
    let reverifiedAfterSwitch = 0;
    let stop = false;

    const check = async (access: string, what: string): Promise<void> => {
      const atService = await protectedRoute(base, access);
      if (atService.status !== 200) failures.push(`${what}: GET /protected ${atService.status}`);
      await verify(access).catch((err: Error) => failures.push(`${what}: verifier ${err.name} ${err.message}`));
    };

    const watchJwks = async () => {
      while (!stop) {
        const { keys: jwks } = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
          keys: Array<{ kid: string }>;
        };
        const at = Date.now();
        for (const k of jwks) if (!published.has(k.kid)) published.set(k.kid, at);
        await sleep(50);
      }
    };

    const traffic = async () => {
      for (let i = 0; !stop; i++) {
        const requestedAt = Date.now();
        // Refreshes keep one session going; logins start new ones: both issue access tokens.
        pair = i % 2 === 0 ? await refreshed(base, pair) : await login(base, 'rotator');
        const kid = kidOf(pair.access);
        issued.push({ kid, requestedAt, access: pair.access });
        await check(pair.access, `token ${i} (kid ${kid})`);
        // Tokens issued before the rotation must keep working through it and after it.
        const before = issued.filter((t) => rotationStarted === undefined || t.requestedAt < rotationStarted);
        const old = before[i % before.length]!;
        await check(old.access, `earlier token (kid ${old.kid}) re-checked`);
        if (issued.some((t) => t.kid !== oldKid)) reverifiedAfterSwitch++;
      }
    };

    const running = Promise.all([watchJwks(), traffic()]);
    try {
      await eventually('a few tokens before the rotation', async () => (issued.length >= 4 ? true : undefined));

      // A verifier that fetched the JWKS just before the new key was published refetches for
      // the unknown kid only once its cooldown (1 s here; jose's default is 30 s) has passed:
      // a token naming the new key within that window fails with JWKSNoMatchingKey (with
      // --activate-in 0 this test sees exactly that). So the key must be published longer
      // before it signs than the service's reload lag (keys.json is re-read every 2 s) plus
      // the cooldown: 4 s = 2 s + 1 s + 1 s of margin for a loaded machine. In production a
      // cache that refetches only when the JWKS max-age (300 s) runs out plays that part,
      // hence the default of 360 s.
      rotationStarted = Date.now();
      const rotated = await keys(['rotate', '--activate-in', '4'], env);
      expect(rotated).toMatchObject({ code: 0, stderr: '' });
      const newKid = /^added ([\w-]{43}) \(EdDSA\): published now, signs from \S+$/m.exec(rotated.stdout)?.[1];
      expect(newKid).toBeDefined();
      expect(rotated.stdout).toMatch(new RegExp(`^retiring ${oldKid}: accepted until \\S+$`, 'm'));

      const firstNew = await eventually(
        'a token naming the new key',
        async () => issued.find((t) => t.kid === newKid),
        20_000,
      );
      await eventually('earlier tokens re-checked after the switch', async () =>
        reverifiedAfterSwitch >= 6 ? true : undefined,
      );
      stop = true;
      await running;

      expect(failures).toEqual([]);
      expect(issued.filter((t) => t.kid === oldKid).length).toBeGreaterThanOrEqual(4);
      expect(issued.filter((t) => t.kid === newKid).length).toBeGreaterThanOrEqual(3);
      expect(issued.every((t) => t.kid === oldKid || t.kid === newKid)).toBe(true);
      expect(published.get(newKid!)).toBeLessThan(firstNew.requestedAt);
      expect(await listed(env)).toEqual({ [oldKid]: 'verify-only', [newKid!]: 'signing' });
    } finally {
      stop = true;
      await running.catch(() => undefined);
    }
  }, 60_000);

  it('when a key is retired, then once the service reloads, its tokens are refused by the service and by a fresh verifier, while new tokens work', async () => {
    const { base, env } = await start(await keysDir());
    expect((await signup(base, 'retiree')).status).toBe(200);
    const leaked = (await login(base, 'retiree')).access;
    const oldKid = kidOf(leaked);
    const rotated = await keys(['rotate', '--activate-in', '0'], env);
    expect(rotated.code).toBe(0);
    const newKid = /^added ([\w-]{43})/m.exec(rotated.stdout)?.[1];
    await eventually('the service signing with the new key', async () => {
      const access = (await login(base, 'retiree')).access;
      return kidOf(access) === newKid ? access : undefined;
    });

    const retired = await keys(['retire', oldKid], env);

    expect(retired).toEqual({
      code: 0,
      stdout: `retired ${oldKid}: tokens it signed are refused from now on\n`,
      stderr: '',
    });
    const refused = await eventually('the retired key refused at GET /protected', async () => {
      const res = await protectedRoute(base, leaked);
      return res.status === 200 ? undefined : res;
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    await expect(independentVerifier(base)(leaked)).rejects.toThrow(errors.JWKSNoMatchingKey);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid]);

    const fresh = (await login(base, 'retiree')).access;
    expect(kidOf(fresh)).toBe(newKid);
    expect((await protectedRoute(base, fresh)).status).toBe(200);
    expect((await independentVerifier(base)(fresh)).sub).toBe('retiree');
    expect(await listed(env)).toEqual({ [oldKid]: 'retired', [newKid!]: 'signing' });
  }, 60_000);
});

describe('node dist/keys.js, refusing what it cannot do', () => {
  it('when the configuration signs with HS256, then it exits 78 saying these commands are for a key directory', async () => {
    const dir = await keysDir();
    const ran = await keys(['list'], { JWT_KEYS_DIR: dir });
    expect(ran.code).toBe(78);
    expect(ran.stderr).toBe(
      'keys: JWT_ALGORITHM=HS256 does not use a key directory; these commands manage JWT_KEYS_DIR for EdDSA, ES256 or RS256 without JWT_PRIVATE_KEY(_FILE)\n',
    );
    expect(ran.stdout).toBe('');
  });

  it('when the command is unknown, then it exits 64 with the usage', async () => {
    const ran = await keys(['frobnicate'], serviceEnv(await keysDir(), 8000));
    expect(ran.code).toBe(64);
    expect(ran.stderr).toMatch(/^keys: unknown command frobnicate\nusage: keys list\n/);
  });

  it('when the service never created the directory, then rotate exits 1 saying to start it once', async () => {
    const dir = await keysDir();
    const ran = await keys(['rotate'], serviceEnv(dir, 8000));
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `keys: ${dir} has no keys.json: start the service once (it creates the first key), or check JWT_KEYS_DIR\n`,
    );
  });
});
