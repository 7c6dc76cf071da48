//! Every setting of the `jwt_guard` table, as [`Config`] and its parts. The
//! fairing reads it from Rocket.toml, `ROCKET_JWT_GUARD` or any Figment
//! provider, or an app sets it in code with
//! [`JwtGuardBuilder::configure`](crate::JwtGuardBuilder::configure). A bad
//! value is refused, naming its key, when the guard is built. Below: every
//! key, and the API's protected-resource metadata (RFC 9728).
//!
#![doc = include_str!("../docs/configuration.md")]
#![doc = include_str!("../docs/discovery.md")]

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};

mod checked;
mod checks;
mod introspection;
mod issuer;
mod local;
mod resource;
mod secret;
mod sender;
pub(crate) mod settings;
mod store;
mod tenants;

pub(crate) use checked::{Defaults, IssuerSettings, RequiredClaim};
pub use introspection::IntrospectMode;
pub(crate) use introspection::{ClientCredential, IntrospectionSettings};
pub use issuer::IssuerConfig;
pub use local::{LOCAL_ISSUER, LocalIssuerConfig};
pub(crate) use local::{LocalIssuerSettings, REFRESH_TOKEN_PREFIX};
pub(crate) use resource::ResourceSettings;
pub use secret::Secret;
pub(crate) use sender::{CertificateHeader, DpopSettings};
pub use sender::{DpopConfig, DpopMode, MtlsConfig};
pub(crate) use settings::{Settings, VerifierSettings};
pub(crate) use store::StoreSettings;
pub use store::{DEFAULT_STORE_PATH, StoreConfig};
pub(crate) use tenants::TenantSettings;
pub use tenants::Tenants;

