// A real OpenID provider for jwt-guard's interop tests: panva's
// oidc-provider on 127.0.0.1, issuing access tokens to a
// client-credentials client for the resources it asks for: JWTs, but
// opaque tokens for the resource https://opaque.test, which the API's own
// client `rs-client` introspects (RFC 7662, plain or signed as RFC 9701)
// and the issuing client revokes (RFC 7009).
//
// Environment:
//   PORT       the port to listen on (127.0.0.1 only)
//   KEY_FILES  comma-separated PKCS#8 PEM private keys; the first signs
//   ALG        the access tokens' signing algorithm (default RS256)
//
// GET /test/hits answers how often the JWKS, the discovery document and
// the introspection endpoint were asked, so that tests can assert how
// often the app asked.

import { createPrivateKey, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const alg = process.env.ALG ?? 'RS256';
const issuer = `http://127.0.0.1:${port}`;

const keys = process.env.KEY_FILES.split(',').map((file) => {
  const jwk = createPrivateKey(readFileSync(file)).export({ format: 'jwk' });
  const kid = createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 16);
  return { ...jwk, kid, use: 'sig' };
});

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'reports-client',
      client_secret: 'reports-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'read write',
    },
    {
      // The API itself, which only introspects.
      client_id: 'rs-client',
      client_secret: 'rs-secret',
      grant_types: [],
      redirect_uris: [],
      response_types: [],
    },
  ],
  // Every client signs with an algorithm that the key set has.
  clientDefaults: {
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
    introspection_signed_response_alg: alg,
  },
  jwks: { keys },
  scopes: ['read', 'write'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.test',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) =>
        resource === 'https://opaque.test'
          ? { scope: 'read write', audience: resource, accessTokenFormat: 'opaque' }
          : { scope: 'read write', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg } } },
    },
    introspection: { enabled: true },
    jwtIntrospection: { enabled: true },
    revocation: { enabled: true },
  },
  // How the client authenticated, and when: what step-up policies read.
  extraTokenClaims: () => ({
    tenant: 'acme',
    acr: 'urn:example:acr:client-secret',
    auth_time: Math.floor(Date.now() / 1000),
  }),
});

const hits = { jwks: 0, discovery: 0, introspection: 0 };
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/hits') {
    ctx.body = hits;
    return;
  }
  if (ctx.path === '/jwks') hits.jwks += 1;
  if (ctx.path === '/.well-known/openid-configuration') hits.discovery += 1;
  if (ctx.path === '/token/introspection') hits.introspection += 1;
  await next();
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
