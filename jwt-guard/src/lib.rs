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
//! The [`config`] module documents every setting.
//!
//! [Rocket]: https://rocket.rs

mod algorithm;
mod bearer;
pub mod config;
mod error;
mod issuing;
mod keys;
mod login;
mod policy;
mod revocation;
mod rocket_integration;
mod signing;
#[cfg(feature = "testing")]
pub mod testing;
mod token;
mod verify;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use config::{Audience, Config, IssuerConfig, LOCAL_ISSUER, LocalIssuerConfig, ScopeClaim, TokenType};
pub use error::{AuthError, ClaimsMismatch, ConfigError, RequestProblem, TokenProblem};
pub use issuing::{Grant, IssuedTokens, LocalIssuer};
pub use login::{Authenticator, StaticUsers};
pub use policy::{Denial, RoutePolicy};
pub use revocation::{InMemoryRevocations, RevocationList};
pub use signing::{SigningKey, SigningKeyError};

/// Implements [`Authenticator`] and [`RevocationList`] with `async fn`s.
pub use async_trait::async_trait;
pub use rocket_integration::{
    Claims, CurrentUser, JwtGuard, JwtGuardBuilder, JwtGuardFairing, LoadIdentity, Policy, catchers, protect,
};
pub use token::{Token, TokenHeader};
pub use verify::Verifier;

pub use jwt_guard_macros::{ClaimNames, Scopes, policy, protected};

/// What the code that the macros generate refers to, and all it refers
/// to: expansions name no other path of this crate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bearer::{check_syntax as check_bearer_syntax, locate as locate_bearer_token};
    pub use crate::config::check_issuer_name;
    pub use crate::policy::ClaimLiteral;
    pub use crate::policy::checks::*;
    pub use crate::policy::sealed::Sealed;
    pub use crate::rocket_integration::Protected;
    pub use crate::{AuthError, Denial, Policy, RoutePolicy, Token};

    /// Parses a JWKS into ready keys and counts them, for the benchmarks.
    pub fn count_jwks_keys(body: &[u8]) -> Result<usize, String> {
        crate::keys::parse_jwks(body, "benchmark").map(|keys| keys.len())
    }
}

/// The README's examples, compiled as doctests (they use the test helpers).
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
