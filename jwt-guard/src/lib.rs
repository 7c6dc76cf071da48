//! # jwt-guard
//!
//! JWT bearer-token authentication for [Rocket] 0.5 APIs: verify tokens
//! from the identity providers you trust (Auth0, Keycloak, Okta, Entra ID,
//! any OpenID provider) and read their claims in request guards.
//!
//! `cargo add jwt-guard rocket@0.5 serde --features serde/derive`, then:
//!
//! ```rust,no_run
//! #[macro_use] extern crate rocket;
//!
//! use jwt_guard::{Claims, JwtGuard, Token, protected};
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
//! /// Tokens granted `reports:read`; a valid token without it gets 403.
//! #[protected(scope = "reports:read")]
//! #[get("/reports")]
//! fn reports(token: Token) -> String {
//!     format!("reports for {}", token.subject().unwrap_or("?"))
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(JwtGuard::fairing())
//!         .register("/", jwt_guard::catchers())
//!         .mount("/", routes![me, reports])
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
//!
//! A handler reads the token through a request guard, and any route with
//! one needs a valid token:
//!
//! - [`Token`]: the verified token: its subject, issuer, scopes, roles,
//!   and any claim as JSON.
//! - [`Claims<T>`](Claims): its claims as your own `Deserialize` type (a
//!   token whose claims do not fit it is refused with 401).
//! - [`CurrentUser<U>`](CurrentUser): your own user, loaded once per
//!   request from the token by your [`LoadIdentity`].
//!
//! A handler may take several: the token is verified once per request.
//! `#[protected(...)]` adds what the token must grant (scopes, roles,
//! claims) to a route, whether its handler reads the token or not.
//!
//! # Where to start, by task
//!
//! - **See it work first**: the repository's quickstart,
//!   `cargo run --example quickstart`, is a protected API with its own
//!   login, with nothing to set up; the repository's README ("[Two
//!   commands](https://github.com/jwt-guard/jwt-guard#two-commands)")
//!   walks through it with curl.
//! - **Trust your identity provider**: an issuer's table in
//!   [`config`], and [what Auth0, Keycloak, Entra ID and Okta
//!   need](crate::config#identity-providers) (scopes in `scp` or
//!   `permissions`, roles in nested claims, audiences).
//! - **Protect routes**: [`policy`](mod@policy), every option of
//!   `#[protected]`, and [`protect()`] for groups of routes.
//! - **Load your own user** for each request, from the token's subject,
//!   with any issuer: [`CurrentUser`] and [`LoadIdentity`].
//! - **Sign users out, refresh, revoke** from a handler: [`JwtGuard`]
//!   (as `&State<JwtGuard>`).
//! - **Log users in yourself**, with no identity provider: [`issuer`].
//! - **Test your routes** with really signed tokens: [`testing`].
//! - **Answer refusals your way**: [`error`].
//! - **Know what happens** when the provider is down, a key rotates, or a
//!   token is forged: [Security](#security), below.
//! - **Log users out everywhere**, when they log out at the identity
//!   provider too: [`store`] ("Logout at the identity provider").
//! - **Run several instances**: [`store`] ("A fleet on Redis").
//! - **Watch it in production**: [`observe`], metrics, audit events and
//!   log lines.
//!
//! # The guide, by module
//!
//! - [`policy`](mod@policy): what `#[protected]` checks (scopes, claims, roles, issuers,
//!   step-up), typed scopes, and [`protect()`] for groups of routes.
//! - [`config`]: every setting of the `jwt_guard` table, and the API's
//!   protected-resource metadata (RFC 9728).
//! - [`issuer`]: the built-in issuer (a login route, `POST /auth` with a
//!   JSON username and password, as Python's Flask-JWT has it), its
//!   sessions, refresh tokens and logout.
//! - [`store`]: where sessions and revocations are kept, and a fleet on
//!   Redis.
//! - [`verify`]: opaque tokens and introspection, issuers per tenant, and
//!   verifying outside Rocket.
//! - [`binding`]: sender-constrained tokens, DPoP and mTLS.
//! - [`error`]: every refusal, its status and its body.
//! - [`observe`]: audit events for an [`AuthObserver`](observe::AuthObserver),
//!   and the metrics of the `metrics` feature.
//! - [`testing`]: test helpers for an app's own tests (feature `testing`).
//! - [`openapi`]: an OpenAPI document's security from the compiled policies
//!   (feature `openapi`).
//!
//! # Features
//!
//! - `rocket` (default): the Rocket integration: [`JwtGuard::fairing()`], the
//!   request guards, [`catchers()`], the built-in issuer's routes, and the
//!   enforcement of `#[protected]`. Without it, the core
//!   ([`verify::Verifier`], [`JwtGuard::authenticate`],
//!   [`issuer::LocalIssuer`]) stands alone.
//! - `sqlite` (default): the token store in an SQLite file
//!   ([`store::SqliteStore`]), the default store of a built-in issuer with a
//!   persistent key.
//! - `redis`: the token store in Redis, for a fleet of instances
//!   (`store::RedisStore`).
//! - `mtls`: certificate-bound tokens (RFC 8705) over Rocket's own TLS
//!   listener. Behind a TLS-terminating proxy,
//!   `[jwt_guard.mtls] certificate_header` needs no feature.
//! - `testing`: test helpers for apps' own tests, in [`testing`].
//! - `metrics`: counters and histograms on the `metrics` facade (requests
//!   by outcome and reason, fetches, cache lookups, store errors), listed
//!   in [`observe`].
//! - `openapi`: the security of an OpenAPI document written with utoipa,
//!   from the compiled policies, in [`openapi`].
//!
//! [Rocket]: https://rocket.rs
#![cfg_attr(feature = "testing", doc = "[`testing`]: crate::testing")]
#![cfg_attr(not(feature = "testing"), doc = "[`testing`]: https://docs.rs/jwt-guard/latest/jwt_guard/testing/")]
#![cfg_attr(feature = "openapi", doc = "[`openapi`]: crate::openapi")]
#![cfg_attr(not(feature = "openapi"), doc = "[`openapi`]: https://docs.rs/jwt-guard/latest/jwt_guard/openapi/")]
//!
#![doc = include_str!("../docs/security.md")]
// On docs.rs, each item is labelled with the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// The docs link the Rocket integration and the SQLite store, default
// features both: built without them, such links are left as plain text.
#![cfg_attr(not(all(feature = "rocket", feature = "sqlite")), allow(rustdoc::broken_intra_doc_links))]

