// The key sets access tokens are signed and verified with: which key fits which algorithm, the
// RFC 7638 thumbprint that names it, what is published, and the rotation schedule.
import { createPublicKey, createSecretKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import {
  HmacKeySet,
  hmacKeyId,
  isAsymmetric,
  jwkThumbprint,
  NoSigningKeyError,
  privateKeyProblem,
  publicJwk,
  ScheduledKeySet,
  type AsymmetricAlgorithm,
  type ScheduledKey,
} from '../../src/domain/signing-keys';

const ed25519 = () => generateKeyPairSync('ed25519');
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength });

/** A stand-in for a KeyObject whose details the runtime does not report. */
const opaqueKey = (fields: Record<string, unknown>): KeyObject => fields as unknown as KeyObject;

/** RFC 7638 §3.1: the example RSA public key and its SHA-256 thumbprint. */
const RFC7638_RSA: JsonWebKey = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

/** RFC 8037 Appendix A.2 / A.3: the example Ed25519 public key and its thumbprint. */
const RFC8037_ED25519: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

/** RFC 7517 §6.2.2 / RFC 7518 §6.3.2 / RFC 8037 §2: members only a private key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('isAsymmetric', () => {
  it.each([
    ['HS256', false],
    ['HS384', false],
    ['HS512', false],
    ['EdDSA', true],
    ['ES256', true],
    ['RS256', true],
  ] as const)('%s is asymmetric: %s', (alg, expected) => {
    expect(isAsymmetric(alg)).toBe(expected);
  });
});

describe('privateKeyProblem', () => {
  const ed = ed25519();
  const ec = p256();
  const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const rsa2048 = rsa(2048);

  it.each<[why: string, key: () => KeyObject, alg: AsymmetricAlgorithm]>([
    ['an Ed25519 private key for EdDSA', () => ed.privateKey, 'EdDSA'],
    ['a P-256 private key for ES256', () => ec.privateKey, 'ES256'],
    ['a 2048-bit RSA private key for RS256 (RFC 7518 §3.3: 2048 bits or more)', () => rsa2048.privateKey, 'RS256'],
  ])('accepts %s', (_why, key, alg) => {
    expect(privateKeyProblem(key(), alg)).toBeUndefined();
  });

  it.each<[why: string, key: () => KeyObject, alg: AsymmetricAlgorithm, problem: RegExp]>([
    ['the public half of an Ed25519 key', () => ed.publicKey, 'EdDSA', /not a private key/],
    ['the public half of a P-256 key', () => ec.publicKey, 'ES256', /not a private key/],
    ['the public half of an RSA key', () => rsa2048.publicKey, 'RS256', /not a private key/],
    ['an HMAC secret', () => createSecretKey(Buffer.alloc(32, 7)), 'EdDSA', /not a private key/],
    ['a P-256 key for EdDSA', () => ec.privateKey, 'EdDSA', /\bec\b.*Ed25519/],
    ['an RSA key for EdDSA', () => rsa2048.privateKey, 'EdDSA', /\brsa\b.*Ed25519/],
    [
      'an Ed448 key for EdDSA (RFC 8037 also names Ed448; here EdDSA is Ed25519 only)',
      () => generateKeyPairSync('ed448').privateKey,
      'EdDSA',
      /ed448.*Ed25519/,
    ],
    ['an Ed25519 key for ES256', () => ed.privateKey, 'ES256', /not a P-256 EC key \(ed25519\)/],
    ['an RSA key for ES256', () => rsa2048.privateKey, 'ES256', /not a P-256 EC key \(rsa\)/],
    [
      'a P-384 key for ES256 (RFC 7518 §3.4: ES256 is P-256)',
      () => ec384.privateKey,
      'ES256',
      /not a P-256 EC key \(ec secp384r1\)/,
    ],
    ['an Ed25519 key for RS256', () => ed.privateKey, 'RS256', /ed25519.*RS256 needs an RSA key/],
    ['a P-256 key for RS256', () => ec.privateKey, 'RS256', /\bec\b.*RS256 needs an RSA key/],
    [
      'an RSA-PSS key for RS256 (RS256 is PKCS#1 v1.5)',
      () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey,
      'RS256',
      /rsa-pss.*RS256 needs an RSA key/,
    ],
    ['a 1024-bit RSA key for RS256', () => rsa(1024).privateKey, 'RS256', /has 1024 bits.*at least 2048/],
    [
      'a 2040-bit RSA key for RS256, just under the minimum',
      () => rsa(2040).privateKey,
      'RS256',
      /has 2040 bits.*at least 2048/,
    ],
  ])('refuses %s', (_why, key, alg, problem) => {
    expect(privateKeyProblem(key(), alg)).toMatch(problem);
  });

  it('refuses, rather than assumes large enough, an RSA key whose size the runtime does not report', () => {
    const key = opaqueKey({ type: 'private', asymmetricKeyType: 'rsa', asymmetricKeyDetails: undefined });
    expect(privateKeyProblem(key, 'RS256')).toMatch(/has 0 bits/);
  });

  it('refuses an EC key whose curve the runtime does not report', () => {
    const key = opaqueKey({ type: 'private', asymmetricKeyType: 'ec', asymmetricKeyDetails: undefined });
    expect(privateKeyProblem(key, 'ES256')).toMatch(/not a P-256 EC key \(ec undefined\)/);
  });
});

describe('jwkThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 example RSA key its published thumbprint', () => {
    expect(jwkThumbprint(createPublicKey({ key: RFC7638_RSA, format: 'jwk' }))).toBe(RFC7638_THUMBPRINT);
  });

  it('gives the RFC 8037 Appendix A.3 example Ed25519 key its published thumbprint', () => {
    expect(jwkThumbprint(createPublicKey({ key: RFC8037_ED25519, format: 'jwk' }))).toBe(RFC8037_THUMBPRINT);
  });

  it.each([
    ['Ed25519', ed25519],
    ['P-256', p256],
    ['RSA', () => rsa(2048)],
  ])('agrees with jose.calculateJwkThumbprint on a generated %s key', async (_type, generate) => {
    const { publicKey } = generate();
    const reference = await jose.calculateJwkThumbprint(await jose.exportJWK(publicKey), 'sha256');
    expect(jwkThumbprint(publicKey)).toBe(reference);
  });

  it('names a private key by its public half: the private members are left out (§3.2)', () => {
    const { publicKey, privateKey } = p256();
    expect(jwkThumbprint(privateKey)).toBe(jwkThumbprint(publicKey));
  });

  it('differs between two keys of the same type', () => {
    expect(jwkThumbprint(ed25519().publicKey)).not.toBe(jwkThumbprint(ed25519().publicKey));
  });

  it('has no thumbprint for a symmetric key, nor for a key without kty', () => {
    expect(() => jwkThumbprint(createSecretKey(Buffer.alloc(32, 1)))).toThrow('no thumbprint for key type oct');
    expect(() => jwkThumbprint(opaqueKey({ export: () => ({}) }))).toThrow('no thumbprint for key type undefined');
  });
});

describe('publicJwk', () => {
  it.each([
    ['EdDSA', ed25519, { kty: 'OKP', crv: 'Ed25519' }, ['x']],
    ['ES256', p256, { kty: 'EC', crv: 'P-256' }, ['x', 'y']],
    ['RS256', () => rsa(2048), { kty: 'RSA' }, ['n', 'e']],
  ] as const)(
    '%s: the public members, kid, use and alg only, even from a private KeyObject (RFC 7517 §4, RFC 8037 §2)',
    (alg, generate, shape, publicMembers) => {
      const { publicKey, privateKey } = generate();
      const exported = publicKey.export({ format: 'jwk' }) as Record<string, string>;
      const expected = {
        ...shape,
        ...Object.fromEntries(publicMembers.map((m) => [m, exported[m]])),
        kid: 'the-kid',
        use: 'sig',
        alg,
      };
      for (const source of [publicKey, privateKey]) {
        const jwk = publicJwk(source, 'the-kid', alg);
        expect(jwk).toEqual(expected);
        for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
        expect(Object.isFrozen(jwk)).toBe(true);
      }
      // The published JWK is the key itself: importing it gives the same thumbprint.
      const imported = createPublicKey({ key: { ...publicJwk(privateKey, 'k', alg) }, format: 'jwk' });
      expect(jwkThumbprint(imported)).toBe(jwkThumbprint(publicKey));
    },
  );

  it('refuses to publish a key of a type no JWT_ALGORITHM uses', () => {
    const octKey = opaqueKey({ type: 'public', export: () => ({ kty: 'oct', k: 'c2VjcmV0' }) });
    expect(() => publicJwk(octKey, 'kid', 'EdDSA')).toThrow(/cannot publish an? oct key/);
  });

  // Regression: publicJwk wrote crv "P-256" / "Ed25519" as constants, so a P-384 key was
  // published as a P-256 JWK carrying P-384 coordinates (and X25519 or Ed448 as Ed25519):
  // a JWKS no resource server can use. keys.json is checked only against its thumbprints,
  // so such a key reached the published set through ScheduledKeySet.
  it.each<[why: string, key: () => KeyObject, alg: AsymmetricAlgorithm]>([
    ['a P-384 key as ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'ES256'],
    ['an X25519 key as EdDSA', () => generateKeyPairSync('x25519').publicKey, 'EdDSA'],
    ['an Ed448 key as EdDSA', () => generateKeyPairSync('ed448').publicKey, 'EdDSA'],
    ['an Ed25519 key as RS256', () => ed25519().publicKey, 'RS256'],
    ['an RSA key as ES256', () => rsa(2048).publicKey, 'ES256'],
    ['a P-256 key as EdDSA', () => p256().publicKey, 'EdDSA'],
  ])('refuses to publish %s rather than mislabel its curve or type', (_why, key, alg) => {
    expect(() => publicJwk(key(), 'kid', alg)).toThrow(/cannot publish/);
  });

  it('so a schedule naming a key with the wrong algorithm cannot be built', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const wrong: ScheduledKey = {
      kid: jwkThumbprint(p384.publicKey),
      alg: 'ES256',
      publicKey: p384.publicKey,
      privateKey: p384.privateKey,
      activatesAt: 0,
      verifyUntil: undefined,
    };
    expect(() => new ScheduledKeySet([wrong])).toThrow(/cannot publish/);
  });
});

describe('ScheduledKeySet', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const HOUR = 3_600_000;

  const key = (
    kid: string,
    schedule: { activatesAt: number; verifyUntil?: number; withPrivate?: boolean },
  ): ScheduledKey => {
    const { publicKey, privateKey } = ed25519();
    return {
      kid,
      alg: 'EdDSA',
      publicKey,
      privateKey: schedule.withPrivate === false ? undefined : privateKey,
      activatesAt: schedule.activatesAt,
      verifyUntil: schedule.verifyUntil,
    };
  };
  const kids = (set: ScheduledKeySet, now: number) => set.publicJwks(now).map((k) => k.kid);

  describe('a rotation: "old" signs until "new" activates an hour later, then verifies for an hour more', () => {
    const old = key('old', { activatesAt: T0, verifyUntil: T0 + 2 * HOUR });
    const next = key('new', { activatesAt: T0 + HOUR });
    // Listed newest first: the signer is the latest activated, not the last listed.
    const set = new ScheduledKeySet([next, old]);

    it('before the new key activates: the old key signs; the new one already verifies and is published', () => {
      const signer = set.signingKey(T0 + HOUR - 1);
      expect(signer).toEqual({ kid: 'old', alg: 'EdDSA', key: old.privateKey });
      expect(set.verificationKey('new', T0 + HOUR - 1)).toEqual({ kid: 'new', alg: 'EdDSA', key: next.publicKey });
      expect(kids(set, T0 + HOUR - 1).sort()).toEqual(['new', 'old']);
    });

    it('from the instant the new key activates, it signs; the old one still verifies', () => {
      expect(set.signingKey(T0 + HOUR).kid).toBe('new');
      expect(set.verificationKey('old', T0 + HOUR)?.key).toBe(old.publicKey);
    });

    it('at verifyUntil the old key neither verifies nor is published (the end is exclusive)', () => {
      expect(set.verificationKey('old', T0 + 2 * HOUR - 1)).toBeDefined();
      expect(kids(set, T0 + 2 * HOUR - 1).sort()).toEqual(['new', 'old']);
      expect(set.verificationKey('old', T0 + 2 * HOUR)).toBeUndefined();
      expect(kids(set, T0 + 2 * HOUR)).toEqual(['new']);
      expect(set.signingKey(T0 + 2 * HOUR).kid).toBe('new');
    });

    it('verifies with the public half, never the private one', () => {
      expect(set.verificationKey('old', T0)?.key.type).toBe('public');
    });

    it('lists every key it was given', () => {
      expect(set.keys.map((k) => k.kid).sort()).toEqual(['new', 'old']);
    });
  });

  it('a retired key does not sign even when it activated last: the earlier key signs', () => {
    const earlier = key('earlier', { activatesAt: T0 });
    const retired = key('retired', { activatesAt: T0 + HOUR, verifyUntil: T0 + 2 * HOUR });
    const set = new ScheduledKeySet([earlier, retired]);
    expect(set.signingKey(T0 + 90 * 60_000).kid).toBe('retired');
    expect(set.signingKey(T0 + 2 * HOUR).kid).toBe('earlier');
    expect(set.verificationKey('retired', T0 + 2 * HOUR)).toBeUndefined();
  });

  it('a key without its private half never signs, even when it activated last, but still verifies', () => {
    const signer = key('signer', { activatesAt: T0 });
    const publicOnly = key('public-only', { activatesAt: T0 + HOUR, withPrivate: false });
    const set = new ScheduledKeySet([signer, publicOnly]);
    expect(set.signingKey(T0 + 2 * HOUR).kid).toBe('signer');
    expect(set.verificationKey('public-only', T0 + 2 * HOUR)?.key).toBe(publicOnly.publicKey);
  });

  it.each<[why: string, keys: () => ScheduledKey[]]>([
    ['there are no keys at all', () => []],
    ['every key is pending', () => [key('pending', { activatesAt: T0 + 1 })]],
    ['every key is retired', () => [key('retired', { activatesAt: T0 - HOUR, verifyUntil: T0 })]],
    ['no key has its private half', () => [key('public-only', { activatesAt: T0 - HOUR, withPrivate: false })]],
  ])('throws NoSigningKeyError when %s', (_why, keys) => {
    const set = new ScheduledKeySet(keys());
    expect(() => set.signingKey(T0)).toThrow(NoSigningKeyError);
    expect(() => set.signingKey(T0)).toThrow(/no signing key is active/);
  });

  it('NoSigningKeyError is an Error named for what it is', () => {
    const err = new NoSigningKeyError();
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('NoSigningKeyError');
  });

  it('knows no kid it was not given', () => {
    const set = new ScheduledKeySet([key('only', { activatesAt: T0 })]);
    for (const kid of ['', 'ONLY', 'only ', '../only', 'constructor', '__proto__', 'toString'])
      expect(set.verificationKey(kid, T0)).toBeUndefined();
  });

  it('publishes the public JWK of each accepted key, with its kid and alg', () => {
    const k = key('published', { activatesAt: T0 });
    const [jwk] = new ScheduledKeySet([k]).publicJwks(T0);
    expect(jwk).toEqual(publicJwk(k.publicKey, 'published', 'EdDSA'));
    for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
  });
});

describe('HmacKeySet', () => {
  const SECRET = Buffer.from('FIXTURE-ONLY-first-secret-of-forty-four-bytes');
  const OTHER = Buffer.from('FIXTURE-ONLY-other-secret-of-forty-four-byte');
  const set = (secret: Buffer, alg: 'HS256' | 'HS384' | 'HS512' = 'HS256') =>
    new HmacKeySet(createSecretKey(secret), alg);

  it('names a secret by the same kid every time, whichever algorithm it signs with', () => {
    const kid = set(SECRET).signingKey().kid;
    expect(set(SECRET).signingKey().kid).toBe(kid);
    expect(set(SECRET, 'HS512').signingKey().kid).toBe(kid);
    expect(hmacKeyId(SECRET)).toBe(kid);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives another secret another kid', () => {
    expect(set(OTHER).signingKey().kid).not.toBe(set(SECRET).signingKey().kid);
  });

  it('the kid does not reveal the secret', () => {
    const kid = set(SECRET).signingKey().kid;
    expect(SECRET.toString('base64url')).not.toContain(kid);
    expect(SECRET.toString('utf8')).not.toContain(kid);
  });

  it('signs and verifies with the secret under its configured algorithm', () => {
    const keys = set(SECRET, 'HS384');
    const signer = keys.signingKey();
    expect(signer.alg).toBe('HS384');
    expect(signer.key.export().equals(SECRET)).toBe(true);
    expect(keys.verificationKey(signer.kid)).toEqual(signer);
  });

  it('knows no other kid', () => {
    const keys = set(SECRET);
    expect(keys.verificationKey(hmacKeyId(OTHER))).toBeUndefined();
    expect(keys.verificationKey('')).toBeUndefined();
  });

  it('publishes nothing: a secret is never in a JWKS', () => {
    expect(set(SECRET).publicJwks()).toEqual([]);
  });

  it('the kid of a KeyObject and of the same bytes agree', () => {
    expect(hmacKeyId(createSecretKey(SECRET))).toBe(hmacKeyId(SECRET));
  });
});
