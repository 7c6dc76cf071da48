//! Enforcing compiled policies in Rocket: the hidden request guard that
//! `#[protected]` adds to a handler, [`protect`] for whole groups of
//! routes, and the launch checks of both.

use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use rocket::http::Method;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::route::{self, Handler};
use rocket::{Data, Ignite, Rocket, Route, Sentinel};

use super::JwtGuard;
use super::guards::{fairing_missing, verify};
use crate::error::AuthError;
use crate::policy::RoutePolicy;
use crate::verify::Verifier;

/// Verifies the token and evaluates `P` before the handler runs.
///
/// `#[protected]` adds a parameter of this type to the handler; it is not
/// meant to be named by users.
#[doc(hidden)]
#[derive(Debug)]
pub struct Protected<P>(PhantomData<P>);

/// Verifies the request's token and evaluates `P` on it.
async fn enforce<P: RoutePolicy>(request: &Request<'_>) -> Result<(), AuthError> {
    let token = verify(request).await?;
    P::evaluate(&token).await
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
    !policy_usable(guard.verifier(), P::ROUTE, P::DESCRIPTION, P::ISSUERS)
}

/// Whether every issuer that a policy names is configured; logs the
/// policy of `route` if so, and the missing issuer if not.
fn policy_usable(verifier: &Verifier, route: &str, description: &str, issuers: &[&str]) -> bool {
    let unknown = issuers.iter().find(|name| !verifier.issuer_names().any(|known| known == **name));
    if let Some(name) = unknown {
        let known: Vec<_> = verifier.issuer_names().collect();
        log::error!(
            "jwt-guard: route `{route}` accepts only issuer `{name}`, which is not configured (configured: {}); \
             add `[default.jwt_guard.issuers.{name}]` or fix the policy",
            known.join(", ")
        );
        return false;
    }
    log::info!("jwt-guard: route `{route}` requires {description}");
    true
}

/// A route that [`protect`] put behind a group policy, for the launch
/// checks: Rocket gives fairings no way to see inside a route's handler.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupRoute {
    method: Method,
    unmounted_uri: String,
    name: Option<String>,
    description: &'static str,
    issuers: &'static [&'static str],
}

/// Every route that [`protect`] wrapped in this process.
static GROUP_ROUTES: Mutex<Vec<GroupRoute>> = Mutex::new(Vec::new());

impl GroupRoute {
    fn of<P: RoutePolicy>(route: &Route) -> Self {
        Self {
            method: route.method,
            unmounted_uri: route.uri.unmounted_origin.to_string(),
            name: route.name.as_deref().map(str::to_owned),
            description: P::DESCRIPTION,
            issuers: P::ISSUERS,
        }
    }

    fn is(&self, route: &Route) -> bool {
        self.method == route.method
            && self.unmounted_uri == route.uri.unmounted_origin.to_string()
            && self.name.as_deref() == route.name.as_deref()
    }
}

/// Whether every group policy among `routes` can be enforced by
/// `verifier`; logs each group-protected route with its policy.
pub(crate) fn group_policies_usable<'a>(verifier: &Verifier, routes: impl Iterator<Item = &'a Route>) -> bool {
    let groups = GROUP_ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
    let mut usable = true;
    for route in routes {
        for group in groups.iter().filter(|group| group.is(route)) {
            let label = format!("{} {}", route.method, route.uri);
            usable &= policy_usable(verifier, &label, group.description, group.issuers);
        }
    }
    usable
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
/// Denied requests get the same responses as with `#[protected]`. At
/// ignite, the fairing logs each route with its group policy, and stops the
/// launch if the policy names an issuer that is not configured.
pub fn protect<P: RoutePolicy>(policy: Policy<P>, routes: Vec<Route>) -> Vec<Route> {
    let Policy(marker) = policy;
    routes
        .into_iter()
        .map(|mut route| {
            let group = GroupRoute::of::<P>(&route);
            let mut groups = GROUP_ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
            if !groups.contains(&group) {
                groups.push(group);
            }
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
