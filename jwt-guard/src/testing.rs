//! Test helpers for apps' own tests (feature `testing`): a [`TestIssuer`]
//! that an app under test trusts, a [`TokenBuilder`] that mints really
//! signed tokens for `rocket::local` clients, with no network, and
//! [`check_token_store`] (and [`check_shared_token_store`]) for an app's own
//! [`TokenStore`](crate::store::TokenStore).
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use jwt_guard::testing::TestIssuer;
//! use jwt_guard::{JwtGuard, protected};
//! use rocket::http::Status;
//! use rocket::local::asynchronous::Client;
//!
//! #[protected(scope = "read")]
//! #[get("/reports")]
//! fn reports() -> &'static str { "reports" }
//!
//! fn app() -> rocket::Rocket<rocket::Build> {
//!     rocket::build()
//!         .attach(JwtGuard::fairing())
//!         .register("/", jwt_guard::catchers())
//!         .mount("/", routes![reports])
//! }
//!
//! # rocket::async_test(async {
//! let issuer = TestIssuer::new();
//! let client = Client::tracked(issuer.attach_to(app())).await.unwrap();
//!
//! let reader = issuer.token().subject("alice").scope("read").bearer();
//! assert_eq!(client.get("/reports").header(reader).dispatch().await.status(), Status::Ok);
//!
//! let writer = issuer.token().scope("write").bearer();
//! assert_eq!(client.get("/reports").header(writer).dispatch().await.status(), Status::Forbidden);
//!
//! let expired = issuer.token().scope("read").expired().bearer();
//! assert_eq!(client.get("/reports").header(expired).dispatch().await.status(), Status::Unauthorized);
//! # });
//! ```
//!
#![doc = include_str!("../docs/testing.md")]

use std::time::Duration;

#[cfg(feature = "rocket")]
use rocket::http::Header;
#[cfg(feature = "rocket")]
use rocket::{Build, Rocket};
use serde_json::{Map, Value, json};

mod dpop;
mod shared_store;
mod store;

pub use dpop::{DpopKey, ProofBuilder};
pub use shared_store::check_shared_token_store;
pub use store::check_token_store;

use crate::algorithm::Algorithm;
use crate::clock;
use crate::config::IssuerConfig;
use crate::keys::signing::SigningKey;
use crate::token::Token;

