//! [`JwtGuardBuilder`], the one way to assemble a [`JwtGuard`]: its
//! configuration (Rocket's `jwt_guard` table, or one set in code) and what
//! the app plugs in (an authenticator for the built-in issuer, a revocation
//! list, an issuer resolver). Outside Rocket it [`build`]s the guard; in
//! Rocket it is the fairing that builds it at ignite.
//!
//! [`build`]: JwtGuardBuilder::build

use std::sync::Arc;

use crate::config::{Config, Defaults, IssuerConfig, LocalIssuerConfig};
use crate::error::ConfigError;
use crate::guard::{AppHooks, JwtGuard};
use crate::issuer::Authenticator;
use crate::observe::AuthObserver;
use crate::verify::{IssuerResolver, RevocationList};

impl JwtGuard {
    /// The builder of a `JwtGuard`. Attached to Rocket as it is
    /// ([`JwtGuard::fairing`] is the same), it reads the `jwt_guard` table of
    /// Rocket's configuration at ignite; once given a configuration in code
    /// ([`config`](JwtGuardBuilder::config),
    /// [`configure`](JwtGuardBuilder::configure),
    /// [`issuer`](JwtGuardBuilder::issuer)), it uses that instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    ///
    /// let guard = JwtGuard::builder()
    ///     .issuer("auth0", IssuerConfig::new("https://tenant.example.com/", "https://api.example.com"))
    ///     .configure(|config| config.leeway = Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn builder() -> JwtGuardBuilder {
        JwtGuardBuilder { config: None, hooks: AppHooks::default() }
    }

    /// A `JwtGuard` for `config`, checked; no key is fetched yet: the
    /// same as `JwtGuard::builder().config(config).build()`.
    ///
    /// # Errors
    ///
    /// The first bad value of `config`, by its key.
    pub fn from_config(config: Config) -> Result<Self, ConfigError> {
        Self::builder().config(config).build()
    }
}

/// Assembles a [`JwtGuard`]; see [`JwtGuard::builder`].
#[must_use = "a builder does nothing until it is built or attached"]
#[derive(Clone)]
pub struct JwtGuardBuilder {
    /// The configuration set in code; `None` reads Rocket's (or, when
    /// built outside Rocket, takes the defaults).
    config: Option<Config>,
    pub(crate) hooks: AppHooks,
}

impl std::fmt::Debug for JwtGuardBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtGuardBuilder")
            .field("config", &self.config)
            .field("authenticator", &self.hooks.authenticator.is_some())
            .field("revocations", &self.hooks.revocations.is_some())
            .field("resolver", &self.hooks.resolver.is_some())
            .finish()
    }
}

impl JwtGuardBuilder {
    /// Uses `config`, instead of Rocket's `jwt_guard` table.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Changes the configuration in code: any setting of [`Config`], on
    /// top of the defaults (or of the configuration given before).
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::JwtGuard;
    ///
    /// let builder = JwtGuard::builder().configure(|config| {
    ///     config.token_cache_size = 50_000;
    ///     config.refetch_cooldown = Duration::from_secs(60);
    /// });
    /// ```
    pub fn configure(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(self.config.get_or_insert_with(Config::default));
        self
    }

    /// Trusts the issuer `name`, in the configuration set in code.
    pub fn issuer(self, name: impl Into<String>, issuer: IssuerConfig) -> Self {
        self.configure(|config| {
            config.issuers.insert(name.into(), issuer);
        })
    }

    /// Logs users in with `authenticator` at `POST {auth_path}` of the
    /// built-in issuer, which this enables with its defaults when the
    /// configuration has no `[jwt_guard.local]`.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::issuer::{Grant, StaticUsers};
    ///
    /// let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    /// let rocket = rocket::build().attach(JwtGuard::fairing().login(users));
    /// ```
    pub fn login(mut self, authenticator: impl Authenticator) -> Self {
        self.hooks.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Refuses tokens whose `jti` the app's own `list` names (401
    /// `invalid_token`), beside the revocations of the token store (see
    /// [`JwtGuard::revoke_token`]). An `Arc` of a list is a list too, so
    /// the app can keep one to add to it.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::verify::RevocationList;
    ///
    /// /// The revocations an older system of the app keeps.
    /// struct LegacyDenyList;
    ///
    /// #[jwt_guard::async_trait]
    /// impl RevocationList for LegacyDenyList {
    ///     async fn is_revoked(&self, jti: &str) -> bool {
    ///         jti.starts_with("legacy-revoked-") // look it up there
    ///     }
    /// }
    ///
    /// let rocket = rocket::build().attach(JwtGuard::fairing().revocations(LegacyDenyList));
    /// ```
    pub fn revocations(mut self, list: impl RevocationList) -> Self {
        self.hooks.revocations = Some(Arc::new(list));
        self
    }

    /// Asks `resolver` for the issuers of tokens whose `iss` no configured
    /// issuer or template names: for tenants that live in the app's own
    /// database. New issuers are admitted as `tenant_discoveries` allows.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::config::IssuerConfig;
    /// use jwt_guard::verify::{IssuerResolver, ResolvedIssuer};
    ///
    /// struct Customers;
    ///
    /// #[jwt_guard::async_trait]
    /// impl IssuerResolver for Customers {
    ///     fn issuer_names(&self) -> &'static [&'static str] {
    ///         &["customers"]
    ///     }
    ///
    ///     async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
    ///         let tenant = iss.strip_prefix("https://auth.example.com/")?;
    ///         let config = IssuerConfig::new(iss, "https://api.example.com");
    ///         Some(ResolvedIssuer { name: "customers".into(), tenant: tenant.into(), config })
    ///     }
    /// }
    ///
    /// let rocket = rocket::build().attach(JwtGuard::fairing().issuer_resolver(Customers));
    /// ```
    pub fn issuer_resolver(mut self, resolver: impl IssuerResolver) -> Self {
        self.hooks.resolver = Some(Arc::new(resolver));
        self
    }

    /// Tells `observer` of each refusal, login, refresh, revocation and
    /// refresh-token reuse: for audit logs. See [`AuthObserver`].
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::observe::{AuthEvent, AuthObserver};
    ///
    /// struct Audit;
    ///
    /// impl AuthObserver for Audit {
    ///     fn observe(&self, event: &AuthEvent<'_>) {
    ///         eprintln!("audit: {event:?}");
    ///     }
    /// }
    ///
    /// let rocket = rocket::build().attach(JwtGuard::fairing().observer(Audit));
    /// ```
    pub fn observer(mut self, observer: impl AuthObserver) -> Self {
        self.hooks.observer = Some(Arc::new(observer));
        self
    }

    /// The `JwtGuard`, outside Rocket: the configuration set in code (or
    /// the defaults), with everything plugged in. A built-in issuer
    /// without an `issuer` setting is `http://127.0.0.1:8000`. No key is
    /// fetched yet.
    ///
    /// # Errors
    ///
    /// The first bad value of the configuration, by its key.
    pub fn build(self) -> Result<JwtGuard, ConfigError> {
        let config = self.with_login(self.config.clone().unwrap_or_default());
        JwtGuard::from_settings(config.settings(Defaults::STANDALONE)?, self.hooks)
    }

    /// The configuration set in code, if any.
    #[cfg(feature = "rocket")]
    pub(crate) fn code_config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// `config`, with the built-in issuer enabled with its defaults when an
    /// authenticator logs users in and `config` has none.
    pub(crate) fn with_login(&self, mut config: Config) -> Config {
        if self.hooks.authenticator.is_some() && config.local.is_none() {
            config.local = Some(LocalIssuerConfig::default());
        }
        config
    }
}
