// panva's oauth4webapi as a public client of a jwt-guard app's built-in
// issuer: it finds the token and revocation endpoints by discovery,
// refreshes a session's refresh token there (the `refresh_token` grant,
// RFC 6749 section 6), revokes the new refresh token (RFC 7009), then
// tries to refresh with it again. Prints one JSON object: what each step
// gave, or where it failed.
//
// Usage: node refresh-and-revoke.mjs <issuer> <refresh token> <client id>

import * as oauth from 'oauth4webapi';

const [issuerUrl, refreshToken, clientId] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true };
const client = { client_id: clientId };
const publicClient = oauth.None();

const seen = {};
try {
  const issuer = new URL(issuerUrl);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  seen.endpoints = { token: as.token_endpoint, revocation: as.revocation_endpoint };
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, publicClient, refreshToken, insecure),
  );
  seen.refreshed = {
    token_type: refreshed.token_type,
    access_token: typeof refreshed.access_token,
    rotated: typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== refreshToken,
  };
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, publicClient, refreshed.refresh_token, insecure),
  );
  seen.revoked = true;
  try {
    await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, publicClient, refreshed.refresh_token, insecure),
    );
    seen.after_revocation = 'refreshed';
  } catch (error) {
    seen.after_revocation = error.error ?? error.message;
  }
} catch (error) {
  seen.error = error.message;
}
console.log(JSON.stringify(seen));
