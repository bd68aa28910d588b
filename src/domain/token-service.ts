// Access tokens: JWTs in the RFC 9068 profile (header typ "at+jwt"), signed and verified
// under RFC 8725: one allowed algorithm, issuer/audience/type/expiry all required.
import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from './clock';
import { InvalidTokenError, type TokenRefusalReason } from './errors';

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

export interface TokenServiceOptions {
  readonly key: KeyObject;
  readonly algorithm: HmacAlgorithm;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly clock: Clock;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly jti: string;
}

export interface AccessClaims {
  readonly sub: string;
  /** The session the token belongs to (session-store.ts); ending it refuses the token. */
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** Longer than any token we issue by an order of magnitude; refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096;
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

export class TokenService {
  constructor(private readonly options: TokenServiceOptions) {}

  /** Allowed clock skew between this process and whoever set a time we compare with. */
  get leewaySeconds(): number {
    return this.options.clockToleranceSeconds;
  }

  issueAccessToken(subject: string, sessionId: string): IssuedToken {
    const { key, algorithm, issuer, audience, ttlSeconds, clock } = this.options;
    const now = Math.floor(clock() / 1000);
    const jti = randomUUID();
    const token = jwt.sign(
      { sub: subject, sid: sessionId, iat: now, nbf: now, exp: now + ttlSeconds, jti, iss: issuer, aud: audience },
      key,
      {
        algorithm,
        header: { alg: algorithm, typ: 'at+jwt' },
      },
    );
    return { token, expiresIn: ttlSeconds, jti };
  }

  /** Returns the claims of a valid access token; throws InvalidTokenError otherwise. */
  verifyAccessToken(token: string): AccessClaims {
    const { key, algorithm, issuer, audience, clockToleranceSeconds, clock } = this.options;
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too_long');
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(token, key, {
        algorithms: [algorithm],
        issuer,
        audience,
        clockTolerance: clockToleranceSeconds,
        clockTimestamp: Math.floor(clock() / 1000),
        complete: true,
      });
    } catch (err) {
      throw new InvalidTokenError(refusalReason(err));
    }
    const typ = decoded.header.typ;
    if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
      throw new InvalidTokenError('wrong_type');
    // jsonwebtoken has matched `aud` and `iss`, which only an object payload carries.
    const { sub, sid, jti, iat, exp } = decoded.payload as jwt.JwtPayload;
    if (typeof exp !== 'number') throw new InvalidTokenError('claim_missing', 'exp');
    if (typeof iat !== 'number') throw new InvalidTokenError('claim_missing', 'iat');
    if (typeof sub !== 'string' || sub.length === 0) throw new InvalidTokenError('claim_missing', 'sub');
    if (typeof jti !== 'string' || jti.length === 0) throw new InvalidTokenError('claim_missing', 'jti');
    if (typeof sid !== 'string' || sid.length === 0) throw new InvalidTokenError('claim_missing', 'sid');
    return { sub, sid, jti, iat, exp };
  }
}

/**
 * jsonwebtoken 9 tells its refusals apart only by class and message text; this is the one
 * place that reads them. test/unit/token-service.test.ts has a case per row, so a wording
 * change upstream fails a test instead of turning every reason into `unverifiable`.
 */
const JWT_MESSAGES: ReadonlyArray<readonly [prefix: string, reason: TokenRefusalReason]> = [
  ['jwt malformed', 'malformed'],
  ['invalid token', 'malformed'],
  ['jwt signature is required', 'unsigned'],
  ['invalid algorithm', 'algorithm_not_allowed'],
  ['invalid signature', 'bad_signature'],
  ['jwt issuer invalid', 'wrong_issuer'],
  ['jwt audience invalid', 'wrong_audience'],
  ['invalid exp value', 'malformed'],
  ['invalid nbf value', 'malformed'],
];

function refusalReason(err: unknown): TokenRefusalReason {
  if (err instanceof jwt.TokenExpiredError) return 'expired';
  if (err instanceof jwt.NotBeforeError) return 'not_yet_valid';
  // Stryker disable next-line StringLiteral: equivalent. jsonwebtoken throws only Error objects; '' just matches no row.
  const message = err instanceof Error ? err.message : '';
  return JWT_MESSAGES.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'unverifiable';
}
