//! The fairing that builds an app's [`JwtGuard`] at ignite from the
//! `jwt_guard` configuration, mounts the built-in issuer's routes, keeps
//! keys fresh from liftoff, serves the protected-resource metadata, and
//! puts RFC 6750 challenges on error responses; and [`JwtGuard::builder`] for configuring it in code.

use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Build, Orbit, Request, Response, Rocket};

use super::request_guards::PresentedScheme;
use super::route_policies::{RoutePolicies, group_policies_usable};
use super::{issuer_routes, resource};
use crate::config::{Config, Defaults, IssuerConfig, LocalIssuerConfig};
use crate::error::AuthError;
use crate::guard::{AppHooks, JwtGuard};
use crate::issuer::login::Authenticator;
use crate::request::bearer::Scheme;
use crate::verify::IssuerResolver;
use crate::verify::revocation::RevocationList;

impl JwtGuard {
    /// The fairing that reads the `jwt_guard` table of Rocket's
    /// configuration at ignite (Rocket.toml, `ROCKET_JWT_GUARD`, or any
    /// Figment provider) and manages a `JwtGuard`.
    ///
    /// A bad value aborts ignite with a message that names its key.
    pub fn fairing() -> JwtGuardFairing {
        JwtGuardFairing { config: None, authenticator: None, revocations: None, resolver: None }
    }

    /// A builder that configures jwt-guard in code instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    ///
    /// let fairing = JwtGuard::builder()
    ///     .leeway(Duration::from_secs(10))
    ///     .issuer("auth0", IssuerConfig::new("https://tenant.example.com/", "https://api.example.com"))
    ///     .fairing();
    /// let rocket = rocket::build().attach(fairing);
    /// ```
    pub fn builder() -> JwtGuardBuilder {
        JwtGuardBuilder { config: Config::default() }
    }
}

/// Configures jwt-guard in code; see [`JwtGuard::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.fairing()` is attached"]
pub struct JwtGuardBuilder {
    config: Config,
}

impl JwtGuardBuilder {
    /// Trusts the issuer `name`.
    pub fn issuer(mut self, name: impl Into<String>, issuer: IssuerConfig) -> Self {
        self.config.issuers.insert(name.into(), issuer);
        self
    }

    /// Sets the clock skew allowed on `exp`, `nbf` and `iat`.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.config.leeway = leeway;
        self
    }

    /// Sets the longest token accepted, in bytes.
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.config.max_token_bytes = max;
        self
    }

    /// Sets the API's identifier, which its protected-resource metadata
    /// and challenges name, and the audience of issuers without one; see
    /// [`Config::resource`].
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    ///
    /// let fairing = JwtGuard::builder()
    ///     .resource("https://api.example.com")
    ///     .issuer("auth0", IssuerConfig::new("https://tenant.example.com/", "https://api.example.com"))
    ///     .fairing();
    /// ```
    pub fn resource(mut self, identifier: impl Into<String>) -> Self {
        self.config.resource = Some(identifier.into());
        self
    }

    /// Sets the `Authorization` scheme accepted.
    pub fn header_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.header_prefix = prefix.into();
        self
    }

    /// Sets the realm named in challenges.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.config.realm = realm.into();
        self
    }

    /// Sets the timeout of every key fetch.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.config.fetch_timeout = timeout;
        self
    }

    /// Sets the shortest time between two fetches caused by unknown `kid`s.
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.config.refetch_cooldown = cooldown;
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets how many verified tokens are remembered; `0` turns the cache
    /// off.
    pub fn token_cache_size(mut self, size: u64) -> Self {
        self.config.token_cache_size = size;
        self
    }

    /// The fairing that manages a `JwtGuard` with this configuration.
    pub fn fairing(self) -> JwtGuardFairing {
        JwtGuardFairing { config: Some(self.config), ..JwtGuard::fairing() }
    }
}

/// The table of Rocket's configuration that jwt-guard reads.
const CONFIG_KEY: &str = "jwt_guard";

/// Builds the [`JwtGuard`] at ignite, keeps keys fresh from liftoff, and
/// puts challenges on error responses; see [`JwtGuard::fairing`].
#[must_use = "a fairing does nothing until it is attached"]
pub struct JwtGuardFairing {
    /// The builder's configuration; `None` reads Rocket's.
    config: Option<Config>,
    authenticator: Option<Arc<dyn Authenticator>>,
    revocations: Option<Arc<dyn RevocationList>>,
    resolver: Option<Arc<dyn IssuerResolver>>,
}

