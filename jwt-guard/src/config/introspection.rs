//! Introspection (RFC 7662): an issuer's `introspect` mode and client
//! credentials, checked into the settings of its introspector.

use reqwest::Url;
use serde::Deserialize;

use super::IssuerConfig;
use super::checks::check;
use crate::error::ConfigError;
use crate::keys::check_scheme;

/// Which of an issuer's tokens are introspected: its `introspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) mode: IntrospectMode,
    /// Whether to ask for RFC 9701 signed responses.
    pub(crate) signed: bool,
    /// Whether plain `http://` is allowed beyond loopback.
    pub(crate) allow_http: bool,
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
        let (client_id, client_secret) = match (&self.client_id, &self.client_secret) {
            (None, None) => {
                check(self.introspection_endpoint.is_none(), &key("introspection_endpoint"), NEEDS_CREDENTIALS)?;
                check(self.introspect == IntrospectMode::Opaque, &key("introspect"), NEEDS_CREDENTIALS)?;
                return Ok(None);
            }
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => (id.clone(), secret.clone()),
            _ => return Err(ConfigError { key: key("client_secret"), problem: BOTH_CREDENTIALS.into() }),
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
            client_id,
            client_secret,
            mode: self.introspect,
            signed: self.signed_introspection,
            allow_http: self.allow_http,
        }))
    }
}

const NEEDS_CREDENTIALS: &str = "introspection needs the API's `client_id` and `client_secret` at the issuer";
const BOTH_CREDENTIALS: &str = "give both `client_id` and `client_secret`, neither empty";
