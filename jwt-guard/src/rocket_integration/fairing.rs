//! [`JwtGuard`]: the verifier that an app manages, the fairing that builds
//! it at ignite from the `jwt_guard` configuration, and the response hook
//! that puts RFC 6750 challenges on error responses.

use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Build, Orbit, Request, Response, Rocket};

use crate::config::{Config, IssuerConfig};
use crate::error::{AuthError, ConfigError};
use crate::verify::Verifier;

/// The verifier of an app, managed as Rocket state.
///
/// Attach [`JwtGuard::fairing()`] and the [`Token`](crate::Token) and
/// [`Claims`](crate::Claims) guards work on every route:
///
/// ```rust,no_run
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, Token};
///
/// #[get("/me")]
/// fn me(token: Token) -> String {
///     format!("hello, {}", token.subject().unwrap_or("stranger"))
/// }
///
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build()
///         .attach(JwtGuard::fairing())
///         .register("/", jwt_guard::catchers())
///         .mount("/", routes![me])
/// }
/// ```
///
/// with the issuers in `Rocket.toml`:
///
/// ```toml
/// [default.jwt_guard.issuers.auth0]
/// issuer = "https://tenant.example.com/"
/// audience = "https://api.example.com"
/// ```
#[derive(Debug)]
pub struct JwtGuard {
    verifier: Arc<Verifier>,
    realm: String,
    header_prefix: String,
}

impl JwtGuard {
    /// The fairing that reads the `jwt_guard` table of Rocket's
    /// configuration at ignite (Rocket.toml, `ROCKET_JWT_GUARD`, or any
    /// Figment provider) and manages a `JwtGuard`.
    ///
    /// A bad value aborts ignite with a message that names its key.
    pub fn fairing() -> impl Fairing {
        JwtGuardFairing { config: None }
    }

    /// A builder that configures jwt-guard in code instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{IssuerConfig, JwtGuard};
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

    /// A `JwtGuard` for `config`, checked; no key is fetched yet.
    pub fn from_config(config: Config) -> Result<Self, ConfigError> {
        let verifier = Verifier::new(&config)?;
        if config.issuers.is_empty() {
            return Err(ConfigError {
                key: "issuers".into(),
                problem: "no issuer is configured; add a `[default.jwt_guard.issuers.<name>]` table with `issuer` and `audience`".into(),
            });
        }
        Ok(Self { verifier: Arc::new(verifier), realm: config.realm, header_prefix: config.header_prefix })
    }

    /// The verifier, to check tokens outside a request guard.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The realm named in challenges.
    pub(crate) fn realm(&self) -> &str {
        &self.realm
    }

    /// The `Authorization` scheme accepted.
    pub(crate) fn header_prefix(&self) -> &str {
        &self.header_prefix
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

    /// The fairing that manages a `JwtGuard` with this configuration.
    pub fn fairing(self) -> impl Fairing {
        JwtGuardFairing { config: Some(self.config) }
    }
}

/// The table of Rocket's configuration that jwt-guard reads.
const CONFIG_KEY: &str = "jwt_guard";

/// Builds the `JwtGuard` at ignite, keeps keys fresh from liftoff, and puts
/// challenges on error responses.
struct JwtGuardFairing {
    /// The builder's configuration; `None` reads Rocket's.
    config: Option<Config>,
}

#[rocket::async_trait]
impl Fairing for JwtGuardFairing {
    fn info(&self) -> Info {
        Info { name: "jwt-guard", kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let config = match &self.config {
            Some(config) => config.clone(),
            None if !rocket.figment().contains(CONFIG_KEY) => Config::default(),
            None => match rocket.figment().extract_inner::<Config>(CONFIG_KEY) {
                Ok(config) => config,
                Err(error) => {
                    log::error!("jwt-guard: the `{CONFIG_KEY}` configuration is invalid");
                    rocket::config::pretty_print_error(error);
                    return Err(rocket);
                }
            },
        };
        match JwtGuard::from_config(config) {
            Ok(guard) => Ok(rocket.manage(guard)),
            Err(error) => {
                log::error!("jwt-guard: {error}");
                Err(rocket)
            }
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(guard) = rocket.state::<JwtGuard>() else { return };
        let verifier = Arc::clone(&guard.verifier);
        let shutdown = rocket.shutdown();
        rocket::tokio::spawn(async move {
            rocket::tokio::select! {
                () = verifier.keep_keys_fresh() => {}
                _ = shutdown => {}
            }
        });
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let (Some(error), Some(guard)) = (AuthError::of(request), request.rocket().state::<JwtGuard>()) else {
            return;
        };
        if response.status().code != error.status_code() {
            return;
        }
        if let Some(challenge) = error.challenge(guard.realm())
            && !response.headers().contains("WWW-Authenticate")
        {
            response.set_header(Header::new("WWW-Authenticate", challenge));
        }
        if let AuthError::KeysUnavailable { retry_after } = error {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response.set_header(Header::new("Retry-After", seconds.to_string()));
        }
    }
}
