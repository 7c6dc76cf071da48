// A real OpenID provider for jwt-guard's interop tests: panva's
// oidc-provider on 127.0.0.1, issuing access tokens to a
// client-credentials client for the resources it asks for: JWTs, but
// opaque tokens for the resource https://opaque.test, which the API's own
// client `rs-client` introspects (RFC 7662, plain or signed as RFC 9701)
// and the issuing client revokes (RFC 7009). The API may introspect as
// `rs-key-client` too, proving itself with a private key (`private_key_jwt`,
// RFC 7523) whose public JWK is registered under its RFC 7638 thumbprint.
//
// Environment:
//   PORT             the port to listen on (127.0.0.1 only)
//   KEY_FILES        comma-separated PKCS#8 PEM private keys; the first signs
//   ALG              the access tokens' signing algorithm (default RS256)
//   CLIENT_KEY_FILE  the PKCS#8 PEM private key of `rs-key-client`
//
// GET /test/hits answers how often the JWKS, the discovery document and
// the introspection endpoint were asked, so that tests can assert how
// often the app asked.

import { createPrivateKey, createPublicKey, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { calculateJwkThumbprint } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const alg = process.env.ALG ?? 'RS256';
const issuer = `http://127.0.0.1:${port}`;

const keys = process.env.KEY_FILES.split(',').map((file) => {
  const jwk = createPrivateKey(readFileSync(file)).export({ format: 'jwk' });
  const kid = createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 16);
  return { ...jwk, kid, use: 'sig' };
});

const clientKey = createPublicKey(readFileSync(process.env.CLIENT_KEY_FILE)).export({ format: 'jwk' });
clientKey.kid = await calculateJwkThumbprint(clientKey);

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
    {
      // The API again, proving itself with its private key.
      client_id: 'rs-key-client',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [clientKey] },
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
