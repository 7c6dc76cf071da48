//! The checked settings that more than one part of the configuration
//! produces or falls back on: one trusted issuer's ([`IssuerSettings`],
//! of a configured issuer, a tenant, or the built-in issuer), and the
//! [`Defaults`] that the checks fall back on.

use std::time::Duration;

use reqwest::Url;

use super::tenants::TENANT;
use super::{Audience, DpopMode, IntrospectionSettings, ScopeClaim, TenantSettings, TokenType};
use crate::algorithm::AlgorithmSet;
use crate::keys::{KeyLocation, RedirectPolicy, RemoteLocation, check_scheme, discovery_url};

/// One trusted issuer after every check.
#[derive(Debug, Clone)]
pub(crate) struct IssuerSettings {
    /// The name policies use.
    pub(crate) name: String,
    /// The exact `iss` of its tokens.
    pub(crate) issuer: String,
    /// Other `iss` values of its tokens.
    pub(crate) aliases: Vec<String>,
    pub(crate) audience: Audience,
    pub(crate) keys: KeyLocation,
    pub(crate) algorithms: AlgorithmSet,
    pub(crate) scope_claim: ScopeClaim,
    /// Where roles are kept: each place as the members to walk from the
    /// claims (a claim name is a walk of one).
    pub(crate) roles: Vec<Vec<String>>,
    /// Where redirects of remote key URLs may lead.
    pub(crate) redirects: RedirectPolicy,
    /// The `typ` its tokens must declare, if any.
    pub(crate) token_type: Option<TokenType>,
    /// The longest `exp - iat` accepted, if bounded.
    pub(crate) max_lifetime: Option<Duration>,
    /// The claims each token must carry, each with one of its values.
    pub(crate) required_claims: Vec<RequiredClaim>,
    /// Whether its tokens may, or must, be DPoP-bound.
    pub(crate) dpop: DpopMode,
    /// How its tokens are introspected, if they are.
    pub(crate) introspection: Option<IntrospectionSettings>,
    /// The tenants it admits, when it is a template.
    pub(crate) tenants: Option<TenantSettings>,
    /// A template's `jwks_uri`, with `{tenant}`.
    pub(crate) jwks_uri_template: Option<String>,
    /// The client id its logout tokens are addressed to, if it sends them.
    pub(crate) logout_client_id: Option<String>,
}

/// A claim that each token of an issuer must carry, with one of `values`.
#[derive(Debug, Clone)]
pub(crate) struct RequiredClaim {
    /// As configured: a claim name, or a JSON Pointer.
    pub(crate) name: String,
    /// The members to walk from the claims to it.
    pub(crate) place: Vec<String>,
    pub(crate) values: Vec<String>,
}

impl IssuerSettings {
    /// The settings of the tenant of a template whose tokens say
    /// `iss = issuer`: its keys at `jwks_uri` with the tenant, or found
    /// by discovery from `issuer`, as its introspection endpoint is.
    pub(crate) fn for_tenant(&self, issuer: &str, tenant: &str) -> Result<Self, String> {
        let issuer_url = Url::parse(issuer).map_err(|error| format!("`{issuer}` is not a URL: {error}"))?;
        check_scheme(&issuer_url, self.redirects.allow_http)?;
        let keys = match &self.jwks_uri_template {
            Some(template) => {
                let url = Url::parse(&template.replace(TENANT, tenant)).map_err(|error| error.to_string())?;
                check_scheme(&url, self.redirects.allow_http)?;
                RemoteLocation::Jwks(url)
            }
            None => RemoteLocation::discovered(&issuer_url, self.redirects.allow_http),
        };
        let introspection = self.introspection.clone().map(|introspection| IntrospectionSettings {
            discovery: discovery_url(&issuer_url),
            issuer: issuer.to_owned(),
            discovered_at_own_origin: true,
            ..introspection
        });
        Ok(Self {
            issuer: issuer.to_owned(),
            keys: KeyLocation::Remote(keys),
            introspection,
            tenants: None,
            jwks_uri_template: None,
            ..self.clone()
        })
    }
}

/// What settings fall back on where the configuration is silent, and the
/// build they are for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults<'a> {
    /// The app's own address: the built-in issuer's default `iss`.
    pub(crate) own_address: &'a str,
    /// Whether this is a debug build, where the built-in issuer may
    /// generate a key, and `resource` may be a loopback `http` URL.
    pub(crate) debug_build: bool,
    /// Whether the server's own TLS listener asks clients for
    /// certificates (Rocket's `tls.mutual`, with the `mtls` feature).
    pub(crate) client_certificates: bool,
    /// Whether an [`IssuerResolver`](crate::verify::IssuerResolver) is
    /// plugged in, which finds issuers that the configuration need not
    /// name.
    pub(crate) issuer_resolver: bool,
}

impl Defaults<'static> {
    /// The defaults of a verifier built outside Rocket: `iss` is
    /// `http://127.0.0.1:8000`, and a debug build may generate a key.
    pub(crate) const STANDALONE: Self = Self {
        own_address: "http://127.0.0.1:8000",
        debug_build: cfg!(debug_assertions),
        client_certificates: false,
        issuer_resolver: false,
    };
}
