// The keys access tokens are signed and verified with (RFC 7515 §4.1.4 `kid`, RFC 7517 JWKS,
// RFC 8725 §3.1 and §3.10): which key signs now, which keys a token may name, what is
// published. Pure: loading and storing keys is data-access/key-directory.ts's job.
import { createHash, createHmac, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
export const JWT_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const isAsymmetric = (alg: JwtAlgorithm): alg is AsymmetricAlgorithm =>
  (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);

/** NIST SP 800-57 and RFC 7518 §3.3: RSA keys of at least 2048 bits. */
export const MIN_RSA_BITS = 2048;

/** The key a new token is signed with. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  /** The private key (asymmetric) or the secret (HMAC). */
  readonly key: KeyObject;
}

/** A key a token may name in its `kid`, bound to the one algorithm it was made for (RFC 8725 §3.1). */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  /** The public key (asymmetric) or the secret (HMAC). */
  readonly key: KeyObject;
}

/** A public key as JWKS publishes it (RFC 7517 §4, RFC 8037): public members only. */
export interface PublicJwk {
  readonly kty: 'OKP' | 'EC' | 'RSA';
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: AsymmetricAlgorithm;
  readonly crv?: 'Ed25519' | 'P-256';
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
}

/** Which keys sign, verify and are published at a moment (milliseconds since the epoch). */
export interface KeySet {
  signingKey(now: number): SigningKey;
  /** The key `kid` names, if tokens signed with it are still accepted at `now`. */
  verificationKey(kid: string, now: number): VerificationKey | undefined;
  /** The public keys accepted at `now` (empty for HMAC: a secret is never published). */
  publicJwks(now: number): readonly PublicJwk[];
}

/**
 * One key in a rotation schedule. A key signs from `activatesAt` until a later key activates,
 * and verifies (and is published) from the moment it is known until `verifyUntil`: before it
 * signs, so every replica and every resource server's JWKS cache has it by then; after, until
 * every token it signed has expired.
 */
export interface ScheduledKey {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly publicKey: KeyObject;
  /** Absent once the key can no longer become the signer (its private half is not loaded). */
  readonly privateKey: KeyObject | undefined;
  readonly activatesAt: number;
  /** undefined: until a rotation sets it. */
  readonly verifyUntil: number | undefined;
}

/** What is wrong with `key` as a private key for `alg`, or undefined when it fits. */
export function privateKeyProblem(key: KeyObject, alg: AsymmetricAlgorithm): string | undefined {
  if (key.type !== 'private') return 'is not a private key';
  const type = key.asymmetricKeyType;
  switch (alg) {
    case 'EdDSA':
      return type === 'ed25519' ? undefined : `is a key of type ${type}; EdDSA here means Ed25519 (RFC 8037)`;
    case 'ES256':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? undefined
        : `is not a P-256 EC key (${type}${type === 'ec' ? ` ${key.asymmetricKeyDetails?.namedCurve}` : ''}); ES256 needs P-256 (RFC 7518 §3.4)`;
    case 'RS256': {
      if (type !== 'rsa') return `is a key of type ${type}; RS256 needs an RSA key`;
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS
        ? undefined
        : `has ${bits} bits; RS256 needs at least ${MIN_RSA_BITS} (RFC 7518 §3.3)`;
    }
  }
}

/** The RFC 7638 thumbprint (SHA-256, base64url) of a public key: its `kid`. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  // §3.2: only the required members, in lexicographic order, no whitespace.
  const required: Record<string, readonly string[]> = {
    OKP: ['crv', 'kty', 'x'],
    EC: ['crv', 'kty', 'x', 'y'],
    RSA: ['e', 'kty', 'n'],
  };
  const members = required[jwk.kty ?? ''];
  if (members === undefined) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, (jwk as Record<string, unknown>)[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The published form of a public key: its public members only, with kid, use and alg. */
