// GET /protected with asymmetric signing: the seed flow through the whole app, and the
// RFC 8725 attacks on EdDSA (key directory, verified by jose) and ES256 (JWT_PRIVATE_KEY,
// verified by jsonwebtoken) all answered 401 "Invalid token" (RFC 6750 §3.1).
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import request from 'supertest';
import { jwkThumbprint } from '../../src/domain/signing-keys';
import { tokenFor } from '../helpers/accounts';
import { useContractCoverage } from '../helpers/contract-coverage';
import { buildTestApp, nowSeconds, type TestApp } from '../helpers/test-app';
import { decodePart, validClaims } from '../helpers/tokens';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';

const coverage = useContractCoverage('asymmetric-tokens');

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS by hand, signed as `alg` (EdDSA or ES256) with `key`, or with no signature. */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, key?: KeyObject): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  if (key === undefined) return `${input}.`;
  const data = Buffer.from(input);
  const sig =
    key.asymmetricKeyType === 'ed25519'
      ? sign(null, data, key)
      : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

const hs256 = (header: Record<string, unknown>, claims: Record<string, unknown>, secret: string): string => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

interface Deployment {
  readonly t: TestApp;
  readonly alg: 'EdDSA' | 'ES256';
  readonly kid: string;
  /** The service's own private key: tokens it signs are refused only for what they say. */
  readonly privateKey: KeyObject;
  readonly token: string;
  readonly sid: string;
}

/**
 * 401 "Invalid token" with error="invalid_token" (RFC 6750 §3.1). Any error_description the
 * challenge and body add is left to test/contract/get-protected.test.ts.
 */
const expectInvalidToken = (res: request.Response) => {
  coverage.check(res, 'getProtected');
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ detail: 'Invalid token' });
  if ('error' in res.body) expect(res.body.error).toBe('invalid_token');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"(, |$)/);
};

/** A key of the attacker's, of the same type as the deployment's. */
const attackerKey = (d: Deployment) =>
  d.alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });

const protectedWith = (d: Deployment, token: string) =>
  request(d.t.app).get('/protected').set('Authorization', `Bearer ${token}`);

