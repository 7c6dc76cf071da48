// A real OpenID provider for jwt-guard's interop tests: panva's
// oidc-provider on 127.0.0.1, issuing JWT access tokens to a
// client-credentials client for the resources it asks for.
//
// Environment:
//   PORT       the port to listen on (127.0.0.1 only)
//   KEY_FILES  comma-separated PKCS#8 PEM private keys; the first signs
//   ALG        the access tokens' signing algorithm (default RS256)
//
// GET /test/hits answers how often the JWKS and the discovery document
// were fetched, so that tests can assert how often the app asked.

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
      id_token_signed_response_alg: alg,
    },
  ],
  jwks: { keys },
  scopes: ['read', 'write'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.test',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'read write',
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
  extraTokenClaims: () => ({ tenant: 'acme' }),
});

const hits = { jwks: 0, discovery: 0 };
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/hits') {
    ctx.body = hits;
    return;
  }
  if (ctx.path === '/jwks') hits.jwks += 1;
  if (ctx.path === '/.well-known/openid-configuration') hits.discovery += 1;
  await next();
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
