//! What the API says of itself, written from its configuration so that it
//! never disagrees with what is enforced: its protected-resource metadata
//! (RFC 9728), and its issuers as its OpenAPI document names them. The
//! scopes of its routes come from the Rocket wing, which knows the routes.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::algorithm::AlgorithmSet;
use crate::config::{IssuerSettings, ResourceSettings};
#[cfg(feature = "openapi")]
use crate::keys::{KeyLocation, RemoteLocation};

/// The API's description.
#[derive(Debug)]
pub(crate) struct ApiDescription {
    /// The API as a protected resource, when `resource` is set.
    resource: Option<ResourceSettings>,
    /// Every trusted issuer, the built-in one included.
    pub(crate) issuers: Vec<DescribedIssuer>,
    /// The algorithms accepted from any issuer.
    algorithms: AlgorithmSet,
    /// What the API says of sender-constrained tokens.
    binding: BindingDescription,
}

/// What the protected-resource metadata says of sender-constrained
/// tokens (RFC 9728 section 2).
#[derive(Debug, Clone)]
pub(crate) struct BindingDescription {
    /// The algorithms of DPoP proofs, when some issuer's tokens may be
    /// DPoP-bound.
    pub(crate) dpop_algorithms: Option<AlgorithmSet>,
    /// Whether every issuer's tokens must be DPoP-bound.
    pub(crate) dpop_required: bool,
    /// Whether certificate-bound tokens can be checked: a TLS listener
    /// with client certificates, or a trusted header.
    pub(crate) certificates: bool,
}

/// A trusted issuer, as the API's descriptions name it.
#[derive(Debug)]
pub(crate) struct DescribedIssuer {
    /// Its `issuer`: the `iss` of its tokens, or a template of them.
    #[cfg(feature = "openapi")]
    pub(crate) issuer: String,
    /// The authorization servers it stands for, as RFC 9728 lists them:
    /// the issuer, or the issuers of a template's listed tenants (none
    /// when it admits any tenant: a template is no issuer identifier).
    authorization_servers: Vec<String>,
    /// The name that policies use.
    #[cfg(feature = "openapi")]
    pub(crate) name: String,
    /// Its OIDC discovery document, when its keys are found through it
    /// (a template's are found per tenant).
    #[cfg(feature = "openapi")]
    pub(crate) discovery: Option<String>,
}

impl ApiDescription {
    /// The description of an API that is `resource` (if set) and trusts
    /// `issuers`.
    pub(crate) fn new(
        resource: Option<ResourceSettings>,
        issuers: &[IssuerSettings],
        binding: BindingDescription,
    ) -> Self {
        Self {
            resource,
            binding,
            issuers: issuers.iter().map(DescribedIssuer::new).collect(),
            algorithms: issuers.iter().fold(AlgorithmSet::default(), |all, issuer| all.union(issuer.algorithms)),
        }
    }

    /// The URL of the protected-resource metadata, which challenges name.
    pub(crate) fn metadata_url(&self) -> Option<&str> {
        Some(&self.resource.as_ref()?.metadata_url)
    }

    /// The path of the protected-resource metadata on this server.
    #[cfg(feature = "rocket")]
    pub(crate) fn metadata_path(&self) -> Option<&str> {
        Some(&self.resource.as_ref()?.metadata_path)
    }

    /// The protected-resource metadata, whose `scopes_supported` are
    /// `route_scopes` (the scopes that the mounted routes' policies name)
    /// and the configured ones. Members without a value are left out
    /// (RFC 9728 section 3.2).
    pub(crate) fn metadata<'s>(&self, route_scopes: impl IntoIterator<Item = &'s str>) -> Option<Value> {
        let resource = self.resource.as_ref()?;
        let mut scopes: BTreeSet<&str> = resource.scopes.iter().map(String::as_str).collect();
        for scope in route_scopes {
            scopes.insert(scope);
        }
        let issuers: Vec<&str> =
            self.issuers.iter().flat_map(|issuer| &issuer.authorization_servers).map(String::as_str).collect();
        let algorithms: Vec<&str> = self.algorithms.iter().map(|alg| alg.name()).collect();
        let mut document = Map::new();
        let mut put = |name: &str, value: Value| {
            document.insert(name.to_owned(), value);
        };
        put("resource", json!(resource.identifier));
        if !issuers.is_empty() {
            put("authorization_servers", json!(issuers));
        }
        if !scopes.is_empty() {
            put("scopes_supported", json!(scopes));
        }
        put("bearer_methods_supported", json!(["header"]));
        // Not a registered member: the algorithms accepted on access tokens.
        put("token_signing_alg_values_supported", json!(algorithms));
        let binding = &self.binding;
        if let Some(dpop) = binding.dpop_algorithms {
            let algorithms: Vec<&str> = dpop.iter().map(|alg| alg.name()).collect();
            put("dpop_signing_alg_values_supported", json!(algorithms));
            put("dpop_bound_access_tokens_required", json!(binding.dpop_required));
        }
        if binding.certificates {
            put("tls_client_certificate_bound_access_tokens", json!(true));
        }
        if let Some(name) = &resource.name {
            put("resource_name", json!(name));
        }
        if let Some(documentation) = &resource.documentation {
            put("resource_documentation", json!(documentation));
        }
        Some(Value::Object(document))
    }
}

impl DescribedIssuer {
    fn new(settings: &IssuerSettings) -> Self {
        let authorization_servers = match &settings.tenants {
            Some(template) => template.listed_issuers().collect(),
            None => vec![settings.issuer.clone()],
        };
        Self {
            #[cfg(feature = "openapi")]
            issuer: settings.issuer.clone(),
            authorization_servers,
            #[cfg(feature = "openapi")]
            name: settings.name.clone(),
            #[cfg(feature = "openapi")]
            discovery: match &settings.keys {
                KeyLocation::Remote(RemoteLocation::Discovery { document, .. }) if settings.tenants.is_none() => {
                    Some(document.to_string())
                }
                _ => None,
            },
        }
    }
}
