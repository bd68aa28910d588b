import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import request from 'supertest';
import { metricsEndpoint } from '../../src/composition-root';
import { KeyDirectory } from '../../src/data-access/key-directory';
import type { AuthEvent } from '../../src/domain/auth-events';
import { jwkThumbprint } from '../../src/domain/signing-keys';
import { login, signup } from '../helpers/accounts';
import { buildTestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

describe('metricsEndpoint: the one decision of where GET /metrics is answered', () => {
  const registry = new Registry();

  it('when metrics are on, then on the management port only', () => {
    expect(metricsEndpoint({ enabled: true, port: 9000 }, registry)).toEqual({ on: 'own-port', port: 9000, registry });
  });

  it('when METRICS_ENABLED=false, or no registry exists, then nowhere', () => {
    expect(metricsEndpoint({ enabled: false, port: 9000 }, registry)).toEqual({ on: 'nowhere' });
    expect(metricsEndpoint({ enabled: true, port: 9000 }, undefined)).toEqual({ on: 'nowhere' });
  });
});

describe('createDependencies: the signing keys the configuration names', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'composition-keys-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The audit digest an app gives an unknown name: it must be stable wherever the keys are. */
  const digestOf = async (env: Record<string, string>): Promise<string | undefined> => {
    const events: AuthEvent[] = [];
    const t = await buildTestApp(env, { events: { record: (e) => events.push(e) } });
    await login(t.app, 'nobody-by-this-name').expect(401);
    await t.deps.close();
    const event = events.find((e) => e.type === 'login');
    return event?.type === 'login' ? event.usernameDigest : undefined;
  };

  it('with a key directory, the audit name digest survives a restart and a key rotation (its seed lives beside the keys)', async () => {
    const dir = tempDir();
    const env = { JWT_SECRET: '', JWT_ALGORITHM: 'EdDSA', JWT_KEYS_DIR: dir };
    const first = await digestOf(env);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    await new KeyDirectory(dir, Date.now).rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 60_000 });
    expect(await digestOf(env)).toBe(first);
    expect(await digestOf({ ...env, JWT_KEYS_DIR: tempDir() })).not.toBe(first);
  });

  it('with JWT_PRIVATE_KEY, tokens are signed by that key (kid = its thumbprint) and the digest follows the key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const env = {
      JWT_SECRET: '',
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
    const t = await buildTestApp(env);
    await signup(t.app, 'keyholder').expect(200);
    const token = (await login(t.app, 'keyholder').expect(200)).body.access_token as string;
    expect(decodePart(token, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: jwkThumbprint(publicKey) });
    const jwks = await request(t.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([jwkThumbprint(publicKey)]);
    await t.deps.close();
    expect(await digestOf(env)).toBe(await digestOf(env));
  });

  it('in production without PUBLIC_URL, start-up warns that the issuer is a guess; with it, no warning', async () => {
    const warned = await buildTestApp({ NODE_ENV: 'production' });
    expect(warned.logs.text).toMatch(/"level":"warn".*PUBLIC_URL is not set/);
    await warned.deps.close();
    const quiet = await buildTestApp({ NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.com' });
    expect(quiet.logs.text).not.toContain('PUBLIC_URL is not set');
    await quiet.deps.close();
  });
});
