// What makes a JWT signing secret too weak to start with (RFC 8725 §3.5: HMAC keys must have
// enough entropy; RFC 7518 §3.2: at least the hash's output size). Checked by config.ts.

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

const GENERATE = 'generate one with `openssl rand -base64 48`';

/**
 * Words that secrets copied from tutorials and examples are built on. A secret containing one
 * (ignoring case and punctuation: "Your_Secret-Key-2024!" is "yoursecretkey2024") is refused;
 * short words only when they are the whole secret, so a random secret is never refused by
 * chance.
 */
const PLACEHOLDER_STEMS = [
  'secret',
  'changeme',
  'changeit',
  'replaceme',
  'password',
  'passwd',
  'default',
  'example',
  'placeholder',
  'insecure',
];
const PLACEHOLDER_WORDS = new Set(['test', 'key', 'jwt', 'admin', 'token', 'qwerty', '123456']);

/** Secrets published in documentation, refused whatever they look like. */
const PUBLISHED_SECRETS = new Set([
  // The FastAPI tutorial's SECRET_KEY ("OAuth2 with Password (and hashing), Bearer with JWT").
  '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7',
]);

/** Fewer distinct bytes than this is a pattern, not a random secret (hex has 16). */
const MIN_DISTINCT_BYTES = 10;

/** The reason `secret` is refused for `algorithm`, or undefined when it is acceptable. */
export function weakSecretProblem(secret: string, algorithm: keyof typeof MIN_SECRET_BYTES): string | undefined {
  const folded = secret.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PUBLISHED_SECRETS.has(secret.trim().toLowerCase())) {
    return `is a secret published in a tutorial; ${GENERATE}`;
  }
  const stem = PLACEHOLDER_STEMS.find((s) => folded.includes(s));
  if (stem !== undefined || PLACEHOLDER_WORDS.has(folded)) {
    return `is a well-known placeholder${stem === undefined ? '' : ` (built on "${stem}")`}; ${GENERATE}`;
  }
  const bytes = Buffer.from(secret, 'utf8');
  const min = MIN_SECRET_BYTES[algorithm];
  if (bytes.length < min) {
    return `must be at least ${min} bytes for ${algorithm} (RFC 7518 §3.2); ${GENERATE}`;
  }
  if (new Set(bytes).size < MIN_DISTINCT_BYTES || /^([\s\S]{1,16}?)\1+$/.test(secret)) {
    return `is a repeated pattern, not a random secret (RFC 8725 §3.5); ${GENERATE}`;
  }
  return undefined;
}
