// Access tokens: JWTs in the RFC 9068 profile (header typ "at+jwt"), signed and verified
// under RFC 8725: every token names its key (`kid`), each key is bound to one algorithm, and
// issuer/audience/type/expiry are all required. jsonwebtoken signs and verifies HS*, ES256 and
// RS256; it has no EdDSA, so panva's jose does that one algorithm.
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import type { Clock } from './clock';
import { InvalidTokenError, type TokenRefusalReason } from './errors';
import type { KeySet, VerificationKey } from './signing-keys';

export interface TokenServiceOptions {
  readonly keys: KeySet;
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
const ACCESS_TOKEN_TYPE = 'at+jwt';
const ACCESS_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, 'application/at+jwt']);

export class TokenService {
  constructor(private readonly options: TokenServiceOptions) {}

  /** Allowed clock skew between this process and whoever set a time we compare with. */
  get leewaySeconds(): number {
    return this.options.clockToleranceSeconds;
  }

  async issueAccessToken(subject: string, sessionId: string): Promise<IssuedToken> {
    const { keys, issuer, audience, ttlSeconds, clock } = this.options;
    const nowMs = clock();
    const now = Math.floor(nowMs / 1000);
    const jti = randomUUID();
    const { kid, alg, key } = keys.signingKey(nowMs);
    const claims = {
      sub: subject,
      sid: sessionId,
      iat: now,
      nbf: now,
      exp: now + ttlSeconds,
      jti,
      iss: issuer,
      aud: audience,
    };
    const header = { alg, typ: ACCESS_TOKEN_TYPE, kid };
    const token =
      alg === 'EdDSA'
        ? await new jose.SignJWT(claims).setProtectedHeader(header).sign(key)
        : jwt.sign(claims, key, { algorithm: alg, header });
    return { token, expiresIn: ttlSeconds, jti };
  }

  /** Returns the claims of a valid access token; throws InvalidTokenError otherwise. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too_long');
    const key = this.keyFor(protectedHeader(token));
    const payload =
      key.alg === 'EdDSA' ? await this.verifyWithJose(token, key) : this.verifyWithJsonwebtoken(token, key);
    // The library has matched `aud` and `iss`, which only an object payload carries.
    const { sub, sid, jti, iat, exp } = payload;
    if (typeof exp !== 'number') throw new InvalidTokenError('claim_missing', 'exp');
    if (typeof iat !== 'number') throw new InvalidTokenError('claim_missing', 'iat');
    if (typeof sub !== 'string' || sub.length === 0) throw new InvalidTokenError('claim_missing', 'sub');
    if (typeof jti !== 'string' || jti.length === 0) throw new InvalidTokenError('claim_missing', 'jti');
    if (typeof sid !== 'string' || sid.length === 0) throw new InvalidTokenError('claim_missing', 'sid');
    return { sub, sid, jti, iat, exp };
  }

  /**
   * The key the header names, checked before any signature work. Only `kid` and `alg` are
   * read: `jwk`, `jku`, `x5u` and `x5c` are never followed (RFC 8725 §3.10), so nothing a
   * token says makes this service fetch or trust a key it does not already hold.
   */
  private keyFor(header: jose.ProtectedHeaderParameters): VerificationKey {
    // The header is whatever JSON the token carries: a number or null in `alg` is malformed,
    // not a TypeError (which would be a 500).
    const alg: unknown = header.alg;
    if (alg === undefined || (typeof alg === 'string' && alg.toLowerCase() === 'none'))
      throw new InvalidTokenError('unsigned');
    if (typeof alg !== 'string') throw new InvalidTokenError('malformed');
    // RFC 7515 §4.1.11: this service understands no extension, so a token that requires one is
    // invalid. jose enforces it; jsonwebtoken ignores `crit`, so it is checked here for both.
    if (header.crit !== undefined) throw new InvalidTokenError('malformed');
    const typ = header.typ;
    if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
      throw new InvalidTokenError('wrong_type');
    if (typeof header.kid !== 'string') throw new InvalidTokenError('unknown_key');
    const key = this.options.keys.verificationKey(header.kid, this.options.clock());
    if (key === undefined) throw new InvalidTokenError('unknown_key');
    // RFC 8725 §3.1: the key's own algorithm, whatever the header claims (algorithm confusion).
    if (header.alg !== key.alg) throw new InvalidTokenError('algorithm_not_allowed');
    return key;
  }

