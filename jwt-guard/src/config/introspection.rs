//! Introspection (RFC 7662): an issuer's `introspect` mode and client
//! credentials, checked into the settings of its introspector.

use std::fmt;

use reqwest::Url;
use serde::Deserialize;

use super::checks::{asymmetric_algorithms, check};
use super::{IssuerConfig, REFRESH_TOKEN_PREFIX, Secret};
use crate::error::ConfigError;
use crate::keys::check_scheme;
use crate::keys::signing::SigningKey;

/// Which of an issuer's tokens are introspected: its `introspect`.
///
/// ```
/// use jwt_guard::{JwtGuard, config::{Config, IntrospectMode, IssuerConfig}};
///
/// // `introspect = "always"`: a session ended at Keycloak ends here within
/// // `introspection_cache_ttl`, not at its tokens' `exp`.
/// let mut keycloak = IssuerConfig::new("https://sso.example.com/realms/acme", "reports-api");
/// keycloak.introspect = IntrospectMode::Always;
/// let mut config = Config::default();
/// config.issuers.insert("keycloak".into(), keycloak.clone());
/// // It asks as the API's client, whose credentials it needs:
/// assert_eq!(JwtGuard::from_config(config.clone()).unwrap_err().key, "issuers.keycloak.introspect");
/// config.issuers.insert("keycloak".into(), keycloak.introspection("reports-api", "secret-from-the-vault"));
/// assert!(JwtGuard::from_config(config).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum IntrospectMode {
    /// `"opaque"` (the default): tokens that are not JWTs. JWTs are
    /// verified with the issuer's keys, as ever.
    #[default]
    Opaque,
    /// `"always"`: JWTs too, after they verify, so that a token revoked at
    /// the provider is refused here (once the cache forgets it).
    Always,
}

/// An issuer's introspection, after checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IntrospectionSettings {
    /// The endpoint; `None` takes it from the discovery document.
    pub(crate) endpoint: Option<Url>,
    /// The discovery document to take it from.
    pub(crate) discovery: Url,
    /// The issuer identifier: the audience of client assertions.
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) credential: ClientCredential,
    pub(crate) mode: IntrospectMode,
    /// What the opaque tokens it claims start with; `None` for all.
    pub(crate) opaque_prefix: Option<String>,
    /// Whether to ask for RFC 9701 signed responses.
    pub(crate) signed: bool,
    /// Whether plain `http://` is allowed beyond loopback.
    pub(crate) allow_http: bool,
    /// Whether a discovered endpoint must be at the discovery document's
    /// origin: for the tenants of a template, which nobody listed one by
    /// one, so that the API's credentials go to no other host.
    pub(crate) discovered_at_own_origin: bool,
}

/// Checks that each opaque token is claimed by one issuer at most: with
/// several issuers that introspect, each names the prefix of its tokens,
/// and no prefix starts another.
pub(crate) fn check_opaque_claims<'i>(
    introspecting: impl Iterator<Item = (&'i str, &'i IntrospectionSettings)>,
) -> Result<(), ConfigError> {
    let claims: Vec<(&str, Option<&str>)> =
        introspecting.map(|(name, settings)| (name, settings.opaque_prefix.as_deref())).collect();
    if claims.len() < 2 {
        return Ok(());
    }
    let key = |name: &str| format!("issuers.{name}.opaque_token_prefix");
    for (name, prefix) in &claims {
        let Some(prefix) = prefix else {
            let problem = "several issuers introspect: each needs the prefix of its opaque tokens, so that a \
                           token is sent to its own issuer only";
            return Err(ConfigError { key: key(name), problem: problem.into() });
        };
        for (other, other_prefix) in &claims {
            if other != name && other_prefix.is_some_and(|other_prefix| other_prefix.starts_with(prefix)) {
                let problem =
                    format!("`{prefix}` also starts the opaque tokens of `{other}`: a token would be claimed twice");
                return Err(ConfigError { key: key(name), problem });
            }
        }
    }
    Ok(())
}

/// How the API proves to an issuer that it is the client `client_id`.
#[derive(Clone)]
pub(crate) enum ClientCredential {
    /// A shared secret, sent with HTTP Basic (`client_secret_basic`).
    Secret(Secret),
    /// A private key that signs an assertion for each request
    /// (`private_key_jwt`, RFC 7523), under the `kid` the issuer knows,
    /// for `audience` (`None`: the issuer identifier).
    PrivateKey { key: Box<SigningKey>, kid: String, audience: Option<String> },
}

/// Two credentials are the same if their secrets are, or their keys have
/// the same thumbprint and `kid`.
impl PartialEq for ClientCredential {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Secret(a), Self::Secret(b)) => a == b,
            (
                Self::PrivateKey { key: a, kid: a_kid, audience: a_audience },
                Self::PrivateKey { key: b, kid: b_kid, audience: b_audience },
            ) => a.kid() == b.kid() && a_kid == b_kid && a_audience == b_audience,
            _ => false,
        }
    }
}

impl Eq for ClientCredential {}

/// Never shows the secret.
impl fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(secret) => f.debug_tuple("Secret").field(secret).finish(),
            Self::PrivateKey { key, kid, audience } => f
                .debug_struct("PrivateKey")
                .field("algorithm", &key.algorithm())
                .field("kid", kid)
                .field("audience", audience)
                .finish(),
        }
    }
}

