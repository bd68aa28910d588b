import { createSecretKey } from 'node:crypto';
import { InvalidTokenError } from '../../src/domain/errors';
import { TokenService } from '../../src/domain/token-service';
import { forgeToken, validClaims } from '../helpers/tokens';
import { TEST_JWT_SECRET } from '../helpers/test-app';

const NOW = 1_800_000_000;
const make = (nowSeconds = NOW, leeway = 5) =>
  new TokenService({
    key: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
    algorithm: 'HS256',
    issuer: 'jwt-auth-service',
    audience: 'jwt-auth-service',
    ttlSeconds: 1800,
    clockToleranceSeconds: leeway,
    clock: () => nowSeconds * 1000,
  });

const reasonOf = (service: TokenService, token: string): string => {
  try {
    service.verifyAccessToken(token);
  } catch (err) {
    if (err instanceof InvalidTokenError) return err.reason;
    throw err;
  }
  return 'accepted';
};

describe('TokenService', () => {
  it('round-trips its own tokens', () => {
    const service = make();
    const issued = service.issueAccessToken('licat');
    expect(issued.expiresIn).toBe(1800);
    expect(service.verifyAccessToken(issued.token)).toEqual({
      sub: 'licat',
      jti: issued.jti,
      iat: NOW,
      exp: NOW + 1800,
    });
  });

  it('refuses its own token once the clock passes exp plus the leeway (RFC 8725 §3.10)', () => {
    const issued = make(NOW).issueAccessToken('licat');
    expect(reasonOf(make(NOW + 1800 + 4), issued.token)).toBe('accepted');
    expect(reasonOf(make(NOW + 1800 + 5), issued.token)).toMatch(/expired/);
  });

  it('refuses tokens without iat or jti, which it always issues', () => {
    const service = make();
    expect(reasonOf(service, forgeToken({ claims: { ...validClaims('licat', NOW), iat: undefined } }))).toBe(
      'iat missing',
    );
    expect(reasonOf(service, forgeToken({ claims: { ...validClaims('licat', NOW), jti: undefined } }))).toBe(
      'jti missing',
    );
  });

  it('accepts typ "application/at+jwt" as RFC 9068 §4 allows', () => {
    const token = forgeToken({
      header: { alg: 'HS256', typ: 'application/at+jwt' },
      claims: validClaims('licat', NOW),
    });
    expect(reasonOf(make(), token)).toBe('accepted');
  });

  it('refuses a token longer than 4096 characters before parsing it', () => {
    expect(reasonOf(make(), 'a'.repeat(4097))).toBe('token too long');
  });
});