mod algorithm;
mod backoff;
pub mod binding;
mod builder;
mod clock;
pub mod config;
mod description;
mod digest;
pub mod error;
mod guard;
mod introspection;
pub mod issuer;
mod keys;
mod log_limit;
#[cfg_attr(not(feature = "rocket"), allow(dead_code, reason = "received by the Rocket wing"))]
mod logout;
mod loopback;
pub mod observe;
pub mod policy;
mod registered;
mod request;
#[cfg(feature = "rocket")]
mod rocket_integration;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod token;
pub mod verify;

pub use builder::JwtGuardBuilder;
pub use error::AuthError;
pub use guard::JwtGuard;
pub use token::Token;

/// Implements the crate's traits ([`LoadIdentity`],
/// [`issuer::Authenticator`], [`verify::RevocationList`],
/// [`verify::IssuerResolver`], [`store::TokenStore`]) with `async fn`s.
pub use async_trait::async_trait;
#[cfg(feature = "openapi")]
pub mod openapi {
    //! The security of a utoipa OpenAPI document, written from the compiled
    //! policies (feature `openapi`).
    //!
    #![doc = include_str!("../docs/openapi.md")]
    pub use crate::rocket_integration::openapi::*;
}
#[cfg(feature = "rocket")]
pub use rocket_integration::{Claims, CurrentUser, LoadIdentity, Policy, catchers, protect};

pub use jwt_guard_macros::{ClaimNames, Scopes};
#[cfg(feature = "rocket")]
pub use jwt_guard_macros::{policy, protected};

/// What the code that the macros generate refers to, and all it refers
/// to: expansions name no other path of this crate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::config::settings::check_issuer_name;
    pub use crate::error::Denial;
    pub use crate::policy::RoutePolicy;
    pub use crate::policy::checks::*;
    pub use crate::policy::expansion::{Bound, ClaimLiteral, PolicyWay};
    pub use crate::policy::sealed::Sealed;
    #[cfg(feature = "rocket")]
    pub use crate::rocket_integration::{
        ClaimsParam, NotClaimsParam, ParamProbe, Policy, Protected, claims_read_as_json,
    };
    pub use crate::{AuthError, Token};
}

/// What the benchmarks measure apart (feature `__bench`). Not public API.
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod __bench {
    /// Parses a JWKS into ready keys and counts them.
    pub fn count_jwks_keys(body: &[u8]) -> Result<usize, String> {
        crate::keys::parse_jwks(body, "benchmark").map(|keys| keys.len())
    }

    /// Reads a claims object as verification does: one pass, registered
    /// claims as their types, the rest kept as text.
    pub fn read_claims(json: &str) -> bool {
        crate::verify::read_claims(json)
    }

    /// A verifier whose issuer introspects, which remembers that the
    /// opaque `token` is active with `claims`.
    pub async fn verifier_with_introspected(
        config: &crate::config::Config,
        token: &str,
        claims: serde_json::Map<String, serde_json::Value>,
    ) -> crate::verify::Verifier {
        let verifier = crate::verify::Verifier::new(config).expect("a valid configuration");
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
    pub use crate::binding::dpop::check_proof;
    pub use crate::request::bearer::{check_syntax, locate};
}

/// The README's examples, compiled as doctests (they use the test helpers
/// and the OpenAPI support).
#[cfg(all(doctest, feature = "testing", feature = "openapi"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
