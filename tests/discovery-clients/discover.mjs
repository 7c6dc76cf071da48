// What two real clients learn from a jwt-guard API that refuses them: the
// MCP TypeScript SDK and panva's oauth4webapi, each discovering the
// protected resource as it does (RFC 9728). Prints one JSON object.
//
// Usage: node discover.mjs <URL of a protected route> <resource identifier>

import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  selectResourceURL,
} from '@modelcontextprotocol/sdk/client/auth.js';
import * as oauth from 'oauth4webapi';

const [routeUrl, resource] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true };

// The MCP SDK: a call without a token, the challenge's parameters, the
// metadata they point to, and the resource it checks against the URL.
async function mcp() {
  const refused = await fetch(routeUrl);
  const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(refused);
  const metadata = await discoverOAuthProtectedResourceMetadata(routeUrl, { resourceMetadataUrl });
  const selected = await selectResourceURL(routeUrl, {}, metadata);
  return {
    status: refused.status,
    resourceMetadataUrl: resourceMetadataUrl?.href ?? null,
    scope: scope ?? null,
    error: error ?? null,
    resource: metadata.resource,
    authorization_servers: metadata.authorization_servers,
    scopes_supported: metadata.scopes_supported ?? null,
    selectedResource: selected?.href ?? null,
  };
}

// oauth4webapi: a call with a token that does not verify, the parsed
// challenge, and the metadata, which must name exactly `resource`: once
// from the challenge's pointer, once from the well-known URL of `resource`.
async function oauth4webapi() {
  const unverifiable = 'eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl';
  let challenges;
  try {
    await oauth.protectedResourceRequest(unverifiable, 'GET', new URL(routeUrl), undefined, undefined, insecure);
    throw new Error('the API accepted a token that does not verify');
  } catch (caught) {
    if (!(caught instanceof oauth.WWWAuthenticateChallengeError)) throw caught;
    challenges = caught.cause;
  }
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  const expected = new URL(resource);
  const fromChallenge = await oauth.processResourceDiscoveryResponse(
    expected,
    await fetch(bearer.parameters.resource_metadata),
  );
  const fromWellKnown = await oauth.processResourceDiscoveryResponse(
    expected,
    await oauth.resourceDiscoveryRequest(expected, insecure),
  );
  return {
    schemes: challenges.map((challenge) => challenge.scheme),
    parameters: bearer.parameters,
    resource: fromChallenge.resource,
    authorization_servers: fromChallenge.authorization_servers,
    scopes_supported: fromChallenge.scopes_supported ?? null,
    bearer_methods_supported: fromChallenge.bearer_methods_supported ?? null,
    wellKnownResource: fromWellKnown.resource,
  };
}

console.log(JSON.stringify({ mcp: await mcp(), oauth4webapi: await oauth4webapi() }));