impl JwtGuardFairing {
    /// Logs users in with `authenticator` at `POST {auth_path}` of the
    /// built-in issuer, which this enables with its defaults when Rocket's
    /// configuration has no `[jwt_guard.local]`.
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, issuer::{Grant, StaticUsers}};
    ///
    /// let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    /// let rocket = rocket::build().attach(JwtGuard::fairing().login(users));
    /// ```
    pub fn login(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Refuses tokens whose `jti` the app's own `list` names (401
    /// `invalid_token`), beside the revocations of the token store (see
    /// [`JwtGuard::revoke_token`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use jwt_guard::{JwtGuard, verify::RevocationList};
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
    /// let rocket = rocket::build().attach(JwtGuard::fairing().revocations(Arc::new(LegacyDenyList)));
    /// ```
    pub fn revocations(mut self, list: Arc<impl RevocationList>) -> Self {
        self.revocations = Some(list);
        self
    }

    /// Asks `resolver` for the issuers of tokens whose `iss` no configured
    /// issuer or template names: for tenants that live in the app's own
    /// database. New issuers are admitted at most `tenant_discoveries` per
    /// `refetch_cooldown`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use jwt_guard::{JwtGuard, config::IssuerConfig, verify::{IssuerResolver, ResolvedIssuer}};
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
    /// let rocket = rocket::build().attach(JwtGuard::fairing().issuer_resolver(Arc::new(Customers)));
    /// ```
    pub fn issuer_resolver(mut self, resolver: Arc<dyn IssuerResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// The configuration: the builder's, or the `jwt_guard` table of
    /// Rocket's, with the built-in issuer enabled by `login`.
    fn config(&self, rocket: &Rocket<Build>) -> Result<Config, ()> {
        let mut config = match &self.config {
            Some(config) => config.clone(),
            None if !rocket.figment().contains(CONFIG_KEY) => Config::default(),
            None => rocket.figment().extract_inner::<Config>(CONFIG_KEY).map_err(|error| {
                log::error!("jwt-guard: the `{CONFIG_KEY}` configuration is invalid");
                rocket::config::pretty_print_error(error);
            })?,
        };
        if self.authenticator.is_some() && config.local.is_none() {
            config.local = Some(LocalIssuerConfig::default());
        }
        Ok(config)
    }
}

#[rocket::async_trait]
impl Fairing for JwtGuardFairing {
    fn info(&self) -> Info {
        Info { name: "jwt-guard", kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let Ok(config) = self.config(&rocket) else { return Err(rocket) };
        let figment = rocket.figment();
        let address = figment.extract_inner::<std::net::IpAddr>("address").unwrap_or([127, 0, 0, 1].into());
        let port = figment.extract_inner::<u16>("port").unwrap_or(8000);
        let scheme = if figment.contains("tls.certs") { "https" } else { "http" };
        let own_address = format!("{scheme}://{}", std::net::SocketAddr::new(address, port));
        let client_certificates = cfg!(feature = "mtls") && figment.contains("tls.mutual");
        let defaults = Defaults { own_address: &own_address, debug_build: cfg!(debug_assertions), client_certificates };
        let built = config.settings(defaults).and_then(|settings| {
            let hooks = AppHooks { revocations: self.revocations.clone(), resolver: self.resolver.clone() };
            JwtGuard::from_settings(settings, hooks)
        });
        let built = built.map(|guard| match &self.authenticator {
            Some(authenticator) => guard.with_authenticator(Arc::clone(authenticator)),
            None => guard,
        });
        let guard = match built {
            Ok(guard) => guard,
            Err(error) => {
                log::error!("jwt-guard: {error}");
                return Err(rocket);
            }
        };
        if !group_policies_usable(guard.verifier(), rocket.routes()) {
            return Err(rocket);
        }
        log::info!("jwt-guard: DPoP proofs must name URLs of `{}`", guard.dpop().origin());
        if let Err(error) = guard.load_revocations().await {
            log::error!("jwt-guard: {error}; the revocations it holds apply once it answers");
        }
        let mut rocket = rocket;
        if let Some(issuer) = guard.local_issuer() {
            rocket = rocket.mount("/.well-known", issuer_routes::well_known_routes());
            if self.authenticator.is_some() {
                rocket = rocket.mount(issuer.auth_path(), issuer_routes::session_routes());
            }
        }
        if let Some(path) = guard.description().metadata_path() {
            rocket = rocket.mount("/", vec![resource::metadata_route(path)]);
        }
        Ok(rocket.manage(guard).manage(RoutePolicies::default()))
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(guard) = rocket.state::<JwtGuard>() else { return };
        let upkeep = guard.upkeep();
        let shutdown = rocket.shutdown();
        rocket::tokio::spawn(async move {
            rocket::tokio::select! {
                () = upkeep => {}
                _ = shutdown => {}
            }
        });
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let Some(guard) = request.rocket().state::<JwtGuard>() else { return };
        // A client that sends DPoP proofs gets a fresh nonce on every
        // answer, when nonces are demanded (RFC 9449 section 8.2).
        if request.headers().contains("DPoP")
            && let Some(nonce) = guard.dpop_nonce()
        {
            response.set_header(Header::new("DPoP-Nonce", nonce));
        }
        // Every refusal is a 4xx or 5xx; other responses leave the request's
        // local cache untouched.
        if response.status().code < 400 {
            return;
        }
        let Some((error, route_scopes)) = AuthError::with_route_scopes(request) else { return };
        if response.status().code != error.status_code() {
            return;
        }
        let scheme = request.local_cache(|| PresentedScheme(Scheme::Bearer)).0;
        if let Some(challenge) = guard.route_challenge(error, route_scopes, scheme)
            && !response.headers().contains("WWW-Authenticate")
        {
            response.set_header(Header::new("WWW-Authenticate", challenge));
        }
        let retry_after = match error {
            AuthError::KeysUnavailable { retry_after } | AuthError::IntrospectionUnavailable { retry_after } => {
                Some(*retry_after)
            }
            AuthError::StoreUnavailable => Some(Duration::from_secs(1)),
            _ => None,
        };
        if let Some(retry_after) = retry_after {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response.set_header(Header::new("Retry-After", seconds.to_string()));
        }
    }
}
