//! Issuers resolved per request: an issuer template whose `issuer` holds
//! `{tenant}` (Entra ID's `https://login.microsoftonline.com/{tenant}/v2.0`),
//! and the tenants it admits.
//!
//! `{tenant}` may stand in the path, or be the first label of the host
//! under a fixed domain (Auth0's `https://{tenant}.eu.auth0.com/`), never
//! elsewhere: a tenant taken from a token must not choose the host, port
//! or scheme that keys are fetched from.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::error::ConfigError;

/// The placeholder of an issuer template.
pub(crate) const TENANT: &str = "{tenant}";

/// The tenants of an issuer template: its `tenants`.
///
/// In TOML: a list of tenant ids, or `"any"`.
///
/// ```
/// use jwt_guard::config::{Config, IssuerConfig, Tenants};
/// use jwt_guard::{AuthError, error::TokenProblem, verify::Verifier};
/// # let key = jwt_guard::issuer::SigningKey::generate(jwt_guard::verify::Algorithm::EdDSA)?;
/// # let iss = "https://login.microsoftonline.com/tailspin/v2.0";
/// # let claims = serde_json::json!({ "iss": iss, "aud": "6e74172b-be56-4843-9ff4-e66a39bb12e3", "exp": 4e9 });
/// # let tailspin_token = key.sign("at+jwt", claims.as_object().unwrap())?;
///
/// // `tenants = ["contoso", "fabrikam"]` in Rocket.toml; a v2.0 token's
/// // `aud` is the API's application (client) id:
/// let entra = IssuerConfig::new("https://login.microsoftonline.com/{tenant}/v2.0", "6e74172b-be56-4843-9ff4-e66a39bb12e3")
///     .tenants(Tenants::Only(vec!["contoso".into(), "fabrikam".into()]));
/// let mut config = Config::default();
/// config.issuers.insert("entra".into(), entra);
/// // Another tenant's token is refused before anything is fetched.
/// let refused = rocket::execute(Verifier::new(&config)?.verify(&tailspin_token)).unwrap_err();
/// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::UntrustedIssuer));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tenants {
    /// These tenants only; any other is refused before anything is
    /// fetched.
    Only(Vec<String>),
    /// `"any"`: every tenant whose issuer answers discovery. Dangerous:
    /// any organization that signs up with the provider gets in, unless a
    /// policy or `check` refuses it; made-up tenants cost at most twice
    /// `tenant_discoveries` fetches per `refetch_cooldown`.
    Any,
}

impl<'de> Deserialize<'de> for Tenants {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            Word(String),
        }
        match Raw::deserialize(deserializer) {
            Ok(Raw::List(tenants)) => Ok(Self::Only(tenants)),
            Ok(Raw::Word(word)) if word == "any" => Ok(Self::Any),
            _ => Err(de::Error::custom("expected a list of tenants, or \"any\"")),
        }
    }
}

/// An issuer template, after checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TenantSettings {
    /// What comes before `{tenant}` in `issuer`.
    pub(crate) prefix: String,
    /// What comes after it.
    pub(crate) suffix: String,
    /// The admitted tenants; `None` for any.
    pub(crate) allowed: Option<BTreeSet<String>>,
    /// Whether the tenant is a label of a host (in `issuer` or
    /// `jwks_uri`), so that it must be one DNS label.
    pub(crate) in_host: bool,
}

/// Where `{tenant}` stands in a URL template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In the path.
    Path,
    /// The first label of the host, under a fixed domain.
    Subdomain,
}

/// Where `{tenant}` stands in `template`, which holds it once, or why it
/// may not stand there.
fn place_of_tenant(template: &str) -> Result<Place, &'static str> {
    const ELSEWHERE: &str = "`{tenant}` may stand in the path, or be the first label of the host under a fixed \
                             domain (`https://{tenant}.auth.example.com/`), nowhere else";
    let (before, after) = template.split_once(TENANT).ok_or(ELSEWHERE)?;
    let authority_before = before.split_once("://").ok_or(ELSEWHERE)?.1;
    if before.contains(['?', '#']) {
        return Err(ELSEWHERE);
    }
    if authority_before.contains('/') {
        return Ok(Place::Path);
    }
    let domain = after.strip_prefix('.').filter(|_| authority_before.is_empty()).ok_or(ELSEWHERE)?;
    let host = domain.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.split_once(':').map_or(host, |(host, _port)| host);
    let labels: Vec<&str> = host.split('.').collect();
    let fixed = labels.len() >= 2 && labels.iter().all(|label| is_dns_label(label)) && !host.contains('@');
    if !fixed {
        return Err("a `{tenant}` label needs a fixed domain of two labels or more after it \
                    (`https://{tenant}.auth.example.com/`)");
    }
    Ok(Place::Subdomain)
}

