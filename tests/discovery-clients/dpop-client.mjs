// panva's oauth4webapi as a DPoP client: it finds the authorization server
// by discovery, gets a DPoP-bound access token with the client-credentials
// grant for a resource, and calls a jwt-guard route with its own proofs.
// Prints one JSON object.
//
// Usage: node dpop-client.mjs <issuer> <route URL> <resource> <client id> <client secret> <scope>

import * as oauth from 'oauth4webapi';

const [issuerUrl, routeUrl, resource, clientId, clientSecret, scope] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true };

const issuer = new URL(issuerUrl);
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const client = { client_id: clientId };
const keyPair = await oauth.generateKeyPair('ES256');
const DPoP = oauth.DPoP(client, keyPair);
const grant = await oauth.clientCredentialsGrantRequest(
  as,
  client,
  oauth.ClientSecretBasic(clientSecret),
  { scope, resource },
  { DPoP, ...insecure },
);
const tokens = await oauth.processClientCredentialsResponse(as, client, grant);
const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());

// Two calls, each with a fresh proof of the same key.
const calls = [];
for (let i = 0; i < 2; i += 1) {
  const response = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(routeUrl), undefined, undefined, {
    DPoP,
    ...insecure,
  });
  calls.push({ status: response.status, body: await response.text() });
}

console.log(JSON.stringify({
  token_type: tokens.token_type,
  bound_to_the_key: claims.cnf?.jkt === (await DPoP.calculateThumbprint()),
  thumbprint: await DPoP.calculateThumbprint(),
  calls,
}));
