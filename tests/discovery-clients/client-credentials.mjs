// A machine client that knows nothing of a jwt-guard API but a route's URL
// and its own credentials at an authorization server, as the MCP
// TypeScript SDK runs it: the 401's challenge leads to the API's metadata,
// the metadata to the authorization server, and the client-credentials
// grant with the advertised scopes and the resource indicator gives a
// token, with which it calls the route again. Prints one JSON object.
//
// Usage: node client-credentials.mjs <route URL> <issuer> <client id> <client secret>

import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';

const [routeUrl, issuer, clientId, clientSecret] = process.argv.slice(2);

const refused = await fetch(routeUrl);
const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(refused);
// The SDK's client-credentials provider asks for the scopes it is given:
// those that the challenge names.
const provider = new ClientCredentialsProvider({ clientId, clientSecret, scope, expectedIssuer: issuer });
const outcome = await auth(provider, { serverUrl: routeUrl, scope, resourceMetadataUrl });
const accessToken = provider.tokens()?.access_token;
const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
const answered = await fetch(routeUrl, { headers: { authorization: `Bearer ${accessToken}` } });

console.log(JSON.stringify({
  refusedStatus: refused.status,
  scope: scope ?? null,
  outcome,
  token: { iss: claims.iss, aud: claims.aud, scope: claims.scope },
  status: answered.status,
  body: await answered.text(),
}));
