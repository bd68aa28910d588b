// Attacks on asymmetric access tokens (RFC 8725), for each algorithm and so for both verifying
// libraries: EdDSA goes through jose, ES256 and RS256 through jsonwebtoken. Every token here
// is a real one, signed by our key, another key or nobody, never a mocked verifier.
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { reasonOf } from '../helpers/tokens';
import {
  jwkThumbprint,
  publicJwk,
  ScheduledKeySet,
  type AsymmetricAlgorithm,
  type ScheduledKey,
} from '../../src/domain/signing-keys';
import { MAX_TOKEN_LENGTH, TokenService } from '../../src/domain/token-service';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';

const NOW = 1_800_000_000;
const NOW_MS = NOW * 1000;
const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'jwt-auth-service';
const LEEWAY = 5;
const TTL = 1800;

type Library = 'jose' | 'jsonwebtoken';
const LIBRARY: Readonly<Record<AsymmetricAlgorithm, Library>> = {
  EdDSA: 'jose',
  ES256: 'jsonwebtoken',
  RS256: 'jsonwebtoken',
};

/** Any JWS algorithm a forger may name, with the key type it signs with. */
type ForgedAlg = AsymmetricAlgorithm | 'ES384' | 'PS256';

const generate = (alg: ForgedAlg): { publicKey: KeyObject; privateKey: KeyObject } => {
  switch (alg) {
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
};

/** A signature over `input` as RFC 7518 §3 and RFC 8037 §3.1 define it for `alg`. */
function signature(alg: ForgedAlg, key: KeyObject, input: string): Buffer {
  const data = Buffer.from(input);
  switch (alg) {
    case 'EdDSA':
      return sign(null, data, key);
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'ES384':
      return sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return sign('sha256', data, key);
    case 'PS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  }
}

const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

interface Forgery {
  header: Record<string, unknown>;
  /** An object is sent as JSON; a string is sent as those exact bytes. */
  payload: Record<string, unknown> | string;
  /** Signs as `alg` with `key`; absent, `sig` is used as the signature segment. */
  signer?: { alg: ForgedAlg; key: KeyObject };
  sig?: string;
}

/** A compact JWS by hand, for what jose refuses to produce (alg none, HMAC with a public key, raw payloads). */
function forge({ header, payload, signer, sig = '' }: Forgery): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer === undefined ? sig : signature(signer.alg, signer.key, input).toString('base64url')}`;
}

const validClaims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'licat',
  sid: 'session-1',
  jti: 'jti-1',
  iat: NOW,
  nbf: NOW,
  exp: NOW + TTL,
  iss: ISSUER,
  aud: AUDIENCE,
  ...extra,
});

const scheduled = (
  alg: AsymmetricAlgorithm,
  pair: { publicKey: KeyObject; privateKey: KeyObject },
  extra: Partial<ScheduledKey> = {},
): ScheduledKey => ({
  kid: jwkThumbprint(pair.publicKey),
  alg,
  publicKey: pair.publicKey,
  privateKey: pair.privateKey,
  activatesAt: 0,
  verifyUntil: undefined,
  ...extra,
});

const serviceOver = (keys: ScheduledKeySet, nowMs = NOW_MS): TokenService =>
  new TokenService({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: TTL,
    clockToleranceSeconds: LEEWAY,
    clock: () => nowMs,
  });

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('%s access tokens', (alg) => {
  const library = LIBRARY[alg];
  const ours = generate(alg);
  const kid = jwkThumbprint(ours.publicKey);
  const service = serviceOver(new ScheduledKeySet([scheduled(alg, ours)]));
  /** An attacker's key of the same type as ours. */
  const attacker = generate(alg);

  const header = (extra: Record<string, unknown> = {}) => ({ alg, typ: 'at+jwt', kid, ...extra });
  /** Signed by our own key: refused only for what the header or claims say. */
  const signedByUs = (
    payload: Record<string, unknown> | string = validClaims(),
    h: Record<string, unknown> = header(),
  ) => forge({ header: h, payload, signer: { alg, key: ours.privateKey } });
  const signedByAttacker = (h: Record<string, unknown>, payload = validClaims()) =>
    new jose.SignJWT(payload).setProtectedHeader({ alg, typ: 'at+jwt', ...h }).sign(attacker.privateKey);

  describe('its own tokens', () => {
    it('round-trips: the claims it issued come back', async () => {
      const issued = await service.issueAccessToken('licat', 'session-1');
      expect(jose.decodeProtectedHeader(issued.token)).toEqual({ alg, typ: 'at+jwt', kid });
      expect(await service.verifyAccessToken(issued.token)).toEqual({
        sub: 'licat',
        sid: 'session-1',
        jti: issued.jti,
        iat: NOW,
        exp: NOW + TTL,
      });
    });

    it('a resource server holding only the published JWK verifies them (RFC 9068 §4)', async () => {
      const issued = await service.issueAccessToken('licat', 'session-1');
      const jwk = await jose.importJWK({ ...publicJwk(ours.publicKey, kid, alg) }, alg);
      const { payload } = await jose.jwtVerify(issued.token, jwk, {
        algorithms: [alg],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        currentDate: new Date(NOW_MS),
      });
      expect(payload.sub).toBe('licat');
    });

    it('accepts a token jose signed with our key, an aud list naming us, and typ application/at+jwt', async () => {
      const token = await new jose.SignJWT(validClaims({ aud: ['another-api', AUDIENCE] }))
        .setProtectedHeader({ alg, typ: 'application/at+jwt', kid })
        .sign(ours.privateKey);
      expect(await reasonOf(service, token)).toBe('accepted');
    });
  });

  // Each row gets the same answer whichever library verifies it; the time rows sit on both
  // sides of the leeway, so an off-by-one in either library fails here.
  const rows: Array<[why: string, token: () => string, reason: string]> = [
    ['exp one second short of the leeway ago', () => signedByUs(validClaims({ exp: NOW - LEEWAY + 1 })), 'accepted'],
    ['exp exactly the leeway ago', () => signedByUs(validClaims({ exp: NOW - LEEWAY })), 'expired'],
    [
      'exp an hour ago',
      () => signedByUs(validClaims({ iat: NOW - 7200, nbf: NOW - 7200, exp: NOW - 3600 })),
      'expired',
    ],
    ['nbf exactly the leeway ahead', () => signedByUs(validClaims({ nbf: NOW + LEEWAY })), 'accepted'],
    ['nbf one second beyond the leeway', () => signedByUs(validClaims({ nbf: NOW + LEEWAY + 1 })), 'not_yet_valid'],
    ['another issuer (RFC 8725 §3.8)', () => signedByUs(validClaims({ iss: 'https://evil.example' })), 'wrong_issuer'],
    ['no issuer (RFC 8725 §3.8)', () => signedByUs(validClaims({ iss: undefined })), 'wrong_issuer'],
    ['another audience (RFC 8725 §3.9)', () => signedByUs(validClaims({ aud: 'another-api' })), 'wrong_audience'],
    ['no audience (RFC 8725 §3.9)', () => signedByUs(validClaims({ aud: undefined })), 'wrong_audience'],
    ['a non-numeric exp', () => signedByUs(validClaims({ exp: 'soon' })), 'malformed'],
    ['a non-numeric nbf', () => signedByUs(validClaims({ nbf: 'now' })), 'malformed'],
    ['no exp', () => signedByUs(validClaims({ exp: undefined })), 'claim_missing:exp'],
    ['no iat', () => signedByUs(validClaims({ iat: undefined })), 'claim_missing:iat'],
    ['no sub', () => signedByUs(validClaims({ sub: undefined })), 'claim_missing:sub'],
    ['no jti', () => signedByUs(validClaims({ jti: undefined })), 'claim_missing:jti'],
    ['no sid', () => signedByUs(validClaims({ sid: undefined })), 'claim_missing:sid'],
    ['typ JWT (RFC 8725 §3.11)', () => signedByUs(validClaims(), header({ typ: 'JWT' })), 'wrong_type'],
    [
      'a signature of random bytes of the right length',
      () => {
        const [h, p] = signedByUs().split('.');
        return `${h}.${p}.${signature(alg, attacker.privateKey, 'something else').toString('base64url')}`;
      },
      'bad_signature',
    ],
    [
      'a signature of the wrong length (RFC 8725 §3.3: every cryptographic operation validated)',
      () => {
        const [h, p] = signedByUs().split('.');
        return `${h}.${p}.AAAA`;
      },
      'bad_signature',
    ],
    [
      'one bit of our own signature flipped',
      () => {
        const [h, p, s] = signedByUs().split('.');
        const bytes = Buffer.from(s ?? '', 'base64url');
        bytes[10] = (bytes[10] ?? 0) ^ 1;
        return `${h}.${p}.${bytes.toString('base64url')}`;
      },
      'bad_signature',
    ],
    [
      'a payload changed after we signed it (sub: admin)',
      () => {
        const [h, , s] = signedByUs().split('.');
        return `${h}.${b64url(validClaims({ sub: 'admin' }))}.${s}`;
      },
      'bad_signature',
    ],
    ['two segments', () => signedByUs().split('.').slice(0, 2).join('.'), 'malformed'],
    ['five segments (the shape of a JWE)', () => `${signedByUs()}.AAAA.AAAA`, 'malformed'],
    [
      'a payload segment that is not base64url, signed by our key',
      () => {
        const input = `${b64url(header())}.not!base64`;
        return `${input}.${signature(alg, ours.privateKey, input).toString('base64url')}`;
      },
      'malformed',
    ],
    [
      'a crit header naming an extension we do not understand, signed by our key (RFC 7515 §4.1.11)',
      () => signedByUs(validClaims(), header({ crit: ['exp-v2'], 'exp-v2': 1 })),
      'malformed',
    ],
  ];
  it.each(rows.map(([why, token, reason]) => ({ why, token, reason })))(
    'when the token has $why, then $reason',
    async ({ token, reason }) => {
      expect(await reasonOf(service, token())).toBe(reason);
    },
  );

  // The two libraries tell some refusals apart differently; each is still refused.
  it.each<[why: string, token: () => string, reasons: Readonly<Record<Library, string>>]>([
    [
      'an empty signature',
      () => signedByUs().replace(/[^.]+$/, ''),
      { jose: 'bad_signature', jsonwebtoken: 'unsigned' },
    ],
    [
      'a JSON string as its payload, signed by our key',
      () => signedByUs('"licat"'),
      { jose: 'malformed', jsonwebtoken: 'wrong_audience' },
    ],
    [
      'a non-numeric iat',
      () => signedByUs(validClaims({ iat: 'today' })),
      { jose: 'malformed', jsonwebtoken: 'claim_missing:iat' },
    ],
  ])('when the token has %s, then it is refused', async (_why, token, reasons) => {
    expect(await reasonOf(service, token())).toBe(reasons[library]);
  });

  describe('algorithm confusion (RFC 8725 §3.1 "Perform Algorithm Verification")', () => {
    const spkiPem = ours.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hmacToken = (hmacAlg: 'HS256' | 'HS384' | 'HS512', secret: Buffer | string, h = {}) => {
      const input = `${b64url({ alg: hmacAlg, typ: 'at+jwt', kid, ...h })}.${b64url(validClaims())}`;
      const digest = `sha${hmacAlg.slice(2)}`;
      return `${input}.${createHmac(digest, secret).update(input).digest('base64url')}`;
    };

    it.each<[why: string, secret: () => Buffer | string]>([
      ['the PEM (SPKI) text of our public key', () => spkiPem],
      ['the PEM text without its final newline', () => spkiPem.trimEnd()],
      ['the DER bytes of our public key', () => ours.publicKey.export({ format: 'der', type: 'spki' })],
      ['the JSON of our published JWK', () => JSON.stringify(publicJwk(ours.publicKey, kid, alg))],
      ['the JSON of the bare JWK', () => JSON.stringify(ours.publicKey.export({ format: 'jwk' }))],
    ])('when an HS256 token is keyed with %s and names our kid, then algorithm_not_allowed', async (_why, secret) => {
      expect(await reasonOf(service, hmacToken('HS256', secret()))).toBe('algorithm_not_allowed');
    });

    it.each(['HS384', 'HS512'] as const)(
      'when a %s token is keyed with our public key PEM, then algorithm_not_allowed',
      async (hmacAlg) => {
        expect(await reasonOf(service, hmacToken(hmacAlg, spkiPem))).toBe('algorithm_not_allowed');
      },
    );

    const others = (['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'] as const).filter((a) => a !== alg);
    it.each(others)(
      'when a token claims %s under our kid, signed by a key of that type, then algorithm_not_allowed',
      async (other) => {
        const token = forge({
          header: header({ alg: other }),
          payload: validClaims(),
          signer: { alg: other, key: generate(other).privateKey },
        });
        expect(await reasonOf(service, token)).toBe('algorithm_not_allowed');
      },
    );

    it.each([...new Set([alg.toLowerCase(), alg.toUpperCase(), ` ${alg}`, `${alg} `])].filter((a) => a !== alg))(
      'when our own signature comes under the header alg %j (not exactly ours), then algorithm_not_allowed',
      async (spelled) => {
        const token = forge({
          header: header({ alg: spelled }),
          payload: validClaims(),
          signer: { alg, key: ours.privateKey },
        });
        expect(await reasonOf(service, token)).toBe('algorithm_not_allowed');
      },
    );

    if (alg === 'RS256') {
      it('when our own RSA key made a PS256 signature under our kid, then algorithm_not_allowed: a key is bound to one algorithm', async () => {
        const token = forge({
          header: header({ alg: 'PS256' }),
          payload: validClaims(),
          signer: { alg: 'PS256', key: ours.privateKey },
        });
        expect(await reasonOf(service, token)).toBe('algorithm_not_allowed');
      });
    }
  });

  describe('alg "none" (RFC 8725 §2.1 "Weak Signatures and Insufficient Signature Validation")', () => {
    it.each(['none', 'NONE', 'None', 'nOnE'])(
      'when alg is %j with our kid and no signature, then unsigned',
      async (none) => {
        expect(await reasonOf(service, forge({ header: header({ alg: none }), payload: validClaims() }))).toBe(
          'unsigned',
        );
      },
    );

    it('when alg is "none" but our own valid signature is attached, then unsigned', async () => {
      const [, p, s] = signedByUs().split('.');
      expect(await reasonOf(service, `${b64url(header({ alg: 'none' }))}.${p}.${s}`)).toBe('unsigned');
    });

    it('when the header has no alg at all, then unsigned', async () => {
      expect(await reasonOf(service, signedByUs(validClaims(), { typ: 'at+jwt', kid }))).toBe('unsigned');
    });

    // Regression: keyFor called header.alg.toLowerCase() on whatever the JSON held, so a
    // number, null, list or object threw a TypeError (a 500 at the HTTP layer) instead of
    // InvalidTokenError.
    it.each([1, null, true, ['none'], { alg: alg }])('when alg is %j, not a string, then malformed', async (value) => {
      expect(await reasonOf(service, signedByUs(validClaims(), header({ alg: value })))).toBe('malformed');
    });
  });

  describe('kid: only a key we hold, looked up exactly (RFC 8725 §3.10 "Do Not Trust Received Claims")', () => {
    it('when the kid names no key of ours, then unknown_key, even with our own signature', async () => {
      expect(await reasonOf(service, signedByUs(validClaims(), header({ kid: 'someone-elses-key' })))).toBe(
        'unknown_key',
      );
    });

    it('when there is no kid, then unknown_key, even with our own signature', async () => {
      expect(await reasonOf(service, signedByUs(validClaims(), { alg, typ: 'at+jwt' }))).toBe('unknown_key');
    });

    it.each<[why: string, value: unknown]>([
      ['empty', ''],
      ['a path to /etc/passwd', '../../../../etc/passwd'],
      ['/dev/null', '/dev/null'],
      ['a Windows path', '..\\..\\keys\\x.pem'],
      ['our kid with a NUL byte and .pem after it', `${kid}\u0000.pem`],
      ['our kid with a trailing NUL byte', `${kid}\u0000`],
      ['our kid with a trailing space', `${kid} `],
      ['our kid as a file name', `${kid}.pem`],
      ['a SQL injection', "x' UNION SELECT 'secret' --"],
      ['a URL', 'http://127.0.0.1:1/key.pem'],
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['a number', 1],
      ['null', null],
      ['a list holding our kid', [kid]],
      ['an object holding our kid', { kid }],
    ])('when the kid is %s, then unknown_key and nothing but InvalidTokenError is thrown', async (_why, value) => {
      expect(await reasonOf(service, signedByUs(validClaims(), header({ kid: value })))).toBe('unknown_key');
    });

    it(`when the kid is as long as a token of ${MAX_TOKEN_LENGTH} characters allows, then unknown_key`, async () => {
      const sigLength = signedByUs().split('.')[2]?.length ?? 0;
      const payloadLength = b64url(validClaims()).length;
      const lengthWith = (n: number) => b64url(header({ kid: 'k'.repeat(n) })).length + payloadLength + sigLength + 2;
      let n = 0;
      while (lengthWith(n + 1) <= MAX_TOKEN_LENGTH) n += 1;
      const token = signedByUs(validClaims(), header({ kid: 'k'.repeat(n) }));
      expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
      expect(await reasonOf(service, token)).toBe('unknown_key');
    });

    it('when the kid is 10 kB long, then too_long, before anything is parsed', async () => {
      expect(await reasonOf(service, signedByUs(validClaims(), header({ kid: 'k'.repeat(10_240) })))).toBe('too_long');
    });
  });

  describe('keys the token brings with it are never used (RFC 7515 §4.1.3 jwk, §4.1.6 x5c)', () => {
    const attackerJwk = () => ({ ...attacker.publicKey.export({ format: 'jwk' }) });

    it('when a jwk header holds the attacker key that signed it, under our kid, then bad_signature', async () => {
      expect(await reasonOf(service, await signedByAttacker({ kid, jwk: attackerJwk() }))).toBe('bad_signature');
    });

    it("when a jwk header holds the attacker key, under that key's own thumbprint as kid, then unknown_key", async () => {
      const token = await signedByAttacker({ kid: jwkThumbprint(attacker.publicKey), jwk: attackerJwk() });
      expect(await reasonOf(service, token)).toBe('unknown_key');
    });

    it('when a jwk header holds the attacker key and there is no kid, then unknown_key', async () => {
      expect(await reasonOf(service, await signedByAttacker({ jwk: attackerJwk() }))).toBe('unknown_key');
    });

    it('when an x5c header holds the attacker key, under our kid, then bad_signature', async () => {
      const der = attacker.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      expect(await reasonOf(service, await signedByAttacker({ kid, x5c: [der] }))).toBe('bad_signature');
    });

    it('when another key of the same type signed it under our kid, then bad_signature', async () => {
      expect(await reasonOf(service, await signedByAttacker({ kid }))).toBe('bad_signature');
    });
  });

  describe('jku and x5u are never fetched (RFC 8725 §3.10; SSRF: §2.9 "Indirect Attacks on the Server")', () => {
    let server: RecordingServer;
    let base: string;

    beforeAll(async () => {
      server = await startRecordingServer(() =>
        JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg }] }),
      );
      base = server.base;
    });
    afterAll(() => server.close());

    it('refuses every token pointing at the attacker server, which receives no request at all', async () => {
      const tokens: Array<[header: Record<string, unknown>, reason: string]> = [
        [{ jku: `${base}/jwks.json`, kid }, 'bad_signature'],
        [{ jku: `${base}/jwks.json`, kid: 'attacker' }, 'unknown_key'],
        [{ jku: `${base}/jwks.json` }, 'unknown_key'],
        [{ x5u: `${base}/cert.pem`, kid }, 'bad_signature'],
        [{ x5u: `${base}/cert.pem` }, 'unknown_key'],
      ];
      const reasons = [];
      for (const [h] of tokens) reasons.push(await reasonOf(service, await signedByAttacker(h)));
      expect(reasons).toEqual(tokens.map(([, reason]) => reason));
      // Give any fetch started in the background the chance to arrive, then prove the
      // server counts: our own request is the only one it saw.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await fetch(`${base}/probe`);
      expect(server.requests).toEqual(['/probe']);
    });
  });

  describe('the key schedule', () => {
    const active = generate(alg);
    const retired = generate(alg);
    const pending = generate(alg);
    const pruned = generate(alg);
    const keys = new ScheduledKeySet([
      scheduled(alg, active, { activatesAt: NOW_MS - 3_600_000 }),
      scheduled(alg, retired, { activatesAt: NOW_MS - 7_200_000, verifyUntil: NOW_MS }),
      scheduled(alg, pending, { activatesAt: NOW_MS + 3_600_000 }),
      scheduled(alg, pruned, { activatesAt: NOW_MS - 7_200_000, privateKey: undefined, verifyUntil: NOW_MS + 1 }),
    ]);
    const scheduledService = serviceOver(keys);
    const signedWith = (pair: { privateKey: KeyObject; publicKey: KeyObject }) =>
      forge({
        header: { alg, typ: 'at+jwt', kid: jwkThumbprint(pair.publicKey) },
        payload: validClaims(),
        signer: { alg, key: pair.privateKey },
      });

    it('signs with the active key, not the pending one', async () => {
      const issued = await scheduledService.issueAccessToken('licat', 'session-1');
      expect(jose.decodeProtectedHeader(issued.token).kid).toBe(jwkThumbprint(active.publicKey));
    });

    it('when the token was signed by a retired key (verifyUntil reached), then unknown_key', async () => {
      expect(await reasonOf(scheduledService, signedWith(retired))).toBe('unknown_key');
    });

    it('when the token was signed by a pending key (activatesAt ahead), then accepted: keys verify before they sign', async () => {
      expect(await reasonOf(scheduledService, signedWith(pending))).toBe('accepted');
    });

    it('when the token was signed by a key whose private half is gone but which still verifies, then accepted', async () => {
      expect(await reasonOf(scheduledService, signedWith(pruned))).toBe('accepted');
    });

    it('a key retired a moment later still verifies the same token up to that moment', async () => {
      const later = serviceOver(keys, NOW_MS - 1);
      expect(await reasonOf(later, signedWith(retired))).toBe('accepted');
    });
  });
});

describe('keys of several algorithms in one schedule (a rotation from ES256 to EdDSA)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const service = serviceOver(
    new ScheduledKeySet([
      scheduled('ES256', ec, { activatesAt: 0 }),
      scheduled('EdDSA', ed, { activatesAt: NOW_MS - 1 }),
    ]),
  );
  const claims = validClaims();

  it('each key verifies tokens of its own algorithm', async () => {
    const edToken = forge({
      header: { alg: 'EdDSA', typ: 'at+jwt', kid: jwkThumbprint(ed.publicKey) },
      payload: claims,
      signer: { alg: 'EdDSA', key: ed.privateKey },
    });
    const ecToken = forge({
      header: { alg: 'ES256', typ: 'at+jwt', kid: jwkThumbprint(ec.publicKey) },
      payload: claims,
      signer: { alg: 'ES256', key: ec.privateKey },
    });
    expect([await reasonOf(service, edToken), await reasonOf(service, ecToken)]).toEqual(['accepted', 'accepted']);
  });

  it("when a token names one key's kid with the other key's algorithm and signature, then algorithm_not_allowed", async () => {
    const token = forge({
      header: { alg: 'EdDSA', typ: 'at+jwt', kid: jwkThumbprint(ec.publicKey) },
      payload: claims,
      signer: { alg: 'EdDSA', key: ed.privateKey },
    });
    expect(await reasonOf(service, token)).toBe('algorithm_not_allowed');
  });
});
