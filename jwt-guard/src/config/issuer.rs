//! One trusted issuer as configured: a `[jwt_guard.issuers.<name>]`
//! table, and the builder methods that configure one in code.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{
    Audience, ClaimValues, DpopMode, IntrospectMode, RolesClaim, ScopeClaim, Secret, Tenants, TokenType,
    optional_seconds,
};

/// One trusted issuer: a `[jwt_guard.issuers.<name>]` table.
///
/// ```
/// use jwt_guard::config::IssuerConfig;
///
/// let auth0 = IssuerConfig::new("https://tenant.example.com/", "https://api.example.com")
///     .algorithms(["RS256"]);
/// assert_eq!(auth0.issuer, "https://tenant.example.com/");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// The exact `iss` value of its tokens.
    pub issuer: String,
    /// Other `iss` values of the same issuer's tokens, verified with the
    /// same keys and checks: Google writes `accounts.google.com` in some
    /// ID tokens, `https://accounts.google.com` in others. Keys are found
    /// from `issuer` alone. Not for templates, nor with `logout_client_id`.
    /// Default: none.
    #[serde(default)]
    pub issuer_aliases: Vec<String>,
    /// The audiences this API answers to; the token's `aud` must hold one.
    /// Required, unless `resource` is set: it is then the audience.
    /// `audience = false` turns the check off, which is only safe when the
    /// issuer mints tokens for this API alone, or when `required_claims`
    /// pin what does tell its tokens for this API (Cognito's `client_id`).
    #[serde(default)]
    pub audience: Audience,
    /// Where the issuer publishes its keys. Without it, OIDC discovery at
    /// `{issuer}/.well-known/openid-configuration` finds it.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// The algorithms accepted from this issuer. Default: every asymmetric
    /// algorithm, each only with a key of its own type.
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Where the issuer keeps roles, for `role = "..."` policies and
    /// `Token::roles()`: claim names or JSON Pointers, each to a string (one
    /// role), an array of strings, or an object whose member names are the
    /// roles (Zitadel's). Default: `roles`.
    #[serde(default)]
    pub roles_claim: RolesClaim,
    /// The claim that carries the token's scopes. Default: `scope`.
    #[serde(default)]
    pub scope_claim: ScopeClaim,
    /// Allow plain `http://` key URLs on hosts other than loopback.
    /// Default: `false`.
    #[serde(default)]
    pub allow_http: bool,
    /// Hosts that the discovery document and the JWKS may redirect to:
    /// `keys.example.com` (any port) or `keys.example.com:8443`. Other
    /// redirects are refused. Default: none, so no redirect is followed.
    #[serde(default)]
    pub follow_redirects_to: Vec<String>,
    /// The issuer's keys as an inline JWKS (`{"keys": [...]}`), for keys
    /// that are fixed: nothing is fetched. Test helpers use it.
    #[serde(default)]
    pub jwks: Option<serde_json::Value>,
    /// `"at+jwt"` turns on RFC 9068's strict mode: a token's `typ` header
    /// must then say it is a JWT access token (`at+jwt` or
    /// `application/at+jwt`), so that an ID token whose `aud` happens to be
    /// this API is refused. Default: off, since many providers send `JWT`.
    #[serde(default)]
    pub token_type: Option<TokenType>,
    /// The longest lifetime accepted, in seconds: a token whose `exp - iat`
    /// is longer, or that has no `iat`, is refused. It bounds what a leaked
    /// signing key can mint. An opaque token is held to it where its
    /// introspection answer states its `iat` and `exp`. With
    /// `logout_client_id`, it is also how long a logout's revocation is
    /// kept, and how old a logout may be (24 hours without it). Default:
    /// off.
    #[serde(default, deserialize_with = "optional_seconds")]
    pub max_lifetime: Option<Duration>,
    /// Claims that each of its tokens must carry, each with its value or
    /// one of its values: Amazon Cognito's `token_use = "access"` and
    /// `client_id` (its access tokens have no `aud`), Okta's `cid`, an
    /// `azp`. Each is a claim name, or a JSON Pointer into nested claims
    /// (`/realm_access/x`, as `roles_claim` takes); its value must be a
    /// string equal to one of the values, or an array holding one (values
    /// are compared as strings: a number or a boolean never matches). A
    /// token without one of them, or with another value, is refused with
    /// 401 `invalid_token`, as a token for another audience is. Default:
    /// none.
    #[serde(default)]
    pub required_claims: BTreeMap<String, ClaimValues>,
    /// Whether its tokens may, or must, be DPoP-bound. Default:
    /// [`DpopMode::Allowed`].
    #[serde(default)]
    pub dpop: DpopMode,
    /// The API's client id at this issuer: with `client_secret` or
    /// `client_key_file`, it turns on introspection (RFC 7662) of the
    /// issuer's opaque tokens.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The API's client secret at this issuer, sent with HTTP Basic
    /// (`client_secret_basic`).
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Instead of `client_secret`: a PKCS#8 PEM private key whose public
    /// key is registered for the API at the issuer. Each introspection
    /// then carries a fresh assertion signed with it (`private_key_jwt`,
    /// RFC 7523), so no shared secret is ever sent.
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
    /// The algorithm of `client_key_file`. Default: `"RS256"`.
    #[serde(default)]
    pub client_key_algorithm: Option<String>,
    /// The `kid` the issuer knows that key by. Default: the key's RFC 7638
    /// thumbprint.
    #[serde(default)]
    pub client_key_id: Option<String>,
    /// The `aud` of the assertions signed with `client_key_file`. Default:
    /// the issuer identifier, as draft-ietf-oauth-rfc7523bis requires;
    /// some providers (Okta) want the URL of the endpoint instead.
    #[serde(default)]
    pub client_assertion_audience: Option<String>,
    /// Where to introspect tokens. Default: the `introspection_endpoint`
    /// of the issuer's discovery document, which a tenant template always
    /// takes (a template with one of its own is refused at launch).
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    /// Which tokens to introspect. Default: [`IntrospectMode::Opaque`].
    #[serde(default)]
    pub introspect: IntrospectMode,
    /// What this issuer's opaque tokens start with (Ory Hydra's `ory_at_`,
    /// GitHub's `gho_`): only those are sent to it. Needed by each issuer
    /// when several introspect opaque tokens, and no two may claim one
    /// token; launch fails otherwise. A tenant template claims none (no
    /// opaque token names a tenant) and takes no prefix; nor may one start
    /// with `jgrt_`, the built-in issuer's refresh tokens'. Default: none,
    /// every opaque token, for an only introspecting issuer.
    #[serde(default)]
    pub opaque_token_prefix: Option<String>,
    /// Ask for signed introspection responses (RFC 9701,
    /// `application/token-introspection+jwt`), verified with the issuer's
    /// keys. Default: `false`; a signed response is verified whenever one
    /// comes.
    #[serde(default)]
    pub signed_introspection: bool,
    /// For an issuer template (an `issuer` with `{tenant}` in its path,
    /// or as the first label of its host under a fixed domain): the
    /// tenants admitted, a list or `"any"`.
    #[serde(default)]
    pub tenants: Option<Tenants>,
    /// The client id that this issuer's logout tokens are addressed to
    /// (their `aud`): with it, the issuer's OIDC back-channel logouts (and
    /// RFC 8935 pushed CAEP session-revoked events) are received at
    /// `logout_path`, and end its tokens of that session or subject on
    /// every instance that shares the store. Default: none, so the
    /// issuer's logout tokens are refused.
    #[serde(default)]
    pub logout_client_id: Option<String>,
}