/** The attacks every deployment must refuse, whichever library verifies its tokens. */
function attacks(get: () => Deployment): void {
  const claims = (d: Deployment, extra: Record<string, unknown> = {}) => ({
    ...validClaims('licat', nowSeconds(d.t), d.sid),
    iss: d.t.config.jwt.issuer,
    ...extra,
  });
  const header = (d: Deployment, extra: Record<string, unknown> = {}) => ({
    alg: d.alg,
    typ: 'at+jwt',
    kid: d.kid,
    ...extra,
  });

  it('a token the service did not issue but signed with its own key and a live sid is accepted: the forger works', async () => {
    const d = get();
    const res = coverage.check(await protectedWith(d, forge(header(d), claims(d), d.privateKey)), 'getProtected');
    expect(res.status).toBe(200);
  });

  it.each<[why: string, token: (d: Deployment) => string]>([
    ['alg "none" with our kid and no signature (RFC 8725 §2.1)', (d) => forge(header(d, { alg: 'none' }), claims(d))],
    ['alg "NONE" with our kid and no signature (RFC 8725 §2.1)', (d) => forge(header(d, { alg: 'NONE' }), claims(d))],
    [
      'HS256 keyed with the public key PEM from the JWKS, under our kid (RFC 8725 §3.1)',
      (d) =>
        hs256(
          header(d, { alg: 'HS256' }),
          claims(d),
          createPublicKey(d.privateKey).export({ format: 'pem', type: 'spki' }).toString(),
        ),
    ],
    [
      'our own signature under another alg in the header (RFC 8725 §3.1)',
      (d) => forge(header(d, { alg: d.alg === 'EdDSA' ? 'ES256' : 'EdDSA' }), claims(d), d.privateKey),
    ],
    [
      'an attacker key in a jwk header, signed by it, under our kid',
      (d) => {
        const attacker = attackerKey(d);
        return forge(header(d, { jwk: attacker.publicKey.export({ format: 'jwk' }) }), claims(d), attacker.privateKey);
      },
    ],
    [
      "an attacker key in a jwk header, under that key's thumbprint as kid",
      (d) => {
        const attacker = attackerKey(d);
        const jwk = attacker.publicKey.export({ format: 'jwk' });
        return forge(header(d, { kid: jwkThumbprint(attacker.publicKey), jwk }), claims(d), attacker.privateKey);
      },
    ],
    [
      'a signature by another key of the same type under our kid',
      (d) => {
        return forge(header(d), claims(d), attackerKey(d).privateKey);
      },
    ],
    [
      'a kid we never issued, with our signature',
      (d) => forge(header(d, { kid: 'no-such-key' }), claims(d), d.privateKey),
    ],
    ['no kid, with our signature', (d) => forge({ alg: d.alg, typ: 'at+jwt' }, claims(d), d.privateKey)],
    [
      'a path-traversal kid (RFC 8725 §3.10)',
      (d) => forge(header(d, { kid: '../../../../etc/passwd' }), claims(d), d.privateKey),
    ],
    ['a kid of /dev/null (RFC 8725 §3.10)', (d) => forge(header(d, { kid: '/dev/null' }), claims(d), d.privateKey)],
    [
      'our kid followed by a NUL byte (RFC 8725 §3.10)',
      (d) => forge(header(d, { kid: `${d.kid}\u0000` }), claims(d), d.privateKey),
    ],
    [
      'an expired exp, signed by our key',
      (d) => forge(header(d), claims(d, { exp: nowSeconds(d.t) - 60 }), d.privateKey),
    ],
    [
      'a wrong aud, signed by our key (RFC 8725 §3.9)',
      (d) => forge(header(d), claims(d, { aud: 'another-api' }), d.privateKey),
    ],
    ['typ JWT, signed by our key (RFC 8725 §3.11)', (d) => forge(header(d, { typ: 'JWT' }), claims(d), d.privateKey)],
    // Regression: a non-string alg threw a TypeError in the service: a 500, not a 401.
    ['a numeric alg', (d) => forge(header(d, { alg: 256 }), claims(d), d.privateKey)],
    ['a null alg', (d) => forge(header(d, { alg: null }), claims(d), d.privateKey)],
    // Regression: jsonwebtoken ignores crit, so ES256 accepted an extension it cannot understand.
    [
      'a crit header naming an extension we do not understand, signed by our key (RFC 7515 §4.1.11)',
      (d) =>
        forge(
          header(d, { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }),
          claims(d),
          d.privateKey,
        ),
    ],
  ])('when the token has %s, then 401 "Invalid token" with error="invalid_token"', async (_why, token) => {
    const d = get();
    expectInvalidToken(await protectedWith(d, token(d)));
  });

  describe('jku and x5u are never fetched (RFC 8725 §3.10)', () => {
    let server: RecordingServer;
    let base: string;
    beforeAll(async () => {
      server = await startRecordingServer(() => '{"keys":[]}');
      base = server.base;
    });
    afterAll(() => server.close());

    it('when the token points at an attacker server, then 401 and the server hears nothing', async () => {
      const d = get();
      const attacker = attackerKey(d);
      for (const extra of [
        { jku: `${base}/jwks.json` },
        { jku: `${base}/jwks.json`, kid: 'attacker' },
        { x5u: `${base}/cert.pem` },
      ]) {
        expectInvalidToken(await protectedWith(d, forge(header(d, extra), claims(d), attacker.privateKey)));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      await fetch(`${base}/probe`);
      expect(server.requests).toEqual(['/probe']);
    });
  });

  it('POST /revoke with a token whose alg is not a string: 200, ignored as RFC 7009 §2.2 asks', async () => {
    const d = get();
    const res = coverage.check(
      await request(d.t.app)
        .post('/revoke')
        .type('form')
        .send({ token: forge(header(d, { alg: [d.alg] }), claims(d), d.privateKey) }),
      'revokeToken',
    );
    expect(res.status).toBe(200);
  });
}

describe('with JWT_ALGORITHM=EdDSA and a key directory (verified by jose)', () => {
  let dir: string;
  let d: Deployment;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asymmetric-tokens-'));
    const t = await buildTestApp({ JWT_SECRET: '', JWT_ALGORITHM: 'EdDSA', JWT_KEYS_DIR: dir });
    const token = await tokenFor(t.app, 'licat');
    const kid = decodePart(token, 0).kid as string;
    d = {
      t,
      alg: 'EdDSA',
      kid,
      privateKey: createPrivateKey(readFileSync(join(dir, `${kid}.pem`), 'utf8')),
      token,
      sid: decodePart(token, 1).sid as string,
    };
  });
  afterAll(async () => {
    await d.t.deps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the seed flow works: sign up, log in, an EdDSA token naming the published key, GET /protected 200', async () => {
    expect(decodePart(d.token, 0)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: d.kid });
    const jwks = await request(d.t.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([d.kid]);
    // A resource server with only the JWKS accepts the token.
    await jose.jwtVerify(d.token, jose.createLocalJWKSet(jwks.body), {
      algorithms: ['EdDSA'],
      issuer: d.t.config.jwt.issuer,
      audience: 'jwt-auth-service',
      currentDate: new Date(d.t.clock.now()),
    });
    const res = coverage.check(await protectedWith(d, d.token), 'getProtected');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Hello licat! This is a protected route' });
  });

  attacks(() => d);
});

describe('with JWT_ALGORITHM=ES256 and JWT_PRIVATE_KEY (verified by jsonwebtoken)', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let d: Deployment;
  beforeAll(async () => {
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const t = await buildTestApp({ JWT_SECRET: '', JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem });
    const token = await tokenFor(t.app, 'licat');
    d = {
      t,
      alg: 'ES256',
      kid: jwkThumbprint(pair.publicKey),
      privateKey: pair.privateKey,
      token,
      sid: decodePart(token, 1).sid as string,
    };
  });
  afterAll(async () => {
    await d.t.deps.close();
  });

  it('the seed flow works: sign up, log in, an ES256 token named by its key thumbprint, GET /protected 200', async () => {
    expect(decodePart(d.token, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: d.kid });
    const res = coverage.check(await protectedWith(d, d.token), 'getProtected');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Hello licat! This is a protected route' });
  });

  attacks(() => d);
});