impl IssuerConfig {
    /// The introspection of the issuer `name`, if it has client
    /// credentials; `discovery` is its discovery document's URL.
    pub(super) fn introspection_settings(
        &self,
        name: &str,
        discovery: Url,
    ) -> Result<Option<IntrospectionSettings>, ConfigError> {
        let key = |field: &str| format!("issuers.{name}.{field}");
        if self.client_key_file.is_none() {
            check(self.client_key_algorithm.is_none(), &key("client_key_algorithm"), NEEDS_KEY_FILE)?;
            check(self.client_key_id.is_none(), &key("client_key_id"), NEEDS_KEY_FILE)?;
            check(self.client_assertion_audience.is_none(), &key("client_assertion_audience"), NEEDS_KEY_FILE)?;
        }
        if self.client_id.is_none() && self.client_secret.is_none() && self.client_key_file.is_none() {
            check(self.introspection_endpoint.is_none(), &key("introspection_endpoint"), NEEDS_CREDENTIALS)?;
            check(self.introspect == IntrospectMode::Opaque, &key("introspect"), NEEDS_CREDENTIALS)?;
            check(self.opaque_token_prefix.is_none(), &key("opaque_token_prefix"), NEEDS_CREDENTIALS)?;
            check(!self.signed_introspection, &key("signed_introspection"), NEEDS_CREDENTIALS)?;
            return Ok(None);
        }
        if self.tenants.is_some() {
            check(self.introspect == IntrospectMode::Always, &key("introspect"), TEMPLATE_INTROSPECTS_JWTS)?;
            check(self.opaque_token_prefix.is_none(), &key("opaque_token_prefix"), TEMPLATE_INTROSPECTS_JWTS)?;
            check(
                self.introspection_endpoint.is_none(),
                &key("introspection_endpoint"),
                "a template's tenants are each introspected at the endpoint that their own discovery document \
                 names, at their own origin: leave `introspection_endpoint` out",
            )?;
        }
        check(
            self.opaque_token_prefix.as_ref().is_none_or(|prefix| !prefix.is_empty()),
            &key("opaque_token_prefix"),
            "must not be empty; leave it out to claim every opaque token",
        )?;
        check(
            self.opaque_token_prefix.as_ref().is_none_or(|prefix| !prefix.starts_with(REFRESH_TOKEN_PREFIX)),
            &key("opaque_token_prefix"),
            "must not start with `jgrt_`, which starts the built-in issuer's refresh tokens: each is refused as an \
             access token, never sent to an issuer",
        )?;
        let client_id = self.client_id.clone().filter(|id| !id.is_empty());
        let client_id =
            client_id.ok_or_else(|| ConfigError { key: key("client_id"), problem: NEEDS_CLIENT_ID.into() })?;
        let credential = match (&self.client_secret, &self.client_key_file) {
            (Some(secret), None) if !secret.expose().is_empty() => ClientCredential::Secret(secret.clone()),
            (None, Some(path)) => self.client_key(path, &key)?,
            _ => return Err(ConfigError { key: key("client_secret"), problem: ONE_CREDENTIAL.into() }),
        };
        let endpoint = self
            .introspection_endpoint
            .as_deref()
            .map(|text| {
                let url = Url::parse(text).map_err(|error| ConfigError {
                    key: key("introspection_endpoint"),
                    problem: format!("is not a URL: {error}"),
                })?;
                check_scheme(&url, self.allow_http)
                    .map_err(|problem| ConfigError { key: key("introspection_endpoint"), problem })?;
                Ok(url)
            })
            .transpose()?;
        Ok(Some(IntrospectionSettings {
            endpoint,
            discovery,
            issuer: self.issuer.clone(),
            client_id,
            credential,
            mode: self.introspect,
            opaque_prefix: self.opaque_token_prefix.clone(),
            signed: self.signed_introspection,
            allow_http: self.allow_http,
            discovered_at_own_origin: false,
        }))
    }

    /// The private key of `client_key_file` at `path`, with its `kid`.
    fn client_key(
        &self,
        path: &std::path::Path,
        key: &dyn Fn(&str) -> String,
    ) -> Result<ClientCredential, ConfigError> {
        let name = self.client_key_algorithm.clone().unwrap_or_else(|| "RS256".into());
        let alg = asymmetric_algorithms(&[name], "`private_key_jwt` signs with a private key")
            .and_then(|algorithms| algorithms.iter().next().ok_or_else(|| "name one algorithm".to_owned()))
            .map_err(|problem| ConfigError { key: key("client_key_algorithm"), problem })?;
        let pem = std::fs::read(path).map_err(|io| ConfigError {
            key: key("client_key_file"),
            problem: format!("cannot read {}: {io}", path.display()),
        })?;
        let private = SigningKey::from_pem(alg, &pem)
            .map_err(|problem| ConfigError { key: key("client_key_file"), problem: problem.to_string() })?;
        let kid = match &self.client_key_id {
            Some(kid) if kid.is_empty() => {
                return Err(ConfigError { key: key("client_key_id"), problem: "must not be empty".into() });
            }
            Some(kid) => kid.clone(),
            None => private.kid().to_owned(),
        };
        let audience = self.client_assertion_audience.clone();
        check(
            audience.as_ref().is_none_or(|audience| !audience.is_empty()),
            &key("client_assertion_audience"),
            "must not be empty",
        )?;
        Ok(ClientCredential::PrivateKey { key: Box::new(private), kid, audience })
    }
}

const NEEDS_CREDENTIALS: &str =
    "introspection needs the API's `client_id` at the issuer, with `client_secret` or `client_key_file`";
const NEEDS_CLIENT_ID: &str = "the API's client credentials need the `client_id` they belong to";
const ONE_CREDENTIAL: &str = "give `client_secret` or `client_key_file` (one, not both, and not empty)";
const NEEDS_KEY_FILE: &str = "goes with `client_key_file`";
const TEMPLATE_INTROSPECTS_JWTS: &str = "an opaque token names no tenant, so none is sent to a template: with \
                                         client credentials, a template introspects its tenants' JWTs, with \
                                         `introspect = \"always\"`";
