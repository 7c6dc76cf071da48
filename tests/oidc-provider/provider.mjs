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
//   BACKCHANNEL_LOGOUT_URIS  optional, comma-separated: the OpenID
//                    Back-Channel Logout 1.0 receivers of the users' clients.
//                    A client has one such URI, so each URI gets a client of
//                    its own: `web-client` for the first, `web-client-2`,
//                    `web-client-3`... for the others, all with the secret
//                    `web-secret`. Without it, `web-client` alone, without
//                    back-channel logout (and its tokens without `sid`).
//
// GET /test/hits answers how often the JWKS, the discovery document and
// the introspection endpoint were asked, so that tests can assert how
// often the app asked.
//
// The users' clients use the authorization code flow; their access tokens
// are JWTs for the same resources, carrying the `sid` of the user's
// session at the provider, the `sid` that its logout token carries. Tests
// drive a user's login and logout without a browser:
//
// GET /test/login?sub=alice[&client_id=web-client][&scope=openid read write]
//     [&resource=https://api.test][&with_sid=SID]
//   logs `sub` in for real (authorization request, login and consent
//   given at once by /interaction/:uid, code exchanged at /token) and
//   answers the token response plus `sid`, `sub` and `client_id`. With
//   `with_sid`, it logs the client in to the session of that earlier login
//   instead (the same user; each client has a `sid` of its own).
// GET /test/logout?sid=SID
//   ends that session for real (RP-initiated logout: /session/end, then
//   its confirmation with `logout=yes`), so that the provider itself sends
//   a logout token to every client of the session that has a back-channel
//   logout URI, and answers how each delivery went.

import { createPrivateKey, createPublicKey, createHash, randomBytes } from 'node:crypto';
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

const backchannelLogoutUris = (process.env.BACKCHANNEL_LOGOUT_URIS ?? '')
  .split(',').filter(Boolean).map((uri) => new URL(uri).href);
const webClientId = (index) => (index === 0 ? 'web-client' : `web-client-${index + 1}`);
const webRedirectUri = 'https://web.test/callback';

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
    // The users' clients, one per back-channel logout URI.
    ...(backchannelLogoutUris.length ? backchannelLogoutUris : [undefined]).map((uri, index) => ({
      client_id: webClientId(index),
      client_secret: 'web-secret',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [webRedirectUri],
      ...(uri ? { backchannel_logout_uri: uri, backchannel_logout_session_required: true } : undefined),
    })),
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
    backchannelLogout: { enabled: true },
  },
  // Any subject is a user, with no claims but `sub`.
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // The back-channel logout receivers are on 127.0.0.1, which the
  // provider's protection against SSRF refuses: not for them.
  fetch: (url, options) =>
    globalThis.fetch(url, backchannelLogoutUris.includes(url) ? { ...options, dispatcher: undefined } : options),
  // How the client authenticated, and when: what step-up policies read.
  // A user's tokens carry the `sid` of their session too.
  extraTokenClaims: (ctx, token) => ({
    tenant: 'acme',
    acr: 'urn:example:acr:client-secret',
    auth_time: Math.floor(Date.now() / 1000),
    ...(token.sid ? { sid: token.sid } : undefined),
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

// The logins' provider sessions, as the cookies of their user agents, by
// the `sid` of each of their clients.
const sessions = new Map();
// How the provider's back-channel logouts went, by `sid`.
const deliveries = new Map();
provider.on('backchannel.success', (ctx, client, accountId, sid) => {
  deliveries.set(sid, { client_id: client.clientId, sid, delivered: true });
});
provider.on('backchannel.error', (ctx, error, client, accountId, sid) => {
  deliveries.set(sid, { client_id: client.clientId, sid, delivered: false, error: error.message });
});

// A request to the provider itself as the user agent whose cookies are
// `jar`, which keeps the cookies that the answer sets.
async function userAgentFetch(jar, url, init = {}) {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
  const response = await fetch(new URL(url, issuer), { ...init, headers, redirect: 'manual' });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const name = pair.slice(0, pair.indexOf('='));
    const value = pair.slice(pair.indexOf('=') + 1);
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
    else jar.set(name, value);
  }
  return response;
}

class TestRouteError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function login(query) {
  const earlier = query.with_sid ? sessions.get(query.with_sid) : undefined;
  if (query.with_sid && !earlier) throw new TestRouteError(404, 'no session has that sid');
  const sub = query.sub ?? earlier?.sub;
  if (!sub) throw new TestRouteError(400, 'sub is required');
  if (earlier && sub !== earlier.sub) throw new TestRouteError(400, 'the session with_sid names is of another sub');
  const session = earlier ?? { sub, jar: new Map(), sids: [] };
  const clientId = query.client_id ?? 'web-client';
  const verifier = randomBytes(32).toString('base64url');
  const authorization = new URL('/auth', issuer);
  authorization.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: webRedirectUri,
    scope: query.scope ?? 'openid read write',
    login_hint: sub,
    state: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(query.resource ? { resource: query.resource } : undefined),
  });
  // The authorization endpoint, the interaction, the authorization
  // endpoint again, then the client's redirect URI with the code.
  let location = authorization.href;
  for (let step = 0; !location.startsWith(webRedirectUri); step += 1) {
    const response = await userAgentFetch(session.jar, location);
    const next = response.headers.get('location');
    if (!next || step === 5) {
      throw new TestRouteError(502, `the login stopped at ${location}: ${response.status} ${await response.text()}`);
    }
    location = new URL(next, location).href;
  }
  const callback = new URL(location).searchParams;
  if (!callback.has('code')) throw new TestRouteError(502, `the login failed: ${callback}`);
  const response = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:web-secret`).toString('base64')}` },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.get('code'),
      redirect_uri: webRedirectUri,
      code_verifier: verifier,
    }),
  });
  const tokens = await response.json();
  if (!response.ok) throw new TestRouteError(502, `the token request failed: ${JSON.stringify(tokens)}`);
  const { sid } = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url'));
  if (sid) {
    session.sids.push(sid);
    sessions.set(sid, session);
  }
  return { ...tokens, sid, sub, client_id: clientId };
}

