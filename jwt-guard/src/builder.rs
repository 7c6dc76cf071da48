//! [`JwtGuardBuilder`], the one way to assemble a [`JwtGuard`]: its
//! configuration (Rocket's `jwt_guard` table or one given in code, and
//! changes made in code on top of it) and what the app plugs in (an
//! authenticator for the built-in issuer, a revocation list, an issuer
//! resolver, an observer, a token store). Outside Rocket it [`build`]s the guard; in
//! Rocket it is the fairing that builds it at ignite.
//!
//! [`build`]: JwtGuardBuilder::build

use std::sync::Arc;

use crate::config::{Config, Defaults, IssuerConfig, LocalIssuerConfig};
use crate::error::ConfigError;
use crate::guard::{AppHooks, JwtGuard};
use crate::issuer::Authenticator;
use crate::observe::AuthObserver;
use crate::store::TokenStore;
use crate::verify::{IssuerResolver, RevocationList};

impl JwtGuard {
    /// The builder of a `JwtGuard`. Attached to Rocket as it is
    /// ([`JwtGuard::fairing`] is the same), it reads the `jwt_guard` table of
    /// Rocket's configuration at ignite. Changes made in code
    /// ([`configure`](JwtGuardBuilder::configure),
    /// [`issuer`](JwtGuardBuilder::issuer)) are made on top of that table;
    /// a whole configuration given in code
    /// ([`config`](JwtGuardBuilder::config)) replaces it.
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
        JwtGuardBuilder { config: None, changes: Vec::new(), hooks: AppHooks::default() }
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

/// Assembles a [`JwtGuard`]: its configuration, and what the app plugs in
/// (an authenticator, a revocation list, an issuer resolver, an
/// observer, a token store). Attached to Rocket, it is the fairing that builds the guard
/// at ignite; outside Rocket, [`build`](Self::build) builds it.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use std::time::Duration;
/// use jwt_guard::JwtGuard;
/// use jwt_guard::issuer::{Grant, StaticUsers};
///
/// #[launch]
/// fn rocket() -> _ {
///     // The issuers come from Rocket.toml's `[default.jwt_guard]`; the
///     // leeway is set here, on top of it.
///     let fairing = JwtGuard::fairing()
///         .configure(|config| config.leeway = Duration::from_secs(10))
///         .login(StaticUsers::new().user("alice", "a long passphrase", Grant::new("alice").scopes(["read"])));
///     rocket::build().attach(fairing).register("/", jwt_guard::catchers())
/// }
/// ```
#[must_use = "a builder does nothing until it is built or attached"]
#[derive(Clone)]
pub struct JwtGuardBuilder {
    /// The configuration given whole in code; `None` reads Rocket's (or,
    /// when built outside Rocket, takes the defaults).
    config: Option<Config>,
    /// The changes made in code, in order, on top of that configuration.
    changes: Vec<ConfigChange>,
    pub(crate) hooks: AppHooks,
}

/// A change to the configuration, made in code.
type ConfigChange = Arc<dyn Fn(&mut Config) + Send + Sync>;

impl std::fmt::Debug for JwtGuardBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtGuardBuilder")
            .field("config", &self.config)
            .field("changes", &self.changes.len())
            .field("authenticator", &self.hooks.authenticator.is_some())
            .field("revocations", &self.hooks.revocations.is_some())
            .field("resolver", &self.hooks.resolver.is_some())
            .field("store", &self.hooks.store.is_some())
            .finish()
    }
}