/// The whole `jwt_guard` table.
///
/// ```toml
/// [default.jwt_guard]
/// leeway = 30                  # seconds of clock skew allowed on exp/nbf/iat
/// max_token_bytes = 8192       # longer tokens are rejected before any parsing
/// header_prefix = "Bearer"     # scheme accepted in Authorization (case-insensitive)
/// realm = "api"                # realm in WWW-Authenticate challenges
///
/// [default.jwt_guard.issuers.auth0]          # the name is what policies refer to
/// issuer = "https://tenant.example.com/"     # the exact `iss` value
/// audience = ["https://api.example.com"]     # string or list; or `false`
/// jwks_uri = "https://tenant.example.com/.well-known/jwks.json"  # optional
/// algorithms = ["RS256", "ES256"]            # optional allow-list
/// scope_claim = "scope"                      # "scope", "scp" or "permissions"
/// token_type = "at+jwt"                      # optional: RFC 9068 strict mode
/// max_lifetime = 3600                        # optional: longest `exp - iat`
/// logout_client_id = "web-app"               # optional: receive its back-channel logouts
/// ```
///
/// Every field has a safe default; only [`issuers`](Self::issuers), or the
/// built-in issuer of [`local`](Self::local), must be given. Durations are
/// in seconds and may be fractional.
///
/// In code, a `Config` starts from its defaults (it is `non_exhaustive`,
/// so that settings can be added without breaking an app), changed field
/// by field: given whole to [`JwtGuardBuilder::config`], it replaces
/// Rocket's `jwt_guard` table; [`JwtGuardBuilder::configure`] changes
/// that table instead.
///
/// ```
/// use std::time::Duration;
/// use jwt_guard::JwtGuard;
/// use jwt_guard::config::{Config, IssuerConfig};
///
/// let mut config = Config::default();
/// config.leeway = Duration::from_secs(10);
/// config.issuers.insert(
///     "auth0".into(),
///     IssuerConfig::new("https://tenant.eu.auth0.com/", "https://api.example.com"),
/// );
/// let rocket = rocket::build().attach(JwtGuard::fairing().config(config));
/// ```
///
/// [`JwtGuardBuilder::config`]: crate::JwtGuardBuilder::config
/// [`JwtGuardBuilder::configure`]: crate::JwtGuardBuilder::configure
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Clock skew allowed when checking `exp`, `nbf` and `iat`.
    /// Default: `30`; at most 300 (it lengthens every token's life).
    #[serde(deserialize_with = "seconds")]
    pub leeway: Duration,
    /// Tokens longer than this are rejected before any decoding.
    /// Default: `8192`; at most 1 MiB.
    pub max_token_bytes: usize,
    /// The scheme of bearer tokens in the `Authorization` header,
    /// compared case-insensitively, and of the challenges that ask for
    /// them: one HTTP token, not `DPoP`. Default: `"Bearer"`.
    pub header_prefix: String,
    /// The realm named in `WWW-Authenticate` challenges. Default: `"api"`.
    pub realm: String,
    /// The longest a JWKS or discovery request may take. Default: `5`.
    #[serde(deserialize_with = "seconds")]
    pub fetch_timeout: Duration,
    /// Larger JWKS and discovery documents are refused. Default: `262144`;
    /// at most 16 MiB.
    pub max_jwks_bytes: usize,
    /// The shortest time, per issuer, between a successful fetch and the
    /// next one that a token may cause: a token whose `kid` is unknown, or
    /// whose signature fails under a known `kid` (the issuer may have
    /// replaced the key). After a failed fetch, retries back off from 1 s
    /// to 8 s instead. Default: `30`; at least 0.1.
    #[serde(deserialize_with = "seconds")]
    pub refetch_cooldown: Duration,
    /// The lower bound on a JWKS's `Cache-Control: max-age`. Default: `60`.
    #[serde(deserialize_with = "seconds")]
    pub min_refresh: Duration,
    /// The upper bound on a JWKS's `max-age`, and the refresh interval of
    /// a JWKS served without one. Default: `3600`.
    #[serde(deserialize_with = "seconds")]
    pub max_refresh: Duration,
    /// How many verified tokens to remember, so that a token sent again
    /// skips its signature check; `0` turns the cache off, and at most
    /// 1,000,000 are allowed. Default: `4096`.
    pub token_cache_size: u64,
    /// How long an introspection's answer is kept, at most: an active
    /// token's never past its `exp`, an inactive one's 5 s at most. `0`
    /// asks the issuer about every request. Default: `60`.
    #[serde(deserialize_with = "seconds")]
    pub introspection_cache_ttl: Duration,
    /// How many introspection answers are kept, at most 1,000,000.
    /// Default: `10000`.
    pub introspection_cache_size: u64,
    /// The most introspections a second that each issuer is asked, of
    /// tokens whose answers are not remembered, from 1 to 100,000; past
    /// it, such tokens get a 503 with `Retry-After`, while remembered
    /// answers keep serving. A provider's `429` halves it for a while.
    /// Default: `100`.
    pub introspection_rate: u32,
    /// How many tenants of issuer templates (or of an app's resolver) are
    /// kept with their keys, at most 100,000. Default: `1000`.
    pub tenant_cache_size: u64,
    /// How many unknown tenants may be discovered per
    /// `refetch_cooldown`, and how many more of those refused for want of
    /// budget that come back; tokens of further new tenants are refused
    /// until it passes. Default: `10`.
    pub tenant_discoveries: u32,
    /// The API's identifier (RFC 8707, RFC 9728): an `https` URL, or a
    /// loopback `http` one in debug builds, whose path, if it has one,
    /// does not end with `/`. When set, the app serves its
    /// protected-resource metadata at `/.well-known/oauth-protected-resource`
    /// (followed by the identifier's path, if it has one), every 401 and
    /// 403 challenge points there, and an issuer without `audience` takes it
    /// as its audience. Default: none.
    pub resource: Option<String>,
    /// A name for people, in the metadata (`resource_name`). Default: none.
    pub resource_name: Option<String>,
    /// A page of documentation, in the metadata (`resource_documentation`).
    /// Default: none.
    pub resource_documentation: Option<String>,
    /// Scopes to list in the metadata's `scopes_supported` besides those
    /// that the mounted routes' policies name. Default: none.
    pub resource_scopes: Vec<String>,
    /// The trusted issuers, by the name that policies use.
    pub issuers: BTreeMap<String, IssuerConfig>,
    /// The built-in issuer, `[jwt_guard.local]`: it signs tokens itself
    /// and is trusted as the issuer named `local`.
    pub local: Option<LocalIssuerConfig>,
    /// Where token state is kept: `[jwt_guard.store]`.
    pub store: StoreConfig,
    /// How DPoP proofs are checked: `[jwt_guard.dpop]`.
    pub dpop: DpopConfig,
    /// Where client certificates come from: `[jwt_guard.mtls]`.
    pub mtls: MtlsConfig,
    /// Where the `POST` receiver of back-channel logouts is mounted, when
    /// some issuer has a `logout_client_id`. Default: `"/backchannel-logout"`.
    pub logout_path: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            leeway: Duration::from_secs(30),
            max_token_bytes: 8192,
            header_prefix: "Bearer".into(),
            realm: "api".into(),
            fetch_timeout: Duration::from_secs(5),
            max_jwks_bytes: 256 * 1024,
            refetch_cooldown: Duration::from_secs(30),
            min_refresh: Duration::from_secs(60),
            max_refresh: Duration::from_secs(3600),
            token_cache_size: 4096,
            introspection_cache_ttl: Duration::from_secs(60),
            introspection_cache_size: 10_000,
            introspection_rate: 100,
            tenant_cache_size: 1000,
            tenant_discoveries: 10,
            resource: None,
            resource_name: None,
            resource_documentation: None,
            resource_scopes: Vec::new(),
            issuers: BTreeMap::new(),
            local: None,
            store: StoreConfig::default(),
            dpop: DpopConfig::default(),
            mtls: MtlsConfig::default(),
            logout_path: "/backchannel-logout".into(),
        }
    }
}

