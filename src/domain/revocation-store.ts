// Revoked access tokens by `jti` (RFC 7009), kept until the token would have expired anyway.

export interface RevocationStore {
  /** Records `jti` as revoked until `expiresAtMs` (epoch milliseconds). */
  revoke(jti: string, expiresAtMs: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}
