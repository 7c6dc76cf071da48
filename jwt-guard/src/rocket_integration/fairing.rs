//! The fairing that builds an app's [`JwtGuard`] at ignite from the
//! `jwt_guard` configuration, mounts the built-in issuer's routes, keeps
//! keys fresh from liftoff, serves the protected-resource metadata, and
//! puts RFC 6750 challenges on error responses: the Rocket side of
//! [`JwtGuardBuilder`].

use std::time::Duration;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Build, Orbit, Request, Response, Rocket};

use super::request_guards::{self, PresentedScheme};
use super::route_policies::{RoutePolicies, group_policies_usable};
use super::{accounting, issuer_routes, logout_route, resource};
use crate::builder::JwtGuardBuilder;
use crate::config::{Config, Defaults};
use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::request::bearer::Scheme;

impl JwtGuard {
    /// The fairing that builds the `JwtGuard` at ignite: a
    /// [`JwtGuard::builder`], which reads the `jwt_guard` table of Rocket's
    /// configuration (Rocket.toml, `ROCKET_JWT_GUARD`, or any Figment
    /// provider) unless it was given a whole one in code, makes the changes
    /// made in code on top of it, and manages the guard.
    ///
    /// A bad value aborts ignite with a message that names its key.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use jwt_guard::config::IssuerConfig;
    /// use jwt_guard::{JwtGuard, Token};
    ///
    /// #[get("/me")]
    /// fn me(token: Token) -> String {
    ///     token.subject().unwrap_or_default().to_owned()
    /// }
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     // Issuers from Rocket.toml's `[default.jwt_guard.issuers.*]`, and this one:
    ///     let auth0 = IssuerConfig::new("https://tenant.eu.auth0.com/", "https://api.example.com");
    ///     rocket::build()
    ///         .attach(JwtGuard::fairing().issuer("auth0", auth0))
    ///         .mount("/", routes![me])
    /// }
    /// ```
    pub fn fairing() -> JwtGuardBuilder {
        Self::builder()
    }
}

/// The table of Rocket's configuration that jwt-guard reads.
const CONFIG_KEY: &str = "jwt_guard";

impl JwtGuardBuilder {
    /// The configuration: the one given whole in code, or the `jwt_guard`
    /// table of Rocket's, with the changes made in code and the built-in
    /// issuer enabled by `login`.
    fn rocket_config(&self, rocket: &Rocket<Build>) -> Result<Config, ()> {
        let config = match self.whole_config() {
            Some(config) => config.clone(),
            None if !rocket.figment().contains(CONFIG_KEY) => Config::default(),
            None => rocket.figment().extract_inner::<Config>(CONFIG_KEY).map_err(|error| {
                log::error!("jwt-guard: the `{CONFIG_KEY}` configuration is invalid");
                rocket::config::pretty_print_error(error);
            })?,
        };
        Ok(self.finish(config))
    }
}

#[rocket::async_trait]
impl Fairing for JwtGuardBuilder {
    fn info(&self) -> Info {
        Info { name: "jwt-guard", kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let Ok(config) = self.rocket_config(&rocket) else { return Err(rocket) };
        let figment = rocket.figment();
        let listening = figment.extract_inner::<std::net::IpAddr>("address").unwrap_or([127, 0, 0, 1].into());
        let address = crate::loopback::reachable(listening);
        let port = figment.extract_inner::<u16>("port").unwrap_or(8000);
        let scheme = if figment.contains("tls.certs") { "https" } else { "http" };
        let own_address = format!("{scheme}://{}", std::net::SocketAddr::new(address, port));
        let client_certificates = cfg!(feature = "mtls") && figment.contains("tls.mutual");
        let defaults = Defaults {
            own_address: &own_address,
            debug_build: cfg!(debug_assertions),
            client_certificates,
            issuer_resolver: self.hooks.resolver.is_some(),
        };
        let built =
            config.settings(defaults).and_then(|settings| JwtGuard::from_settings(settings, self.hooks.clone()));
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
            let meanwhile = if guard.revocations().trusted() {
                "tokens are accepted without them"
            } else {
                "every token is refused with 503 (`refuse_until_loaded`)"
            };
            log::error!(
                "jwt-guard: {error}; the revocations it holds apply once it answers, and {meanwhile} until then"
            );
        }
        let mut rocket = rocket;
        if let Some(issuer) = guard.local_issuer() {
            rocket = rocket.mount("/.well-known", issuer_routes::well_known_routes());
            if self.hooks.authenticator.is_some() {
                rocket = rocket.mount(issuer.auth_path(), issuer_routes::session_routes());
            }
        }
        if let Some(path) = guard.logout_path() {
            rocket = rocket.mount("/", vec![logout_route::logout_route(path)]);
        }
        if let Some(path) = guard.description().metadata_path() {
            rocket = rocket.mount("/", vec![resource::metadata_route(path)]);
        }
        #[cfg(feature = "metrics")]
        let rocket = rocket.manage(super::acceptance::AcceptanceRecords::default());
        Ok(rocket.manage(guard).manage(RoutePolicies::default()))
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        #[cfg(feature = "metrics")]
        accounting::know_routes(rocket);
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
        let refusal = request_guards::refusal(request, response.status());
        accounting::account(guard, request, response.status(), refusal.map(|(error, _)| error));
        // A client that sends DPoP proofs gets a fresh nonce on every
        // answer, when nonces are demanded (RFC 9449 section 8.2).
        if request.headers().contains("DPoP")
            && let Some(nonce) = guard.dpop_nonce()
        {
            response.set_header(Header::new("DPoP-Nonce", nonce));
        }
        let Some((error, route_scopes)) = refusal else { return };
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