impl JwtGuardBuilder {
    /// Uses `config`, instead of Rocket's `jwt_guard` table, and drops
    /// the changes made in code before.
    ///
    /// ```
    /// use jwt_guard::config::{Config, IssuerConfig};
    /// use jwt_guard::{AuthError, JwtGuard};
    ///
    /// # rocket::async_test(async {
    /// # let figment = rocket::Config::figment().merge(("jwt_guard.realm", "from-rocket-toml"));
    /// let mut config = Config::default();
    /// config.realm = "reports".into();
    /// config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "reports-api"));
    /// // Rocket.toml's `[default.jwt_guard]` is not read.
    /// let rocket = rocket::custom(figment).attach(JwtGuard::fairing().config(config)).ignite().await.unwrap();
    /// let guard = rocket.state::<JwtGuard>().expect("managed at ignite");
    /// let challenge = guard.challenge(&AuthError::MissingToken).unwrap();
    /// assert!(challenge.starts_with(r#"Bearer realm="reports""#), "{challenge}");
    /// # });
    /// ```
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self.changes.clear();
        self
    }

    /// Changes the configuration in code: any setting of [`Config`], on
    /// top of Rocket's `jwt_guard` table (Rocket.toml, `ROCKET_JWT_GUARD`)
    /// at ignite, of the configuration given with
    /// [`config`](Self::config), or, built outside Rocket, of the defaults.
    /// Changes are made in the order they are given, when the guard is
    /// built: at ignite, or by [`build`](Self::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::JwtGuard;
    ///
    /// // The issuers come from Rocket.toml; the cache and cooldown from here.
    /// let fairing = JwtGuard::fairing().configure(|config| {
    ///     config.token_cache_size = 50_000;
    ///     config.refetch_cooldown = Duration::from_secs(60);
    /// });
    /// ```
    pub fn configure(mut self, change: impl Fn(&mut Config) + Send + Sync + 'static) -> Self {
        self.changes.push(Arc::new(change));
        self
    }

    /// Trusts the issuer `name`, besides those of Rocket's `jwt_guard`
    /// table (one of the same name there is replaced): a change made in
    /// code, as [`configure`](Self::configure) makes.
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    ///
    /// # rocket::async_test(async {
    /// # let okta = serde_json::json!({ "issuer": "https://acme.okta.com/oauth2/default", "audience": "api" });
    /// # let figment = rocket::Config::figment().merge(("jwt_guard.issuers.okta", okta));
    /// // Rocket.toml trusts `okta`; a partner's issuer is added in code.
    /// let partner = IssuerConfig::new("https://id.partner.example/", "https://api.example.com");
    /// let fairing = JwtGuard::fairing().issuer("partner", partner);
    /// let rocket = rocket::custom(figment).attach(fairing).ignite().await.unwrap();
    /// let guard = rocket.state::<JwtGuard>().expect("managed at ignite");
    /// assert_eq!(guard.verifier().issuer_names().collect::<Vec<_>>(), ["okta", "partner"]);
    /// # });
    /// ```
    pub fn issuer(self, name: impl Into<String>, issuer: IssuerConfig) -> Self {
        let name = name.into();
        self.configure(move |config| {
            config.issuers.insert(name.clone(), issuer.clone());
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
    ///         Some(ResolvedIssuer::new("customers", tenant, config))
    ///     }
    /// }
    ///
    /// let rocket = rocket::build().attach(JwtGuard::fairing().issuer_resolver(Customers));
    /// ```
    pub fn issuer_resolver(mut self, resolver: impl IssuerResolver) -> Self {
        self.hooks.resolver = Some(Arc::new(resolver));
        self
    }

    /// Keeps sessions, revocations and failed logins in the app's own
    /// `store` (its database, say) instead of the one `[jwt_guard.store]`
    /// chooses: see [`TokenStore`] for what it must do, and
    /// `jwt_guard::testing::check_token_store` to check that it does.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::store::MemoryStore;
    ///
    /// // An app's own store is plugged in the same way.
    /// let rocket = rocket::build().attach(JwtGuard::fairing().store(MemoryStore::new()));
    /// ```
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.hooks.store = Some(Arc::new(store));
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

    /// The `JwtGuard`, outside Rocket: the configuration given in code (or
    /// the defaults) with the changes made in code, and everything plugged
    /// in. A built-in issuer without an `issuer` setting is
    /// `http://127.0.0.1:8000`. No key is fetched yet, and no revocation
    /// loaded: [`JwtGuard::load_revocations`] loads them, and
    /// [`JwtGuard::upkeep`] keeps keys and revocations fresh, as the
    /// fairing does in Rocket.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    ///
    /// let idp = IssuerConfig::new("https://idp.example.com/", "reports-api");
    /// let guard = JwtGuard::builder().issuer("idp", idp).build()?; // nothing fetched yet
    /// assert_eq!(guard.verifier().issuer_names().collect::<Vec<_>>(), ["idp"]);
    ///
    /// // A bad value is refused by its key, as it aborts ignite in Rocket.
    /// let too_long = JwtGuard::builder().configure(|config| config.leeway = Duration::from_secs(3600));
    /// assert_eq!(too_long.build().unwrap_err().key, "leeway");
    /// assert_eq!(JwtGuard::builder().build().unwrap_err().key, "issuers", "no issuer to trust");
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first bad value of the configuration, by its key.
    pub fn build(self) -> Result<JwtGuard, ConfigError> {
        let config = self.finish(self.config.clone().unwrap_or_default());
        let defaults = Defaults { issuer_resolver: self.hooks.resolver.is_some(), ..Defaults::STANDALONE };
        JwtGuard::from_settings(config.settings(defaults)?, self.hooks)
    }

    /// The configuration given whole in code, if any.
    #[cfg(feature = "rocket")]
    pub(crate) fn whole_config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// `base`, with the changes made in code, and the built-in issuer
    /// enabled with its defaults when an authenticator logs users in and
    /// the configuration has none.
    pub(crate) fn finish(&self, mut config: Config) -> Config {
        for change in &self.changes {
            change(&mut config);
        }
        if self.hooks.authenticator.is_some() && config.local.is_none() {
            config.local = Some(LocalIssuerConfig::default());
        }
        config
    }
}