async function logout(query) {
  const session = sessions.get(query.sid);
  if (!session) throw new TestRouteError(404, 'no session has that sid');
  const page = await userAgentFetch(session.jar, '/session/end');
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!xsrf) throw new TestRouteError(502, `/session/end answered no logout form: ${page.status}`);
  // The provider sends the logout tokens before it answers.
  const confirm = await userAgentFetch(session.jar, '/session/end/confirm', {
    method: 'POST',
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  if (confirm.status !== 303) throw new TestRouteError(502, `the logout failed: ${confirm.status} ${await confirm.text()}`);
  for (const sid of session.sids) sessions.delete(sid);
  return {
    sub: session.sub,
    backchannel: session.sids.filter((sid) => deliveries.has(sid)).map((sid) => deliveries.get(sid)),
  };
}

provider.use(async (ctx, next) => {
  // Every user logs in and consents at once, as `login_hint` names them.
  if (ctx.path.startsWith('/interaction/')) {
    const { uid, prompt, params, session, grantId } = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.path !== `/interaction/${uid}`) ctx.throw(400, 'interaction mismatch');
    const accountId = session?.accountId ?? params.login_hint;
    if (!accountId) ctx.throw(400, 'login_hint is required');
    const grant = (grantId && await provider.Grant.find(grantId))
      ?? new provider.Grant({ accountId, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    for (const resource of [params.resource ?? 'https://api.test'].flat()) grant.addResourceScope(resource, params.scope);
    const result = {
      ...(prompt.name === 'login' ? { login: { accountId } } : undefined),
      consent: { grantId: await grant.save() },
    };
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    return;
  }
  const route = { '/test/login': login, '/test/logout': logout }[ctx.path];
  if (!route) {
    await next();
    return;
  }
  try {
    ctx.body = await route(ctx.query);
  } catch (error) {
    if (!(error instanceof TestRouteError)) throw error;
    ctx.status = error.status;
    ctx.body = { error: error.message };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