/// What a token's `aud` must hold.
///
/// In TOML: a string, a list of strings, or `false`. The default, an empty
/// list, stands for the API's `resource`.
///
/// ```
/// use jwt_guard::config::Audience;
///
/// assert_eq!(Audience::from("api"), Audience::OneOf(vec!["api".into()]));
/// assert_eq!(Audience::from(["a", "b"]), Audience::OneOf(vec!["a".into(), "b".into()]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Audience {
    /// The token's `aud` must hold at least one of these.
    OneOf(Vec<String>),
    /// `audience = false`: the token's `aud` is not checked.
    Unchecked,
}

impl Default for Audience {
    /// No audience yet: the API's `resource` becomes it.
    fn default() -> Self {
        Self::OneOf(Vec::new())
    }
}

impl From<&str> for Audience {
    fn from(audience: &str) -> Self {
        Self::OneOf(vec![audience.into()])
    }
}

impl From<String> for Audience {
    fn from(audience: String) -> Self {
        Self::OneOf(vec![audience])
    }
}

impl<const N: usize> From<[&str; N]> for Audience {
    fn from(audiences: [&str; N]) -> Self {
        Self::OneOf(audiences.into_iter().map(Into::into).collect())
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Names(OneOrMany),
            Flag(bool),
        }
        match Raw::deserialize(deserializer) {
            Ok(Raw::Names(names)) => Ok(Self::OneOf(names.into())),
            Ok(Raw::Flag(false)) => Ok(Self::Unchecked),
            Ok(Raw::Flag(true)) | Err(_) => Err(de::Error::custom("expected a string, a list of strings, or `false`")),
        }
    }
}

/// The token type an issuer's tokens must declare in their `typ` header;
/// see [`IssuerConfig::token_type`].
///
/// ```
/// use jwt_guard::config::{Config, IssuerConfig, TokenType};
/// use jwt_guard::{AuthError, error::TokenProblem, verify::Verifier};
/// # use jwt_guard::{issuer::SigningKey, verify::Algorithm};
/// # let key = SigningKey::generate(Algorithm::EdDSA)?;
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
/// # let claims = serde_json::json!({ "iss": "https://id.example.com/", "aud": "api", "exp": 4e9 });
/// # let claims = claims.as_object().unwrap();
///
/// // `token_type = "at+jwt"` in Rocket.toml:
/// let strict = IssuerConfig::new("https://id.example.com/", "api").token_type(TokenType::AtJwt);
/// let mut config = Config::default();
/// config.issuers.insert("id".into(), strict.inline_jwks(jwks));
/// let verifier = Verifier::new(&config)?;
/// // An ID token whose `aud` happens to be this API says `JWT`: refused.
/// let refused = rocket::execute(verifier.verify(&key.sign("JWT", claims)?)).unwrap_err();
/// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::WrongType));
/// assert!(rocket::execute(verifier.verify(&key.sign("at+jwt", claims)?)).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum TokenType {
    /// `at+jwt`: a JWT access token (RFC 9068). `application/at+jwt` is
    /// accepted too, in any letter case.
    #[serde(rename = "at+jwt")]
    AtJwt,
}

/// The claim that carries a token's scopes.
///
/// Whichever it is, the claim may be a space-delimited string (RFC 6749
/// section 3.3, as Auth0's `scope` and Entra ID's `scp`) or an array of
/// strings (as Okta's `scp` and Auth0's `permissions`).
///
/// ```
/// use jwt_guard::config::{Config, IssuerConfig, ScopeClaim};
/// use jwt_guard::verify::Verifier;
/// # use jwt_guard::{issuer::SigningKey, verify::Algorithm};
/// # let key = SigningKey::generate(Algorithm::EdDSA)?;
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
///
/// // `scope_claim = "scp"` in Rocket.toml:
/// let okta = IssuerConfig::new("https://acme.okta.com/oauth2/default", "api://default").scope_claim(ScopeClaim::Scp);
/// let mut config = Config::default();
/// config.issuers.insert("okta".into(), okta.inline_jwks(jwks));
/// # let iss = "https://acme.okta.com/oauth2/default";
/// # let scp = ["reports:read", "reports:write"];
/// # let claims = serde_json::json!({ "iss": iss, "aud": "api://default", "exp": 4e9, "scp": scp });
/// # let okta_token = key.sign("at+jwt", claims.as_object().unwrap())?;
/// // Okta's `scp` is an array; Entra ID's a space-delimited string: both are read.
/// let token = rocket::execute(Verifier::new(&config)?.verify(&okta_token))?;
/// assert_eq!(token.scopes(), ["reports:read", "reports:write"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ScopeClaim {
    /// `scope`, the RFC 8693 / RFC 9068 claim.
    #[default]
    Scope,
    /// `scp`, used by Okta and Entra ID.
    Scp,
    /// `permissions`, used by Auth0's RBAC.
    Permissions,
}