/// An issuer for tests, with a key generated for it (the
/// [module](self) has a whole test).
///
/// [`attach_to`](Self::attach_to) makes an app trust it under its name
/// (`test`, or the name given to [`named`](Self::named), which replaces
/// the app's own issuer of that name, so that policies with
/// `issuer = "..."` keep working).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, protected, testing::TestIssuer};
/// use rocket::{http::Status, local::asynchronous::Client};
///
/// #[protected(scope = "read")]
/// #[get("/reports")]
/// fn reports() {}
///
/// # rocket::async_test(async {
/// let app = rocket::build().attach(JwtGuard::fairing()).mount("/", routes![reports]);
/// let issuer = TestIssuer::new();
/// let client = Client::tracked(issuer.attach_to(app)).await.unwrap();
/// let reader = issuer.token().subject("alice").scope("read").bearer();
/// assert_eq!(client.get("/reports").header(reader).dispatch().await.status(), Status::Ok);
/// let expired = issuer.token().scope("read").expired().bearer();
/// assert_eq!(client.get("/reports").header(expired).dispatch().await.status(), Status::Unauthorized);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TestIssuer {
    name: String,
    issuer: String,
    audience: String,
    key: SigningKey,
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestIssuer {
    /// The issuer `test`: `iss` `https://issuer.jwt-guard.test/test/`,
    /// audience `https://api.jwt-guard.test`, an Ed25519 key.
    ///
    /// ```
    /// use jwt_guard::{testing::TestIssuer, verify::Algorithm};
    /// use serde_json::json;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// assert_eq!(issuer.name(), "test");
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&issuer.token().sign()).await.unwrap();
    /// assert_eq!(token.claim("iss"), Some(&json!("https://issuer.jwt-guard.test/test/")));
    /// assert_eq!(token.header().unwrap().alg, Algorithm::EdDSA);
    /// # }).unwrap();
    /// ```
    pub fn new() -> Self {
        Self::named("test")
    }

    /// A test issuer trusted under `name`, whose `iss` is
    /// `https://issuer.jwt-guard.test/{name}/`: several can stand in for
    /// several issuers of one app.
    ///
    /// ```
    /// use jwt_guard::{config::Config, testing::TestIssuer, verify::Verifier};
    /// use serde_json::json;
    ///
    /// # futures_util::FutureExt::now_or_never(async {
    /// let (auth0, okta) = (TestIssuer::named("auth0"), TestIssuer::named("okta"));
    /// let mut config = Config::default();
    /// for issuer in [&auth0, &okta] {
    ///     config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// }
    /// let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&okta.token().sign()).await.unwrap();
    /// assert_eq!(token.issuer(), "okta");
    /// assert_eq!(token.claim("iss"), Some(&json!("https://issuer.jwt-guard.test/okta/")));
    /// # }).unwrap();
    /// ```
    pub fn named(name: impl Into<String>) -> Self {
        let name = name.into();
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap_or_else(|error| panic!("jwt-guard testing: {error}"));
        Self {
            issuer: format!("https://issuer.jwt-guard.test/{name}/"),
            name,
            audience: "https://api.jwt-guard.test".into(),
            key,
        }
    }

    /// The name it is trusted under: `test`, or the name given to
    /// [`named`](Self::named).
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::named("keycloak");
    /// assert_eq!(issuer.name(), "keycloak");
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&issuer.token().sign()).await.unwrap();
    /// // The name that a policy's `issuer = "keycloak"` names.
    /// assert_eq!(token.issuer(), issuer.name());
    /// # }).unwrap();
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the audience that the app accepts and tokens carry.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    /// use serde_json::json;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new().audience("reports-api");
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&issuer.token().sign()).await.unwrap();
    /// assert_eq!(token.claim("aud"), Some(&json!("reports-api")));
    /// # }).unwrap();
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The issuer's configuration: its keys inline, nothing fetched. For
    /// apps that add their issuers in code: [`attach_to`](Self::attach_to)
    /// replaces issuers of Rocket's `jwt_guard` table only, and an issuer
    /// of the same name added in code (`JwtGuardBuilder::issuer`) replaces
    /// it again at ignite; such an app's tests build it with
    /// `.issuer(issuer.name(), issuer.issuer_config())` instead.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use jwt_guard::{JwtGuard, protected, testing::TestIssuer};
    /// use rocket::{http::Status, local::asynchronous::Client};
    ///
    /// #[protected(scope = "read")]
    /// #[get("/reports")]
    /// fn reports() {}
    ///
    /// # rocket::async_test(async {
    /// let issuer = TestIssuer::new();
    /// let fairing = JwtGuard::fairing().issuer(issuer.name(), issuer.issuer_config());
    /// let client = Client::tracked(rocket::build().attach(fairing).mount("/", routes![reports])).await.unwrap();
    /// let reader = issuer.token().scope("read").bearer();
    /// assert_eq!(client.get("/reports").header(reader).dispatch().await.status(), Status::Ok);
    /// # });
    /// ```
    pub fn issuer_config(&self) -> IssuerConfig {
        IssuerConfig::new(self.issuer.clone(), self.audience.clone())
            .algorithms([self.key.algorithm().name()])
            .inline_jwks(json!({ "keys": [self.key.public_jwk()] }))
    }

    /// `rocket`, trusting this issuer through its `jwt_guard` configuration.
    ///
    /// The app's own issuer of this name in Rocket's configuration is
    /// replaced, table and all, in every profile that configures it (one
    /// added in code is not: see [`issuer_config`](Self::issuer_config)):
    /// nothing of the provider's is
    /// fetched or asked (its keys, introspection, tenants), and scopes are
    /// read from `scope`, where [`TokenBuilder::scope`] writes them. Only
    /// its `roles_claim` is kept, the shape of roles that the app's
    /// policies read: write roles of that shape with
    /// [`TokenBuilder::claim`].
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use jwt_guard::{JwtGuard, protected, testing::TestIssuer};
    /// use rocket::{http::Status, local::asynchronous::Client};
    ///
    /// #[protected(issuer = "auth0", scope = "read")]
    /// #[get("/reports")]
    /// fn reports() {}
    ///
    /// # rocket::async_test(async {
    /// # let table = serde_json::json!({ "issuer": "https://acme.eu.auth0.com/", "audience": "reports-api" });
    /// # let figment = rocket::Config::figment().merge(("jwt_guard.issuers.auth0", table));
    /// // The app trusts `auth0` from its Rocket.toml; the stand-in replaces it.
    /// let app = rocket::custom(figment).attach(JwtGuard::fairing()).mount("/", routes![reports]);
    /// let auth0 = TestIssuer::named("auth0");
    /// let client = Client::tracked(auth0.attach_to(app)).await.unwrap();
    /// let reader = auth0.token().scope("read").bearer();
    /// assert_eq!(client.get("/reports").header(reader).dispatch().await.status(), Status::Ok);
    /// # });
    /// ```
    #[cfg(feature = "rocket")]
    pub fn attach_to(&self, rocket: Rocket<Build>) -> Rocket<Build> {
        use rocket::figment::providers::Serialized;
        use rocket::figment::{Profile, Provider};

        let path = format!("jwt_guard.issuers.{}", self.name);
        let figment = rocket.figment().clone();
        let mut table = json!({
            "issuer": self.issuer,
            "audience": self.audience,
            "algorithms": [self.key.algorithm().name()],
            "jwks": { "keys": [self.key.public_jwk()] },
        });
        if let Some(roles) =
            figment.find_value(&format!("{path}.roles_claim")).ok().and_then(|roles| serde_json::to_value(roles).ok())
        {
            table["roles_claim"] = roles;
        }
        let configured = figment.data().unwrap_or_default().into_iter();
        let elsewhere = configured.filter(|(profile, dict)| {
            *profile != Profile::Default && rocket::figment::value::Value::from(dict.clone()).find_ref(&path).is_some()
        });
        let profiles = std::iter::once(Profile::Default).chain(elsewhere.map(|(profile, _)| profile));
        let replaced = profiles.fold(figment, |figment, profile| {
            // Merged over a table, a value that is no table replaces it;
            // this issuer's table then replaces that value.
            figment
                .merge(Serialized::default(&path, false).profile(profile.clone()))
                .merge(Serialized::default(&path, &table).profile(profile))
        });
        rocket.configure(replaced)
    }

    /// A token of this issuer, valid for five minutes, with no scopes.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&issuer.token().sign()).await.unwrap();
    /// assert_eq!((token.subject(), token.scopes()), (Some("test-user"), &[][..]));
    /// let left = token.expires_at().duration_since(SystemTime::now()).unwrap();
    /// assert!(left <= Duration::from_secs(300) && left > Duration::from_secs(290));
    /// # }).unwrap();
    /// ```
    pub fn token(&self) -> TokenBuilder<'_> {
        let now = clock::unix_now_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("aud".into(), json!(self.audience));
        claims.insert("sub".into(), json!("test-user"));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 300));
        TokenBuilder { issuer: self, claims, scopes: Vec::new(), kid: None, now }
    }
}

