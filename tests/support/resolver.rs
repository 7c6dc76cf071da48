//! An issuer resolver that finds one issuer: the app's tenants as its
//! database would hold a single one.

use jwt_guard::config::IssuerConfig;
use jwt_guard::verify::{IssuerResolver, ResolvedIssuer};

/// Finds the issuer `config` (by its exact `issuer`), as the tenant
/// `tenant`, under the first of `names`; refuses every other `iss`.
pub struct OneIssuer {
    names: &'static [&'static str],
    tenant: &'static str,
    config: IssuerConfig,
}

impl OneIssuer {
    /// The resolver of `config`, whose issuers are named `names` (the
    /// first is this one's), as `tenant`.
    pub fn new(names: &'static [&'static str], tenant: &'static str, config: IssuerConfig) -> Self {
        Self { names, tenant, config }
    }
}

#[jwt_guard::async_trait]
impl IssuerResolver for OneIssuer {
    fn issuer_names(&self) -> &'static [&'static str] {
        self.names
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        let name = self.names.first()?;
        (self.config.issuer == iss).then(|| ResolvedIssuer::new(*name, self.tenant, self.config.clone()))
    }
}