impl ScopeClaim {
    /// The claim's JSON name.
    ///
    /// ```
    /// use jwt_guard::config::{IssuerConfig, ScopeClaim};
    /// use serde_json::{Map, json};
    ///
    /// // An app's tests mint tokens with the scopes where its issuer keeps them:
    /// let auth0 = IssuerConfig::new("https://acme.eu.auth0.com/", "reports-api").scope_claim(ScopeClaim::Permissions);
    /// let mut claims = Map::new();
    /// claims.insert(auth0.scope_claim.name().into(), json!(["reports:read"]));
    /// assert_eq!(claims["permissions"], json!(["reports:read"]));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Scope => "scope",
            Self::Scp => "scp",
            Self::Permissions => "permissions",
        }
    }
}

impl fmt::Display for ScopeClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an issuer keeps roles: its `roles_claim`, one place or a list.
///
/// Each place is a top-level claim by name (`roles`, `groups`,
/// `https://example.com/roles`), or, starting with `/`, a JSON Pointer
/// (RFC 6901) into nested claims: Keycloak's `/realm_access/roles` and
/// `/resource_access/<client>/roles`. Default: `roles`.
///
/// ```
/// use jwt_guard::config::RolesClaim;
///
/// let keycloak = RolesClaim::from(["/realm_access/roles", "/resource_access/reports-api/roles"]);
/// let okta = RolesClaim::from(["groups"]);
/// # let _ = (keycloak, okta);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesClaim(
    /// The places, in order: claim names or JSON Pointers.
    pub Vec<String>,
);

impl Default for RolesClaim {
    fn default() -> Self {
        Self(vec!["roles".into()])
    }
}

impl<const N: usize> From<[&str; N]> for RolesClaim {
    fn from(places: [&str; N]) -> Self {
        Self(places.into_iter().map(Into::into).collect())
    }
}

impl<'de> Deserialize<'de> for RolesClaim {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OneOrMany::deserialize(deserializer)
            .map(|places| Self(places.into()))
            .map_err(|_| de::Error::custom("expected a claim name or JSON Pointer, or a list of them"))
    }
}

/// The values a claim that an issuer's tokens must carry may have: one,
/// or a list (in TOML, a string or an array of strings). See
/// [`IssuerConfig::required_claims`].
///
/// ```
/// use jwt_guard::config::ClaimValues;
///
/// assert_eq!(ClaimValues::from("access"), ClaimValues(vec!["access".into()]));
/// assert_eq!(ClaimValues::from(["web", "cli"]).0, ["web", "cli"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimValues(
    /// The values, any one of which the claim may have.
    pub Vec<String>,
);

impl From<&str> for ClaimValues {
    fn from(value: &str) -> Self {
        Self(vec![value.to_owned()])
    }
}

impl From<String> for ClaimValues {
    fn from(value: String) -> Self {
        Self(vec![value])
    }
}

impl From<Vec<String>> for ClaimValues {
    fn from(values: Vec<String>) -> Self {
        Self(values)
    }
}

impl<const N: usize> From<[&str; N]> for ClaimValues {
    fn from(values: [&str; N]) -> Self {
        Self(values.into_iter().map(Into::into).collect())
    }
}

impl<'de> Deserialize<'de> for ClaimValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OneOrMany::deserialize(deserializer)
            .map(|values| Self(values.into()))
            .map_err(|_| de::Error::custom("expected a string or a list of strings"))
    }
}

/// A string or a list of them, as several settings may be given.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrMany> for Vec<String> {
    fn from(names: OneOrMany) -> Self {
        match names {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let seconds = f64::deserialize(deserializer)?;
    Duration::try_from_secs_f64(seconds).map_err(|_| de::Error::custom("expected a non-negative number of seconds"))
}

fn optional_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    seconds(deserializer).map(Some)
}
