// Forges real JWTs for attack tests: any header, any claims, any key.
import { createHmac } from 'node:crypto';
import { InvalidTokenError } from '../../src/domain/errors';
import { hmacKeyId } from '../../src/domain/signing-keys';
import type { TokenService } from '../../src/domain/token-service';
import { TEST_ISSUER, TEST_JWT_SECRET } from './test-app';

/** The kid the service gives TEST_JWT_SECRET: forged tokens name the service's own key. */
export const TEST_KID = hmacKeyId(Buffer.from(TEST_JWT_SECRET));

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface ForgeOptions {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  secret?: string;
  /** HMAC digest; 'none' leaves the signature empty. */
  digest?: 'sha256' | 'sha384' | 'sha512' | 'none';
}

/**
 * Claims a valid token for `sub` would carry at `nowSeconds`. Only a live session's `sid`
 * makes such a token acceptable; the default names none.
 */
export function validClaims(sub: string, nowSeconds: number, sid = 'no-such-session'): Record<string, unknown> {
  return {
    sub,
    sid,
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + 1800,
    jti: 'test-jti',
    iss: TEST_ISSUER,
    aud: 'jwt-auth-service',
  };
}

export function forgeToken({ header, claims = {}, secret = TEST_JWT_SECRET, digest = 'sha256' }: ForgeOptions): string {
  const alg = digest === 'none' ? 'none' : `HS${digest.slice(3)}`;
  const signingInput = `${b64url(header ?? { alg, typ: 'at+jwt', kid: TEST_KID })}.${b64url(claims)}`;
  if (digest === 'none') return `${signingInput}.`;
  return `${signingInput}.${createHmac(digest, secret).update(signingInput).digest('base64url')}`;
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** How `service` judges `token`: the refusal as `reason` or `reason:claim`, or 'accepted'; anything but InvalidTokenError fails the test. */
export async function reasonOf(service: TokenService, token: string): Promise<string> {
  try {
    await service.verifyAccessToken(token);
  } catch (err) {
    if (err instanceof InvalidTokenError) return err.claim === undefined ? err.reason : `${err.reason}:${err.claim}`;
    throw err;
  }
  return 'accepted';
}