/// Whether `text` is one DNS label: letters, digits and inner `-`, at
/// most 63.
fn is_dns_label(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

impl TenantSettings {
    /// The template `issuer` of the issuer `name`, with keys at
    /// `jwks_uri` (which may hold `{tenant}` too), admitting `tenants`.
    pub(crate) fn new(
        name: &str,
        issuer: &str,
        jwks_uri: Option<&str>,
        tenants: &Tenants,
    ) -> Result<Self, ConfigError> {
        let key = |field: &str| format!("issuers.{name}.{field}");
        let Some((prefix, suffix)) = issuer.split_once(TENANT).filter(|(_, suffix)| !suffix.contains(TENANT)) else {
            let problem = "an issuer with `tenants` needs one `{tenant}` in `issuer`";
            return Err(ConfigError { key: key("issuer"), problem: problem.into() });
        };
        let place = |field: &str, template: &str| {
            place_of_tenant(template).map_err(|problem| ConfigError { key: key(field), problem: problem.into() })
        };
        let mut in_host = place("issuer", issuer)? == Place::Subdomain;
        if jwks_uri.is_some_and(|uri| !uri.contains(TENANT)) {
            let problem = "a template's keys are each tenant's own: give `jwks_uri` with `{tenant}`, or leave it out \
                           to find each tenant's keys by its discovery document";
            return Err(ConfigError { key: key("jwks_uri"), problem: problem.into() });
        }
        if let Some(jwks_uri) = jwks_uri.filter(|uri| uri.contains(TENANT)) {
            if jwks_uri.matches(TENANT).count() > 1 {
                let problem = "a `jwks_uri` holds `{tenant}` once at most";
                return Err(ConfigError { key: key("jwks_uri"), problem: problem.into() });
            }
            in_host |= place("jwks_uri", jwks_uri)? == Place::Subdomain;
        }
        let allowed = match tenants {
            Tenants::Any => None,
            Tenants::Only(list) => {
                if let Some(bad) = list.iter().find(|tenant| !is_tenant_id(tenant, in_host)) {
                    let problem = if in_host {
                        format!("`{bad}` is not a tenant id of a host: letters, digits and inner `-`, at most 63")
                    } else {
                        format!("`{bad}` is not a tenant id: letters, digits, `-`, `_` and `.`, at most 64")
                    };
                    return Err(ConfigError { key: key("tenants"), problem });
                }
                if list.is_empty() {
                    return Err(ConfigError {
                        key: key("tenants"),
                        problem: "list at least one tenant, or \"any\"".into(),
                    });
                }
                Some(list.iter().cloned().collect())
            }
        };
        Ok(Self { prefix: prefix.to_owned(), suffix: suffix.to_owned(), allowed, in_host })
    }

    /// The issuers of the listed tenants, in their order; none when any
    /// tenant is admitted (they cannot be listed).
    pub(crate) fn listed_issuers(&self) -> impl Iterator<Item = String> + '_ {
        let listed = self.allowed.iter().flatten();
        listed.map(|tenant| format!("{}{tenant}{}", self.prefix, self.suffix))
    }

    /// The tenant that `iss` names, if it fits the template and is
    /// admitted.
    pub(crate) fn tenant_of<'i>(&self, iss: &'i str) -> Option<&'i str> {
        let tenant = iss.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        let admitted = self.allowed.as_ref().is_none_or(|allowed| allowed.contains(tenant));
        (is_tenant_id(tenant, self.in_host) && admitted).then_some(tenant)
    }
}

