// GET /.well-known/jwks.json (RFC 7517) and GET /.well-known/oauth-authorization-server
// (RFC 8414): what a resource server needs to verify our tokens with no shared secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { login, signup } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { decodePart } from '../helpers/tokens';

const coverage = useContractCoverage('discovery');

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('with JWT_ALGORITHM=%s and a key directory', (alg) => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jwks-contract-'));
    t = await buildTestApp({
      JWT_SECRET: '',
      JWT_ALGORITHM: alg,
      JWT_KEYS_DIR: dir,
      PUBLIC_URL: 'https://auth.example.com/',
    });
  });
  afterAll(async () => {
    await t.deps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /.well-known/jwks.json: one public key with kty, kid (its RFC 7638 thumbprint), use sig and alg, and no private member (RFC 7517 §4)', async () => {
    const res = coverage.check(await request(t.app).get('/.well-known/jwks.json'), 'getJwks');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.pragma).toBeUndefined();
    const keys = res.body.keys as Array<Record<string, unknown>>;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: alg === 'EdDSA' ? 'OKP' : alg === 'ES256' ? 'EC' : 'RSA', use: 'sig', alg });
    expect(keys[0]?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const member of PRIVATE_MEMBERS) expect(keys[0]).not.toHaveProperty(member);
  });

  it('then every token names that key in its kid header and is signed with its algorithm', async () => {
    await signup(t.app, 'licat');
    const token = (await login(t.app, 'licat').expect(200)).body.access_token as string;
    const jwks = await request(t.app).get('/.well-known/jwks.json');
    expect(decodePart(token, 0)).toEqual({ alg, typ: 'at+jwt', kid: jwks.body.keys[0].kid });
    expect(decodePart(token, 1).iss).toBe('https://auth.example.com');
    await request(t.app).get('/protected').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it("GET /.well-known/oauth-authorization-server: issuer identical to the tokens' iss, endpoints under PUBLIC_URL (RFC 8414 §2, §3.3)", async () => {
    const res = coverage.check(
      await request(t.app).get('/.well-known/oauth-authorization-server'),
      'getAuthorizationServerMetadata',
    );
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.body).toEqual({
      issuer: 'https://auth.example.com',
      token_endpoint: 'https://auth.example.com/token',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      revocation_endpoint: 'https://auth.example.com/revoke',
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      service_documentation: 'https://auth.example.com/docs',
    });
  });
});

describe('with HMAC signing (HS256, the default)', () => {
  it('the JWKS is empty: a secret is never published, and the metadata has no jwks_uri', async () => {
    const t = await buildTestApp({ JWT_ISSUER: 'https://issuer.example/tenant' });
    const jwks = coverage.check(await request(t.app).get('/.well-known/jwks.json'), 'getJwks');
    expect(jwks.status).toBe(200);
    expect(jwks.body).toEqual({ keys: [] });
    const metadata = coverage.check(
      await request(t.app).get('/.well-known/oauth-authorization-server'),
      'getAuthorizationServerMetadata',
    );
    expect(metadata.body.issuer).toBe('https://issuer.example/tenant');
    expect(metadata.body.token_endpoint).toBe('http://localhost:8000/token');
    expect(metadata.body).not.toHaveProperty('jwks_uri');
    await t.deps.close();
  });
});