impl IssuerConfig {
    /// An issuer whose tokens carry `iss = issuer` and an `aud` that holds
    /// one of `audience`, with keys found by OIDC discovery.
    pub fn new(issuer: impl Into<String>, audience: impl Into<Audience>) -> Self {
        Self {
            issuer: issuer.into(),
            issuer_aliases: Vec::new(),
            audience: audience.into(),
            jwks_uri: None,
            algorithms: None,
            scope_claim: ScopeClaim::default(),
            roles_claim: RolesClaim::default(),
            allow_http: false,
            follow_redirects_to: Vec::new(),
            jwks: None,
            token_type: None,
            max_lifetime: None,
            required_claims: BTreeMap::new(),
            dpop: DpopMode::default(),
            client_id: None,
            client_secret: None,
            client_key_file: None,
            client_key_algorithm: None,
            client_key_id: None,
            client_assertion_audience: None,
            introspection_endpoint: None,
            introspect: IntrospectMode::default(),
            opaque_token_prefix: None,
            signed_introspection: false,
            tenants: None,
            logout_client_id: None,
        }
    }

    /// Receives the issuer's back-channel logouts, addressed to the client
    /// `client_id` (see [`IssuerConfig::logout_client_id`]).
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let idp = IssuerConfig::new("https://idp.example.com", "https://api.example.com").logout_client_id("web-app");
    /// assert_eq!(idp.logout_client_id.as_deref(), Some("web-app"));
    /// ```
    pub fn logout_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.logout_client_id = Some(client_id.into());
        self
    }

    /// Introspects the issuer's opaque tokens (RFC 7662) as the client
    /// `client_id` with `client_secret`.
    ///
    /// ```
    /// use jwt_guard::config::{IntrospectMode, IssuerConfig};
    ///
    /// let curity = IssuerConfig::new("https://idsvr.example.com/oauth/v2/oauth-anonymous", "api")
    ///     .introspection("api-gateway", "secret-from-the-vault");
    /// assert_eq!(curity.introspect, IntrospectMode::Opaque);
    /// ```
    pub fn introspection(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(Secret::new(client_secret));
        self
    }

    /// Introspects the issuer's opaque tokens (RFC 7662) as the client
    /// `client_id`, proving it with assertions signed by the RS256 key in
    /// `key_file` (`private_key_jwt`); set
    /// [`client_key_algorithm`](Self::client_key_algorithm) for another
    /// kind of key.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let keycloak = IssuerConfig::new("https://sso.example.com/realms/acme", "reports-api")
    ///     .introspection_with_key("reports-api", "/run/secrets/reports-api.pem");
    /// assert!(keycloak.client_secret.is_none());
    /// ```
    pub fn introspection_with_key(mut self, client_id: impl Into<String>, key_file: impl Into<PathBuf>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_key_file = Some(key_file.into());
        self
    }

    /// Makes the issuer a template: its `issuer` holds `{tenant}`, and
    /// `tenants` are admitted.
    ///
    /// ```
    /// use jwt_guard::config::{IssuerConfig, Tenants};
    ///
    /// // A v2.0 token's `aud` is the API's application (client) id.
    /// let api_client_id = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
    /// let entra = IssuerConfig::new("https://login.microsoftonline.com/{tenant}/v2.0", api_client_id)
    ///     .tenants(Tenants::Only(vec!["contoso-tenant-id".into()]));
    /// ```
    pub fn tenants(mut self, tenants: Tenants) -> Self {
        self.tenants = Some(tenants);
        self
    }

    /// Says whether its tokens may, or must, be DPoP-bound.
    ///
    /// ```
    /// use jwt_guard::config::{DpopMode, IssuerConfig};
    ///
    /// let issuer = IssuerConfig::new("https://idp.example.com/", "https://api.example.com").dpop(DpopMode::Required);
    /// assert_eq!(issuer.dpop, DpopMode::Required);
    /// ```
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.dpop = mode;
        self
    }

    /// Requires tokens to say they are of this type in their `typ` header.
    ///
    /// ```
    /// use jwt_guard::config::{IssuerConfig, TokenType};
    ///
    /// let strict = IssuerConfig::new("https://id.example.com/", "https://api.example.com")
    ///     .token_type(TokenType::AtJwt);
    /// assert_eq!(strict.token_type, Some(TokenType::AtJwt));
    /// ```
    pub fn token_type(mut self, token_type: TokenType) -> Self {
        self.token_type = Some(token_type);
        self
    }

    /// Refuses tokens whose `exp - iat` is longer than `lifetime`, and
    /// tokens without `iat`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let bounded = IssuerConfig::new("https://id.example.com/", "https://api.example.com")
    ///     .max_lifetime(Duration::from_secs(3600));
    /// assert_eq!(bounded.max_lifetime, Some(Duration::from_secs(3600)));
    /// ```
    pub fn max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime);
        self
    }

    /// Accepts tokens whose `iss` is one of `aliases` as this issuer's (see
    /// [`IssuerConfig::issuer_aliases`]).
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// // Google's ID tokens say either; its keys are found from the URL.
    /// let google = IssuerConfig::new("https://accounts.google.com", "1234-example.apps.googleusercontent.com")
    ///     .issuer_aliases(["accounts.google.com"]);
    /// assert_eq!(google.issuer_aliases, ["accounts.google.com"]);
    /// ```
    pub fn issuer_aliases<S: Into<String>>(mut self, aliases: impl IntoIterator<Item = S>) -> Self {
        self.issuer_aliases = aliases.into_iter().map(Into::into).collect();
        self
    }

    /// Requires each token to carry the claim `name` with this value, or
    /// one of these values (see [`IssuerConfig::required_claims`]).
    ///
    /// ```
    /// use jwt_guard::config::{Audience, IssuerConfig};
    ///
    /// // Amazon Cognito's access tokens have no `aud`: the app client is
    /// // their `client_id`, and `token_use` tells them from ID tokens.
    /// let pool = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
    /// let cognito = IssuerConfig::new(pool, Audience::Unchecked)
    ///     .require_claim("token_use", "access")
    ///     .require_claim("client_id", ["1example23456789", "2example98765432"]);
    /// assert_eq!(cognito.required_claims["client_id"].0.len(), 2);
    /// ```
    pub fn require_claim(mut self, name: impl Into<String>, values: impl Into<ClaimValues>) -> Self {
        self.required_claims.insert(name.into(), values.into());
        self
    }

    /// Uses these keys instead of fetching any: for an issuer whose keys
    /// are fixed, or one of tests (the test helpers' issuers are such).
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    /// use serde_json::json;
    ///
    /// let partner = IssuerConfig::new("https://partner.example.com", "https://api.example.com")
    ///     .algorithms(["ES256"])
    ///     .inline_jwks(json!({"keys": [{
    ///         "kty": "EC", "crv": "P-256", "kid": "2026-11", "use": "sig", "alg": "ES256",
    ///         "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    ///         "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    ///     }]}));
    /// assert!(partner.jwks.is_some());
    /// ```
    pub fn inline_jwks(mut self, jwks: serde_json::Value) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// Fetches keys from `uri` instead of discovering where they are: for
    /// an issuer without OIDC discovery.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let legacy = IssuerConfig::new("https://sso.example.com", "https://api.example.com")
    ///     .jwks_uri("https://sso.example.com/keys.json");
    /// assert_eq!(legacy.jwks_uri.as_deref(), Some("https://sso.example.com/keys.json"));
    /// ```
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// Accepts only these algorithms (`"RS256"`, `"ES256"`, `"EdDSA"`, ...):
    /// the provider's, and no other. Each is still used only with a key of
    /// its own type; HMAC algorithms are refused (an issuer publishes
    /// public keys only).
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let auth0 = IssuerConfig::new("https://tenant.eu.auth0.com/", "https://api.example.com")
    ///     .algorithms(["RS256"]);
    /// assert_eq!(auth0.algorithms, Some(vec!["RS256".to_owned()]));
    /// ```
    pub fn algorithms<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.algorithms = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Reads roles from these places: claim names, or JSON Pointers.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let keycloak = IssuerConfig::new("https://sso.example.com/realms/acme", "reports-api")
    ///     .roles_claim(["/realm_access/roles", "/resource_access/reports-api/roles"]);
    /// ```
    pub fn roles_claim(mut self, places: impl Into<RolesClaim>) -> Self {
        self.roles_claim = places.into();
        self
    }

    /// Reads scopes from `claim`: `scp` for Okta and Entra ID,
    /// `permissions` for Auth0's RBAC. A 403 `insufficient_scope` for a
    /// token that has the scope is the usual sign that this is not set.
    ///
    /// ```
    /// use jwt_guard::config::{IssuerConfig, ScopeClaim};
    ///
    /// let okta = IssuerConfig::new("https://example.okta.com/oauth2/default", "api://default")
    ///     .scope_claim(ScopeClaim::Scp);
    /// assert_eq!(okta.scope_claim.name(), "scp");
    /// ```
    pub fn scope_claim(mut self, claim: ScopeClaim) -> Self {
        self.scope_claim = claim;
        self
    }

    /// Allows plain `http://` key URLs on any host, not only on loopback:
    /// for a provider inside a private network, never across the internet,
    /// where anyone on the path could replace the keys.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let internal = IssuerConfig::new("http://keycloak:8080/realms/acme", "reports-api").allow_http(true);
    /// assert!(internal.allow_http);
    /// ```
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Follows redirects of the key URLs to these hosts (`host` or
    /// `host:port`), and to no others.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    ///
    /// let issuer = IssuerConfig::new("https://id.example.com/", "https://api.example.com")
    ///     .follow_redirects_to(["keys.example-cdn.net"]);
    /// assert_eq!(issuer.follow_redirects_to, ["keys.example-cdn.net"]);
    /// ```
    pub fn follow_redirects_to<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = S>) -> Self {
        self.follow_redirects_to = hosts.into_iter().map(Into::into).collect();
        self
    }
}