/// Whether `text` can be a tenant id: it becomes part of a URL, and one
/// label of a host when `in_host`.
fn is_tenant_id(text: &str, in_host: bool) -> bool {
    if in_host {
        return is_dns_label(text);
    }
    !text.is_empty()
        && text.len() <= 64
        && text != "."
        && text != ".."
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_admits_the_listed_tenants_of_its_shape_only() {
        let tenants = Tenants::Only(vec!["contoso".into(), "fabrikam".into()]);
        let template = TenantSettings::new("entra", "https://login.example.com/{tenant}/v2.0", None, &tenants).unwrap();
        assert_eq!(template.tenant_of("https://login.example.com/contoso/v2.0"), Some("contoso"));
        assert_eq!(template.tenant_of("https://login.example.com/evil/v2.0"), None, "not listed");
        assert_eq!(template.tenant_of("https://login.example.com/contoso/v1.0"), None, "another shape");
        let listed: Vec<String> = template.listed_issuers().collect();
        assert_eq!(listed, ["https://login.example.com/contoso/v2.0", "https://login.example.com/fabrikam/v2.0"]);
        let any = TenantSettings::new("entra", "https://login.example.com/{tenant}/v2.0", None, &Tenants::Any).unwrap();
        assert_eq!(any.listed_issuers().count(), 0, "any tenant: none to list");
        assert_eq!(any.tenant_of("https://login.example.com/anyone/v2.0"), Some("anyone"));
        assert_eq!(any.tenant_of("https://login.example.com/a/b/v2.0"), None, "a tenant is one segment");
        assert_eq!(any.tenant_of("https://login.example.com/../v2.0"), None);
        let error = TenantSettings::new("entra", "https://login.example.com/v2.0", None, &tenants).unwrap_err();
        assert_eq!(error.key, "issuers.entra.issuer");
    }

    #[test]
    fn a_tenant_stands_in_the_path_or_as_a_label_under_a_fixed_domain_only() {
        let any = |issuer: &str, jwks_uri: Option<&str>| TenantSettings::new("t", issuer, jwks_uri, &Tenants::Any);
        for issuer in [
            "https://login.example.com/{tenant}/v2.0",
            "https://login.example.com:8443/tenants/{tenant}",
            "https://{tenant}.eu.auth0.com/",
            "https://{tenant}.okta.com:443/oauth2/default",
        ] {
            assert!(any(issuer, None).is_ok(), "{issuer}");
        }
        let elsewhere = "`{tenant}` may stand in the path, or be the first label of the host under a fixed domain \
                         (`https://{tenant}.auth.example.com/`), nowhere else";
        let unfixed = "a `{tenant}` label needs a fixed domain of two labels or more after it \
                       (`https://{tenant}.auth.example.com/`)";
        for (issuer, problem) in [
            ("http://127.0.0.1:{tenant}", elsewhere),
            ("https://{tenant}/", elsewhere),
            ("https://{tenant}", elsewhere),
            ("https://login.{tenant}.example.com/", elsewhere),
            ("https://login{tenant}.example.com/", elsewhere),
            ("https://{tenant}-login.example.com/", elsewhere),
            ("https://user@{tenant}.example.com/", elsewhere),
            ("{tenant}://login.example.com/", elsewhere),
            ("https://login.example.com?tenant={tenant}", elsewhere),
            ("https://{tenant}.com/", unfixed),
            ("https://{tenant}.example.com@evil.com/", unfixed),
            ("https://{tenant}.:443/", unfixed),
        ] {
            let error = any(issuer, None).expect_err(issuer);
            assert_eq!((error.key.as_str(), error.problem.as_str()), ("issuers.t.issuer", problem), "{issuer}");
        }
        let error = any("https://login.example.com/{tenant}", Some("https://{tenant}:443/keys")).unwrap_err();
        assert_eq!((error.key.as_str(), error.problem.as_str()), ("issuers.t.jwks_uri", elsewhere));
    }

    #[test]
    fn a_tenant_in_a_host_is_one_dns_label() {
        let template = TenantSettings::new("t", "https://{tenant}.auth.example.com/", None, &Tenants::Any).unwrap();
        assert_eq!(template.tenant_of("https://acme.auth.example.com/"), Some("acme"));
        for made_up in
            ["https://a.b.auth.example.com/", "https://a_b.auth.example.com/", "https://-a.auth.example.com/"]
        {
            assert_eq!(template.tenant_of(made_up), None, "{made_up}");
        }
        let keys_by_host = Some("https://{tenant}.keys.example.com/jwks");
        let template = TenantSettings::new("t", "https://login.example.com/{tenant}", keys_by_host, &Tenants::Any);
        assert_eq!(
            template.unwrap().tenant_of("https://login.example.com/a.b"),
            None,
            "the keys' host takes one label"
        );
        let listed = Tenants::Only(vec!["a.b".into()]);
        let error = TenantSettings::new("t", "https://{tenant}.auth.example.com/", None, &listed).unwrap_err();
        assert_eq!(error.problem, "`a.b` is not a tenant id of a host: letters, digits and inner `-`, at most 63");
    }
}
