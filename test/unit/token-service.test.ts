import { createSecretKey } from 'node:crypto';
import { TokenService } from '../../src/domain/token-service';
import { HmacKeySet } from '../../src/domain/signing-keys';
import { TEST_ISSUER, TEST_JWT_SECRET } from '../helpers/test-app';
import { forgeToken, reasonOf, TEST_KID, validClaims } from '../helpers/tokens';

const NOW = 1_800_000_000;
const make = (nowSeconds = NOW, leeway = 5) =>
  new TokenService({
    keys: new HmacKeySet(createSecretKey(Buffer.from(TEST_JWT_SECRET)), 'HS256'),
    issuer: TEST_ISSUER,
    audience: 'jwt-auth-service',
    ttlSeconds: 1800,
    clockToleranceSeconds: leeway,
    clock: () => nowSeconds * 1000,
  });

const claims = validClaims('licat', NOW);

describe('TokenService', () => {
  it('round-trips its own tokens', async () => {
    const service = make();
    const issued = await service.issueAccessToken('licat', 'session-1');
    expect(issued.expiresIn).toBe(1800);
    expect(await service.verifyAccessToken(issued.token)).toEqual({
      sub: 'licat',
      sid: 'session-1',
      jti: issued.jti,
      iat: NOW,
      exp: NOW + 1800,
    });
  });

  it('refuses its own token once the clock passes exp plus the leeway (RFC 7519 §4.1.4 leeway)', async () => {
    const issued = await make(NOW).issueAccessToken('licat', 'session-1');
    expect(await reasonOf(make(NOW + 1800 + 4), issued.token)).toBe('accepted');
    expect(await reasonOf(make(NOW + 1800 + 5), issued.token)).toBe('expired');
  });

  it('accepts typ "application/at+jwt" as RFC 9068 §4 allows', async () => {
    const token = forgeToken({ header: { alg: 'HS256', typ: 'application/at+jwt', kid: TEST_KID }, claims });
    expect(await reasonOf(make(), token)).toBe('accepted');
  });

  // One row per refusal: each stable reason code, including every jsonwebtoken message the
  // service translates, so an upstream rewording fails here instead of becoming 'unverifiable'.
  it.each<[why: string, token: () => string, reason: string]>([
    ['longer than 4096 characters, refused before parsing', () => 'a'.repeat(4097), 'too_long'],
    ['exactly 4096 characters: parsed, not refused for its length', () => 'a'.repeat(4096), 'malformed'],
    ['nothing at all', () => '', 'malformed'],
    ['not three segments', () => 'abc', 'malformed'],
    ['segments that are not JSON', () => 'not.a.jwt', 'malformed'],
    [
      'alg "none" and no signature (RFC 8725 §2.1)',
      () => forgeToken({ digest: 'none', header: { alg: 'none', typ: 'at+jwt', kid: TEST_KID }, claims }),
      'unsigned',
    ],
    [
      'HS512, which is not the configured algorithm (RFC 8725 §3.1)',
      () => forgeToken({ digest: 'sha512', claims }),
      'algorithm_not_allowed',
    ],
    ['a signature made with another key', () => forgeToken({ secret: 'x'.repeat(48), claims }), 'bad_signature'],
    ['exp beyond the leeway', () => forgeToken({ claims: { ...claims, exp: NOW - 60 } }), 'expired'],
    [
      'nbf in the future beyond the leeway',
      () => forgeToken({ claims: { ...claims, nbf: NOW + 60 } }),
      'not_yet_valid',
    ],
    ['a non-numeric exp', () => forgeToken({ claims: { ...claims, exp: 'soon' } }), 'malformed'],
    ['a non-numeric nbf', () => forgeToken({ claims: { ...claims, nbf: 'now' } }), 'malformed'],
    [
      'another issuer (RFC 8725 §3.8)',
      () => forgeToken({ claims: { ...claims, iss: 'someone-else' } }),
      'wrong_issuer',
    ],
    [
      'another audience (RFC 8725 §3.9)',
      () => forgeToken({ claims: { ...claims, aud: 'another-api' } }),
      'wrong_audience',
    ],
    [
      'typ JWT (RFC 8725 §3.11, RFC 9068 §4)',
      () => forgeToken({ header: { alg: 'HS256', typ: 'JWT', kid: TEST_KID }, claims }),
      'wrong_type',
    ],
    ['no typ', () => forgeToken({ header: { alg: 'HS256', kid: TEST_KID }, claims }), 'wrong_type'],
    [
      'no kid (every token we issue names its key)',
      () => forgeToken({ header: { alg: 'HS256', typ: 'at+jwt' }, claims }),
      'unknown_key',
    ],
    [
      'a kid we never issued',
      () => forgeToken({ header: { alg: 'HS256', typ: 'at+jwt', kid: 'someone-elses-key' }, claims }),
      'unknown_key',
    ],
    ['no exp', () => forgeToken({ claims: { ...claims, exp: undefined } }), 'claim_missing:exp'],
    ['no iat', () => forgeToken({ claims: { ...claims, iat: undefined } }), 'claim_missing:iat'],
    ['no sub', () => forgeToken({ claims: { ...claims, sub: undefined } }), 'claim_missing:sub'],
    ['an empty sub', () => forgeToken({ claims: { ...claims, sub: '' } }), 'claim_missing:sub'],
    ['a non-string sub', () => forgeToken({ claims: { ...claims, sub: 42 } }), 'claim_missing:sub'],
    ['no jti', () => forgeToken({ claims: { ...claims, jti: undefined } }), 'claim_missing:jti'],
    ['an empty jti', () => forgeToken({ claims: { ...claims, jti: '' } }), 'claim_missing:jti'],
    [
      'no sid (a token from before sessions)',
      () => forgeToken({ claims: { ...claims, sid: undefined } }),
      'claim_missing:sid',
    ],
    ['an empty sid', () => forgeToken({ claims: { ...claims, sid: '' } }), 'claim_missing:sid'],
  ])('when the token has %s, then it is refused', async (_why, token, reason) => {
    expect(await reasonOf(make(), token())).toBe(reason);
  });
});
