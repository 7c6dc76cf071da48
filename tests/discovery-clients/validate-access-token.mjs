// panva's oauth4webapi as another resource server uses it: it finds a
// jwt-guard app's built-in issuer by discovery, and validates one of its
// access tokens as RFC 9068 profiles JWT access tokens
// (`validateJwtAccessToken`: `typ`, the required claims, issuer, audience,
// and the signature under a key of the issuer's JWKS). Prints one JSON
// object: what it accepted, or why not.
//
// Usage: node validate-access-token.mjs <issuer> <access token> <audience>

import * as oauth from 'oauth4webapi';

const [issuerUrl, accessToken, audience] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true };

const issuer = new URL(issuerUrl);
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const request = new Request('https://api.example.com/reports', {
  headers: { authorization: `Bearer ${accessToken}` },
});
try {
  const claims = await oauth.validateJwtAccessToken(as, request, audience, insecure);
  console.log(JSON.stringify({ valid: true, sub: claims.sub, client_id: claims.client_id }));
} catch (error) {
  console.log(JSON.stringify({ valid: false, error: error.message }));
}
