// What a client or resource server learns without asking anyone: the authorization server
// metadata (RFC 8414) and the public keys tokens are verified with (RFC 7517).
import type { components } from './contract/openapi-types';

type Schemas = components['schemas'];
export type AuthorizationServerMetadata = Schemas['AuthorizationServerMetadata'];

/**
 * How long a resource server may cache the key set (Cache-Control max-age). A rotation
 * publishes the new key longer than this before it signs (keys.ts' default activation
 * delay), so no cache can miss a key a token names.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

export interface Discovery {
  readonly metadata: AuthorizationServerMetadata;
  /** The keys accepted now; empty with HMAC signing, whose secret is never published. */
  jwks(): Schemas['JwkSet'];
}

/**
 * RFC 8414 §2. `issuer` is the tokens' `iss`, identical as §3.3 and RFC 9068 §4 require.
 * There is no authorization endpoint, so no response type is supported (the member is
 * still required); clients are public (no client authentication at /token or /revoke).
 */
export function authorizationServerMetadata(options: {
  readonly publicUrl: string;
  readonly issuer: string;
  /** false with HMAC signing: there is no key to publish, so no jwks_uri. */
  readonly publishesKeys: boolean;
}): AuthorizationServerMetadata {
  const url = (path: string) => `${options.publicUrl}${path}`;
  const metadata: AuthorizationServerMetadata = {
    issuer: options.issuer,
    token_endpoint: url('/token'),
    ...(options.publishesKeys ? { jwks_uri: url('/.well-known/jwks.json') } : {}),
    revocation_endpoint: url('/revoke'),
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    service_documentation: url('/docs'),
  };
  return Object.freeze(metadata);
}
