//! Enforcing compiled policies in Rocket: the hidden request guard that
//! `#[protected]` adds to a handler, [`protect`] for whole groups of
//! routes, and the launch checks of both.

use std::marker::PhantomData;

use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::route::{self, Handler};
use rocket::{Data, Ignite, Rocket, Route, Sentinel};

use super::JwtGuard;
use super::guards::{fairing_missing, verify};
use crate::error::AuthError;
use crate::policy::RoutePolicy;

/// Verifies the token and evaluates `P` before the handler runs.
///
/// `#[protected]` adds a parameter of this type to the handler; it is not
/// meant to be named by users.
#[doc(hidden)]
#[derive(Debug)]
pub struct Protected<P>(PhantomData<P>);

/// Verifies the request's token and evaluates `P` on it.
async fn enforce<P: RoutePolicy>(request: &Request<'_>) -> Result<(), AuthError> {
    let token = verify(request).await.as_ref().map_err(Clone::clone)?;
    P::evaluate(token).await
}

#[rocket::async_trait]
impl<'r, P: RoutePolicy> FromRequest<'r> for Protected<P> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        match enforce::<P>(request).await {
            Ok(()) => Outcome::Success(Protected(PhantomData)),
            Err(error) => error.fail(request),
        }
    }
}

impl<P: RoutePolicy> Sentinel for Protected<P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        policy_unusable::<P>(rocket)
    }
}

/// Whether launch must stop because `P` cannot be enforced in `rocket`;
/// logs the policy when it can.
fn policy_unusable<P: RoutePolicy>(rocket: &Rocket<Ignite>) -> bool {
    if fairing_missing(rocket) {
        return true;
    }
    let Some(guard) = rocket.state::<JwtGuard>() else { return true };
    let unknown = P::ISSUERS.iter().find(|name| !guard.verifier().issuer_names().any(|known| known == **name));
    if let Some(name) = unknown {
        let known: Vec<_> = guard.verifier().issuer_names().collect();
        log::error!(
            "jwt-guard: route `{}` accepts only issuer `{name}`, which is not configured (configured: {}); \
             add `[default.jwt_guard.issuers.{name}]` or fix the policy",
            P::ROUTE,
            known.join(", ")
        );
        return true;
    }
    log::info!("jwt-guard: route `{}` requires {}", P::ROUTE, P::DESCRIPTION);
    false
}

/// A policy compiled by [`policy!`](crate::policy!), for [`protect`].
#[derive(Debug)]
pub struct Policy<P>(PhantomData<P>);

impl<P: RoutePolicy> Policy<P> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Puts every route of `routes` behind `policy`, as if each carried the
/// same `#[protected(...)]`. A route that also carries `#[protected]`
/// must meet both policies.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, policy, protect};
///
/// #[get("/reports")]
/// fn reports() -> &'static str { "..." }
///
/// #[get("/exports")]
/// fn exports() -> &'static str { "..." }
///
/// let rocket = rocket::build()
///     .attach(JwtGuard::fairing())
///     .mount("/", protect(policy!(scope = "read"), routes![reports, exports]));
/// ```
///
/// Denied requests get the same responses as with `#[protected]`.
pub fn protect<P: RoutePolicy>(policy: Policy<P>, routes: Vec<Route>) -> Vec<Route> {
    let Policy(marker) = policy;
    routes
        .into_iter()
        .map(|mut route| {
            log::debug!("jwt-guard: {} {} requires {}", route.method, route.uri, P::DESCRIPTION);
            route.handler = Box::new(PolicyHandler::<P> { inner: route.handler, policy: marker });
            route
        })
        .collect()
}

/// A route's handler behind a group policy.
struct PolicyHandler<P> {
    inner: Box<dyn Handler>,
    policy: PhantomData<P>,
}

impl<P> Clone for PolicyHandler<P> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), policy: PhantomData }
    }
}

#[rocket::async_trait]
impl<P: RoutePolicy> Handler for PolicyHandler<P> {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        match enforce::<P>(request).await {
            Ok(()) => self.inner.handle(request, data).await,
            Err(error) => Outcome::Error(error.record(request)),
        }
    }
}
