//! Issuers resolved per request: an issuer template whose `issuer` holds
//! `{tenant}` (Entra ID's `https://login.microsoftonline.com/{tenant}/v2.0`),
//! and the tenants it admits.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::error::ConfigError;

/// The placeholder of an issuer template.
pub(crate) const TENANT: &str = "{tenant}";

/// The tenants of an issuer template: its `tenants`.
///
/// In TOML: a list of tenant ids, or `"any"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenants {
    /// These tenants only; any other is refused before anything is
    /// fetched.
    Only(Vec<String>),
    /// `"any"`: every tenant whose issuer answers discovery. Dangerous:
    /// any organization that signs up with the provider gets in, unless a
    /// policy or `check` refuses it; made-up tenants cost at most
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
}

impl TenantSettings {
    /// The template `issuer` of the issuer `name`, admitting `tenants`.
    pub(crate) fn new(name: &str, issuer: &str, tenants: &Tenants) -> Result<Self, ConfigError> {
        let key = |field: &str| format!("issuers.{name}.{field}");
        let Some((prefix, suffix)) = issuer.split_once(TENANT).filter(|(_, suffix)| !suffix.contains(TENANT)) else {
            let problem = "an issuer with `tenants` needs one `{tenant}` in `issuer`";
            return Err(ConfigError { key: key("issuer"), problem: problem.into() });
        };
        let allowed = match tenants {
            Tenants::Any => None,
            Tenants::Only(list) => {
                if let Some(bad) = list.iter().find(|tenant| !is_tenant_id(tenant)) {
                    let problem = format!("`{bad}` is not a tenant id: letters, digits, `-`, `_` and `.`, at most 64");
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
        Ok(Self { prefix: prefix.to_owned(), suffix: suffix.to_owned(), allowed })
    }

    /// The tenant that `iss` names, if it fits the template and is
    /// admitted.
    pub(crate) fn tenant_of<'i>(&self, iss: &'i str) -> Option<&'i str> {
        let tenant = iss.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        let admitted = self.allowed.as_ref().is_none_or(|allowed| allowed.contains(tenant));
        (is_tenant_id(tenant) && admitted).then_some(tenant)
    }
}

/// Whether `text` can be a tenant id: it becomes part of a URL.
pub(crate) fn is_tenant_id(text: &str) -> bool {
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
        let template = TenantSettings::new("entra", "https://login.example.com/{tenant}/v2.0", &tenants).unwrap();
        assert_eq!(template.tenant_of("https://login.example.com/contoso/v2.0"), Some("contoso"));
        assert_eq!(template.tenant_of("https://login.example.com/evil/v2.0"), None, "not listed");
        assert_eq!(template.tenant_of("https://login.example.com/contoso/v1.0"), None, "another shape");
        let any = TenantSettings::new("entra", "https://login.example.com/{tenant}/v2.0", &Tenants::Any).unwrap();
        assert_eq!(any.tenant_of("https://login.example.com/anyone/v2.0"), Some("anyone"));
        assert_eq!(any.tenant_of("https://login.example.com/a/b/v2.0"), None, "a tenant is one segment");
        assert_eq!(any.tenant_of("https://login.example.com/../v2.0"), None);
        let error = TenantSettings::new("entra", "https://login.example.com/v2.0", &tenants).unwrap_err();
        assert_eq!(error.key, "issuers.entra.issuer");
    }
}