/// Builds a token of a [`TestIssuer`].
///
/// Outside Rocket, or to look at what a token carries, verify it with a
/// [`Verifier`](crate::verify::Verifier) that trusts the issuer, as the
/// examples of its methods do (with this verifier, set up out of sight):
///
/// ```
/// use jwt_guard::{config::Config, testing::TestIssuer, verify::Verifier};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let issuer = TestIssuer::new();
/// let mut config = Config::default();
/// config.issuers.insert(issuer.name().into(), issuer.issuer_config());
/// let verifier = Verifier::new(&config).unwrap();
///
/// let token = verifier.verify(&issuer.token().subject("alice").scope("read").sign()).await.unwrap();
/// assert_eq!(token.subject(), Some("alice"));
/// assert!(token.has_scope("read"));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a token builder does nothing until `.sign()` or `.bearer()`"]
pub struct TokenBuilder<'a> {
    issuer: &'a TestIssuer,
    claims: Map<String, Value>,
    scopes: Vec<String>,
    kid: Option<String>,
    now: u64,
}

impl TokenBuilder<'_> {
    /// Sets `sub`. Default: `test-user`.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let token = verifier.verify(&issuer.token().subject("alice").sign()).await.unwrap();
    /// assert_eq!(token.subject(), Some("alice"));
    /// # }).unwrap();
    /// ```
    pub fn subject(self, subject: &str) -> Self {
        self.claim("sub", subject)
    }

    /// Adds scopes, space-delimited (`"read write"`) or one at a time.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let signed = issuer.token().scope("read write").scope("admin").sign();
    /// let token = verifier.verify(&signed).await.unwrap();
    /// assert_eq!(token.scopes(), ["read", "write", "admin"]);
    /// # }).unwrap();
    /// ```
    pub fn scope(mut self, scopes: &str) -> Self {
        self.scopes.extend(scopes.split(' ').filter(|scope| !scope.is_empty()).map(str::to_owned));
        self
    }

    /// Sets any claim.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    /// use serde_json::json;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let signed = issuer.token().claim("tenant", "acme").claim("groups", json!(["staff"])).sign();
    /// let token = verifier.verify(&signed).await.unwrap();
    /// assert_eq!(token.claim("tenant"), Some(&json!("acme")));
    /// assert_eq!(token.claim("groups"), Some(&json!(["staff"])));
    /// # }).unwrap();
    /// ```
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Leaves out a claim (`iat`, `sub`...), to test a token that lacks it.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let no_exp = issuer.token().without("exp").sign();
    /// let refused = verifier.verify(&no_exp).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::MissingClaim("exp")));
    /// let anonymous = verifier.verify(&issuer.token().without("sub").sign()).await.unwrap();
    /// assert_eq!(anonymous.subject(), None);
    /// # }).unwrap();
    /// ```
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets the lifetime from now.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let signed = issuer.token().expires_in(Duration::from_secs(3600)).sign();
    /// let token = verifier.verify(&signed).await.unwrap();
    /// let left = token.expires_at().duration_since(SystemTime::now()).unwrap();
    /// assert!(left > Duration::from_secs(3500));
    /// # }).unwrap();
    /// ```
    pub fn expires_in(self, lifetime: Duration) -> Self {
        let exp = self.now + lifetime.as_secs();
        self.claim("exp", exp)
    }

    /// Makes the token expired an hour ago, beyond any leeway.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let refused = verifier.verify(&issuer.token().expired().sign()).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Expired));
    /// # }).unwrap();
    /// ```
    pub fn expired(self) -> Self {
        let exp = self.now.saturating_sub(3600);
        self.claim("exp", exp)
    }

    /// Sets `aud`, to test a token for another API.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let elsewhere = issuer.token().audience("https://billing.example.com").sign();
    /// let refused = verifier.verify(&elsewhere).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::WrongAudience));
    /// # }).unwrap();
    /// ```
    pub fn audience(self, audience: &str) -> Self {
        self.claim("aud", audience)
    }

    /// Sets `iss`, to test a token of an untrusted issuer.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let forged = issuer.token().issuer("https://evil.example.com/").sign();
    /// let refused = verifier.verify(&forged).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::UntrustedIssuer));
    /// # }).unwrap();
    /// ```
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim("iss", issuer)
    }

    /// Sets `auth_time`, when the user logged in: `ago` before now (for
    /// `max_age` policies, RFC 9470).
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use std::time::Duration;
    /// use jwt_guard::{JwtGuard, protected, testing::TestIssuer};
    /// use rocket::{http::Status, local::asynchronous::Client};
    ///
    /// #[protected(max_age = 300)]
    /// #[get("/payouts")]
    /// fn payouts() {}
    ///
    /// # rocket::async_test(async {
    /// let issuer = TestIssuer::new();
    /// let app = rocket::build().attach(JwtGuard::fairing()).mount("/", routes![payouts]);
    /// let client = Client::tracked(issuer.attach_to(app)).await.unwrap();
    /// let recent = issuer.token().authenticated_ago(Duration::from_secs(60)).bearer();
    /// assert_eq!(client.get("/payouts").header(recent).dispatch().await.status(), Status::Ok);
    /// let stale = issuer.token().authenticated_ago(Duration::from_secs(3600)).bearer();
    /// assert_eq!(client.get("/payouts").header(stale).dispatch().await.status(), Status::Unauthorized);
    /// # });
    /// ```
    pub fn authenticated_ago(self, ago: Duration) -> Self {
        let auth_time = self.now.saturating_sub(ago.as_secs());
        self.claim("auth_time", auth_time)
    }

    /// Sets `acr`, how the user authenticated (for `acr` policies).
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use jwt_guard::{JwtGuard, protected, testing::TestIssuer};
    /// use rocket::{http::Status, local::asynchronous::Client};
    ///
    /// #[protected(acr = "urn:example:mfa")]
    /// #[get("/payouts")]
    /// fn payouts() {}
    ///
    /// # rocket::async_test(async {
    /// let issuer = TestIssuer::new();
    /// let app = rocket::build().attach(JwtGuard::fairing()).mount("/", routes![payouts]);
    /// let client = Client::tracked(issuer.attach_to(app)).await.unwrap();
    /// let mfa = issuer.token().acr("urn:example:mfa").bearer();
    /// assert_eq!(client.get("/payouts").header(mfa).dispatch().await.status(), Status::Ok);
    /// let password_only = issuer.token().acr("urn:example:password").bearer();
    /// assert_eq!(client.get("/payouts").header(password_only).dispatch().await.status(), Status::Unauthorized);
    /// # });
    /// ```
    pub fn acr(self, acr: &str) -> Self {
        self.claim("acr", acr)
    }

    /// Binds the token to `key` (`cnf.jkt`): it is then accepted only with
    /// the `DPoP` scheme and a proof of that key.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |authorization: &str, proof: Option<&str>| {
    /// #     let dpop = Vec::from_iter(proof);
    /// #     let request = RequestCredentials {
    /// #         authorization: &[authorization], dpop: &dpop, method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// let key = DpopKey::new();
    /// let token = issuer.token().bound_to(&key).sign();
    /// let stolen = get_reports(&format!("Bearer {token}"), None);
    /// assert_eq!(stolen.unwrap_err(), AuthError::InvalidToken(TokenProblem::ProofRequired));
    ///
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert!(get_reports(&format!("DPoP {token}"), Some(&proof)).is_ok());
    /// ```
    pub fn bound_to(self, key: &DpopKey) -> Self {
        self.claim("cnf", json!({ "jkt": key.thumbprint() }))
    }

    /// Binds the token to the client certificate `der` (`cnf["x5t#S256"]`,
    /// RFC 8705): it is then accepted only over a connection that presents
    /// that certificate.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, certificate: Option<&[u8]>| {
    /// #     let authorization = format!("Bearer {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], method: "GET", path: "/reports", client_certificate: certificate,
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// let der: &[u8] = b"the client's certificate, DER";
    /// let token = issuer.token().bound_to_certificate(der).sign();
    /// assert!(get_reports(&token, Some(der)).is_ok());
    /// let refused = get_reports(&token, None).unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::CertificateMismatch));
    /// ```
    pub fn bound_to_certificate(self, der: &[u8]) -> Self {
        self.claim("cnf", json!({ "x5t#S256": crate::digest::sha256_base64url(der) }))
    }

    /// Sets the header's `kid`, to test an unknown key.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, testing::TestIssuer};
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let rotated_out = issuer.token().kid("retired-2023").sign();
    /// let refused = verifier.verify(&rotated_out).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::UnknownKey));
    /// # }).unwrap();
    /// ```
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The signed token.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// # use jwt_guard::{config::Config, verify::Verifier};
    /// # futures_util::FutureExt::now_or_never(async {
    /// let issuer = TestIssuer::new();
    /// # let mut config = Config::default();
    /// # config.issuers.insert(issuer.name().into(), issuer.issuer_config());
    /// # let verifier = Verifier::new(&config).unwrap();
    /// let signed = issuer.token().scope("read").sign();
    /// assert_eq!(signed.split('.').count(), 3, "a compact JWS");
    /// let token = verifier.verify(&signed).await.unwrap();
    /// assert_eq!(token.header().unwrap().typ.as_deref(), Some("at+jwt"));
    /// # }).unwrap();
    /// ```
    pub fn sign(self) -> String {
        let mut claims = self.claims;
        if !self.scopes.is_empty() {
            claims.insert("scope".into(), json!(self.scopes.join(" ")));
        }
        let signed = match self.kid {
            Some(kid) => self.issuer.key.sign_with_kid("at+jwt", &kid, &claims),
            None => self.issuer.key.sign("at+jwt", &claims),
        };
        signed.unwrap_or_else(|error| panic!("jwt-guard testing: {error}"))
    }

    /// The token, signed, then verified as the app verifies its issuer's
    /// tokens: a [`Token`] for unit tests of the app's code that takes one
    /// (a policy's `check` function, a
    /// [`LoadIdentity`](crate::LoadIdentity), a helper of its handlers),
    /// with no app and no request.
    ///
    /// ```
    /// use jwt_guard::{Token, testing::TestIssuer};
    ///
    /// /// The app's `#[protected(check = of_acme)]`.
    /// fn of_acme(token: &Token) -> bool {
    ///     token.claim("tenant").and_then(|tenant| tenant.as_str()) == Some("acme")
    /// }
    ///
    /// let issuer = TestIssuer::new();
    /// assert!(of_acme(&issuer.token().claim("tenant", "acme").verified()));
    /// assert!(!of_acme(&issuer.token().claim("tenant", "globex").verified()));
    /// assert_eq!(issuer.token().scope("read write").verified().scopes(), ["read", "write"]);
    /// ```
    ///
    /// It is verified against the test issuer's own
    /// [`issuer_config`](TestIssuer::issuer_config): scopes in `scope`, roles
    /// in `roles`, no `required_claims`, whatever the app's issuer of that
    /// name says. Code that reads [`Token::roles`] of a provider that keeps
    /// them elsewhere (Keycloak's `/realm_access/roles`) is tested through a
    /// `rocket::local` client, where [`attach_to`](TestIssuer::attach_to)
    /// keeps the app's `roles_claim`.
    ///
    /// # Panics
    ///
    /// When the token is refused (one made [`expired`](Self::expired), or
    /// for another [`audience`](Self::audience), say): the message says
    /// why. Test refusals through a `rocket::local` client instead, where
    /// the app answers them.
    pub fn verified(self) -> Token {
        use futures_util::FutureExt as _;

        let mut config = crate::config::Config::default();
        config.issuers.insert(self.issuer.name.clone(), self.issuer.issuer_config());
        let verifier = crate::verify::Verifier::new(&config)
            .unwrap_or_else(|error| panic!("jwt-guard testing: the test issuer's configuration: {error}"));
        let signed = self.sign();
        // Its keys are inline: nothing to wait for.
        let verified = verifier.verify_whatever_bound(&signed).now_or_never();
        match verified.expect("jwt-guard testing: a test issuer's token is verified without waiting") {
            Ok(token) => token,
            Err(error) => panic!("jwt-guard testing: the token is refused: {error}"),
        }
    }

    /// `Authorization: Bearer <the signed token>`, for a local request.
    ///
    /// ```
    /// use jwt_guard::testing::TestIssuer;
    ///
    /// let issuer = TestIssuer::new();
    /// let header = issuer.token().scope("read").bearer();
    /// assert_eq!(header.name(), "Authorization");
    /// assert!(header.value().starts_with("Bearer ey"));
    /// ```
    #[cfg(feature = "rocket")]
    pub fn bearer(self) -> Header<'static> {
        Header::new("Authorization", format!("Bearer {}", self.sign()))
    }
}
