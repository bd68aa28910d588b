// A resource server verifying this service's access tokens on its own, with jose: no shared
// secret, only the public keys the service publishes. In a server, build `jwks` once at start-up
// and reuse it: it caches the keys and refetches them when a token names an unknown kid.
'use strict';
const { createRemoteJWKSet, jwtVerify } = require('jose');

const { AUTH_URL = 'http://localhost:8000' } = process.env;

async function verify(token) {
  // RFC 8414 metadata: the issuer tokens must name, and where the public keys are.
  const res = await fetch(`${AUTH_URL}/.well-known/oauth-authorization-server`);
  if (!res.ok) throw new Error(`metadata: HTTP ${res.status}`);
  const { issuer, jwks_uri } = await res.json();
  if (!jwks_uri) throw new Error('no jwks_uri: the service signs with an HMAC secret (JWT_ALGORITHM=HS*)');
  // Cache the keys no longer than the service's max-age (300 s): a retired key then leaves soon.
  const jwks = createRemoteJWKSet(new URL(jwks_uri), { cacheMaxAge: 300_000 });
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    audience: 'jwt-auth-service',
    typ: 'at+jwt',
    algorithms: ['EdDSA', 'ES256', 'RS256'],
  });
  return { sub: payload.sub, exp: payload.exp };
}

verify(process.argv[2] ?? '').then(
  (claims) => console.log(JSON.stringify(claims)),
  (err) => {
    console.error(`token refused: ${err.code ?? err.name}: ${err.message}`);
    process.exitCode = 1;
  },
);