  private verifyWithJsonwebtoken(token: string, key: VerificationKey): jwt.JwtPayload {
    const { issuer, audience, clockToleranceSeconds, clock } = this.options;
    try {
      const payload = jwt.verify(token, key.key, {
        algorithms: [key.alg as jwt.Algorithm],
        issuer,
        audience,
        clockTolerance: clockToleranceSeconds,
        clockTimestamp: Math.floor(clock() / 1000),
      });
      // jsonwebtoken matched `iss` and `aud` above, which a string payload cannot carry.
      return payload as jwt.JwtPayload;
    } catch (err) {
      throw new InvalidTokenError(jsonwebtokenRefusal(err));
    }
  }

  private async verifyWithJose(token: string, key: VerificationKey): Promise<jose.JWTPayload> {
    const { issuer, audience, clockToleranceSeconds, clock } = this.options;
    try {
      const { payload } = await jose.jwtVerify(token, key.key, {
        algorithms: [key.alg],
        issuer,
        audience,
        clockTolerance: clockToleranceSeconds,
        currentDate: new Date(clock()),
      });
      return payload;
    } catch (err) {
      throw new InvalidTokenError(joseRefusal(err));
    }
  }
}

/**
 * The JOSE header: the JSON object in the token's first segment, nothing verified yet. Decoded
 * here rather than by jose.decodeProtectedHeader, which splits and decodes the whole token
 * through TextDecoder (7 µs of a /protected request in `npm run bench:profile`); the verifying
 * library decodes the same segment the same way before it checks the signature over it.
 */
function protectedHeader(token: string): jose.ProtectedHeaderParameters {
  const dot = token.indexOf('.');
  let header: unknown;
  try {
    header = dot > 0 ? JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) : undefined;
  } catch {
    header = undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new InvalidTokenError('malformed');
  return header as jose.ProtectedHeaderParameters;
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
  // ecdsa-sig-formatter (under jws) throws a TypeError for an ES256 signature that is not 64 bytes.
  ['"ES256" signatures must be', 'bad_signature'],
  ['jwt issuer invalid', 'wrong_issuer'],
  ['jwt audience invalid', 'wrong_audience'],
  ['invalid exp value', 'malformed'],
  ['invalid nbf value', 'malformed'],
];

function jsonwebtokenRefusal(err: unknown): TokenRefusalReason {
  if (err instanceof jwt.TokenExpiredError) return 'expired';
  if (err instanceof jwt.NotBeforeError) return 'not_yet_valid';
  // Stryker disable next-line StringLiteral: equivalent. jsonwebtoken throws only Error objects; '' just matches no row.
  const message = err instanceof Error ? err.message : '';
  return JWT_MESSAGES.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'unverifiable';
}

/** jose's refusals carry a stable `code` (and, for claims, the claim). */
const JOSE_CLAIMS: Readonly<Record<string, TokenRefusalReason>> = {
  nbf: 'not_yet_valid',
  iss: 'wrong_issuer',
  aud: 'wrong_audience',
};

function joseRefusal(err: unknown): TokenRefusalReason {
  if (err instanceof jose.errors.JWTExpired) return 'expired';
  // reason 'invalid': the claim is not even of its type (a string nbf), as jsonwebtoken's 'invalid nbf value'.
  if (err instanceof jose.errors.JWTClaimValidationFailed)
    return err.reason === 'invalid' ? 'malformed' : (JOSE_CLAIMS[err.claim] ?? 'malformed');
  if (err instanceof jose.errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof jose.errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (err instanceof jose.errors.JWSInvalid || err instanceof jose.errors.JWTInvalid) return 'malformed';
  return 'unverifiable';
}