export function publicJwk(publicKey: KeyObject, kid: string, alg: AsymmetricAlgorithm): PublicJwk {
  // Exported from the public half, and only the public members named: a private member
  // (d, p, q, dp, dq, qi) cannot be copied by mistake.
  const jwk: JsonWebKey = (publicKey.type === 'public' ? publicKey : createPublicKey(publicKey)).export({
    format: 'jwk',
  });
  // The key must be of the type and on the curve `alg` names: a P-384, X25519 or Ed448 key
  // would otherwise be published as P-256 or Ed25519, with coordinates of another curve.
  const shape = [jwk.kty, jwk.crv].filter((m) => m !== undefined).join(' ');
  if (shape !== JWK_SHAPES[alg]) throw new Error(`cannot publish a ${shape} key for ${alg}`);
  const pick = (name: 'x' | 'y' | 'n' | 'e') => (typeof jwk[name] === 'string' ? { [name]: jwk[name] } : {});
  switch (alg) {
    case 'EdDSA':
      return Object.freeze({ kty: 'OKP', crv: 'Ed25519', ...pick('x'), kid, use: 'sig', alg });
    case 'ES256':
      return Object.freeze({ kty: 'EC', crv: 'P-256', ...pick('x'), ...pick('y'), kid, use: 'sig', alg });
    case 'RS256':
      return Object.freeze({ kty: 'RSA', ...pick('n'), ...pick('e'), kid, use: 'sig', alg });
  }
}

/** The JWK `kty` and `crv` (RFC 7518 §6, RFC 8037 §2) of the keys each algorithm signs with. */
const JWK_SHAPES: Readonly<Record<AsymmetricAlgorithm, string>> = {
  EdDSA: 'OKP Ed25519',
  ES256: 'EC P-256',
  RS256: 'RSA',
};

/** A schedule of asymmetric keys (see ScheduledKey); the published set is computed per call. */
export class ScheduledKeySet implements KeySet {
  private readonly byKid: ReadonlyMap<string, ScheduledKey & { readonly jwk: PublicJwk }>;

  constructor(keys: readonly ScheduledKey[]) {
    this.byKid = new Map(keys.map((k) => [k.kid, { ...k, jwk: publicJwk(k.publicKey, k.kid, k.alg) }]));
  }

  get keys(): readonly ScheduledKey[] {
    return [...this.byKid.values()];
  }

  signingKey(now: number): SigningKey {
    let signer: ScheduledKey | undefined;
    for (const k of this.byKid.values()) {
      if (k.privateKey === undefined || k.activatesAt > now || !accepted(k, now)) continue;
      if (signer === undefined || k.activatesAt > signer.activatesAt) signer = k;
    }
    if (signer?.privateKey === undefined) throw new NoSigningKeyError();
    return { kid: signer.kid, alg: signer.alg, key: signer.privateKey };
  }

  verificationKey(kid: string, now: number): VerificationKey | undefined {
    const k = this.byKid.get(kid);
    return k !== undefined && accepted(k, now) ? { kid: k.kid, alg: k.alg, key: k.publicKey } : undefined;
  }

  publicJwks(now: number): readonly PublicJwk[] {
    return [...this.byKid.values()].filter((k) => accepted(k, now)).map((k) => k.jwk);
  }
}

const accepted = (k: ScheduledKey, now: number): boolean => k.verifyUntil === undefined || now < k.verifyUntil;

/** No key may sign now: the schedule's keys are all retired or not yet active. */
export class NoSigningKeyError extends Error {
  constructor() {
    super('no signing key is active: every key is retired or not yet active (see `node dist/keys.js list`)');
    this.name = 'NoSigningKeyError';
  }
}

/** A name for an HMAC secret that does not help anyone guess it: an HMAC keyed by it (128 bits). */
export const hmacKeyId = (secret: KeyObject | Buffer): string =>
  createHmac('sha256', secret).update('jwt-auth-service key id').digest('base64url').slice(0, 22);

/**
 * The one HMAC secret (JWT_SECRET). Its kid is derived from the secret by HMAC, so it names
 * the secret without helping anyone guess it, and changes when the secret does.
 */
export class HmacKeySet implements KeySet {
  private readonly key: SigningKey & VerificationKey;

  constructor(secret: KeyObject, alg: HmacAlgorithm) {
    this.key = Object.freeze({ kid: hmacKeyId(secret), alg, key: secret });
  }

  signingKey(): SigningKey {
    return this.key;
  }

  verificationKey(kid: string): VerificationKey | undefined {
    return kid === this.key.kid ? this.key : undefined;
  }

  publicJwks(): readonly PublicJwk[] {
    return [];
  }
}
