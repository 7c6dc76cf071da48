//! # jwt-guard
//!
//! JWT bearer-token authentication for [Rocket] 0.5 APIs: verify tokens
//! from the identity providers you trust (Auth0, Keycloak, Okta, Entra ID,
//! any OpenID provider) and read their claims in request guards.
//!
//! ```rust,no_run
//! # #[macro_use] extern crate rocket;
//! use jwt_guard::{Claims, JwtGuard, Token};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct AppClaims {
//!     sub: String,
//! }
//!
//! #[get("/me")]
//! fn me(claims: Claims<AppClaims>) -> String {
//!     format!("hello, {}", claims.sub)
//! }
//!
//! #[get("/scopes")]
//! fn scopes(token: Token) -> String {
//!     token.scopes().join(" ")
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(JwtGuard::fairing())
//!         .register("/", jwt_guard::catchers())
//!         .mount("/", routes![me, scopes])
//! }
//! ```
//!
//! ```toml
//! # Rocket.toml
//! [default.jwt_guard.issuers.auth0]
//! issuer = "https://tenant.example.com/"
//! audience = "https://api.example.com"
//! ```
//!
//! Keys come from the issuer's JWKS, found by OpenID discovery, cached by
//! `kid` and refreshed on rotation. Refusals follow RFC 6750: see
//! [`AuthError`] for the statuses and [`catchers()`] for the JSON bodies.
//! [`Config`] documents every setting.
//!
//! # Features
//!
//! - `rocket` (default): the Rocket wing: [`JwtGuard::fairing()`], the
//!   request guards, [`catchers()`], the built-in issuer's routes, and the
//!   enforcement of `#[protected]`. Without it, the core ([`Verifier`],
//!   [`JwtGuard::authenticate`], [`LocalIssuer`]) stands alone.
//! - `testing`: test helpers for apps' own tests, in [`testing`].
//! - `openapi`: the security of an OpenAPI document written with utoipa,
//!   from the compiled policies, in `openapi`.
//!
//! [Rocket]: https://rocket.rs

mod algorithm;
mod backoff;
mod bearer;
mod binding;
mod challenge;
mod clock;
mod config;
mod description;
mod digest;
mod dpop;
mod error;
mod guard;
mod introspection;
mod issuing;
mod keys;
mod login;
mod policy;
mod revocation;
#[cfg(feature = "rocket")]
mod rocket_integration;
mod sessions;
mod signing;
mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod token;
mod verify;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use binding::RequestCredentials;
pub use config::{
    Audience, Config, DEFAULT_STORE_PATH, DpopConfig, DpopMode, IntrospectMode, IssuerConfig, LOCAL_ISSUER,
    LocalIssuerConfig, MtlsConfig, RolesClaim, ScopeClaim, Secret, StoreConfig, Tenants, TokenType,
};
pub use error::{AuthError, ClaimsMismatch, ConfigError, Denial, ProofProblem, RequestProblem, TokenProblem};
pub use guard::JwtGuard;
pub use issuing::{Confirmation, Grant, IssuedTokens, LocalIssuer};
pub use login::{Authenticator, StaticUsers};
pub use policy::RoutePolicy;
#[allow(deprecated, reason = "re-exported for the apps that still use it")]
pub use revocation::InMemoryRevocations;
pub use revocation::RevocationList;
pub use sessions::{RefreshRefusal, SessionError};
pub use signing::{SigningKey, SigningKeyError};
#[cfg(feature = "redis")]
pub use state::RedisStore;
#[cfg(feature = "sqlite")]
pub use state::SqliteStore;
pub use state::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, MemoryStore, Revocation, RevocationFeed, Revoked,
    Rotation, RotationOutcome, StoreError, TokenStore,
};

/// Implements [`Authenticator`] and [`RevocationList`] with `async fn`s.
pub use async_trait::async_trait;
#[cfg(feature = "openapi")]
pub use rocket_integration::openapi;
#[cfg(feature = "rocket")]
pub use rocket_integration::{
    Claims, CurrentUser, JwtGuardBuilder, JwtGuardFairing, LoadIdentity, Policy, catchers, protect,
};
pub use token::{Binding, Token, TokenHeader};
pub use verify::{IssuerResolver, ResolvedIssuer, Verifier};

pub use jwt_guard_macros::{ClaimNames, Scopes, policy, protected};

/// What the code that the macros generate refers to, and all it refers
/// to: expansions name no other path of this crate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::config::check_issuer_name;
    pub use crate::policy::checks::*;
    pub use crate::policy::sealed::Sealed;
    pub use crate::policy::{Bound, ClaimLiteral, PolicyWay};
    #[cfg(feature = "rocket")]
    pub use crate::rocket_integration::{Policy, Protected};
    pub use crate::{AuthError, Denial, RoutePolicy, Token};
}

/// What the benchmarks measure apart (feature `__bench`). Not public API.
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod __bench {
    /// Parses a JWKS into ready keys and counts them.
    pub fn count_jwks_keys(body: &[u8]) -> Result<usize, String> {
        crate::keys::parse_jwks(body, "benchmark").map(|keys| keys.len())
    }

    /// A verifier whose issuer introspects, which remembers that the
    /// opaque `token` is active with `claims`.
    pub async fn verifier_with_introspected(
        config: &crate::Config,
        token: &str,
        claims: serde_json::Map<String, serde_json::Value>,
    ) -> crate::Verifier {
        let verifier = crate::Verifier::new(config).expect("a valid configuration");
        verifier.prime_introspection(token, claims).await;
        verifier
    }
}

/// The `Authorization` header parser and the DPoP proof checks, for the
/// fuzz targets in `fuzz/`
/// (cargo-fuzz builds with `--cfg fuzzing`). Not public API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::bearer::{check_syntax, locate};
    pub use crate::dpop::check_proof;
}

/// The README's examples, compiled as doctests (they use the test helpers
/// and the OpenAPI support).
#[cfg(all(doctest, feature = "testing", feature = "openapi"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
