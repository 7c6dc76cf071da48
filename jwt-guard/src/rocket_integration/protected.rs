//! Enforcing compiled policies in Rocket: the hidden request guard that
//! `#[protected]` adds to a handler, [`protect`] for whole groups of
//! routes, and the launch checks of both.

use std::any::TypeId;
use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::route::{self, Handler};
use rocket::{Data, Ignite, Rocket, Route, Sentinel};

use super::guards::{fairing_missing, verify};
use crate::error::AuthError;
use crate::guard::JwtGuard;
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

/// A group policy, as the launch checks need it.
#[derive(Debug, Clone, Copy)]
struct GroupPolicy {
    policy: TypeId,
    description: &'static str,
    issuers: &'static [&'static str],
}

/// A name that [`protect`] gave the routes it wrapped.
///
/// Rocket gives a fairing no way to see inside a route's handler, and it
/// clones every route as it mounts it. A name survives the clone as the
/// same `&'static str`, so `protect` gives each route it wraps a name of
/// its own (the same text, in a string of ours), and the launch checks
/// know a wrapped route by that string's address. The same handler mounted
/// bare keeps Rocket's name for it, at another address, and is not taken
/// for a protected one.
#[derive(Debug)]
struct GroupName {
    name: &'static str,
    /// The address of the route's name before this group wrapped it.
    wrapped: Option<usize>,
    /// The group policies around the route, innermost first.
    policies: Vec<GroupPolicy>,
}

/// Every group name handed out in this process: one per handler name,
/// enclosing groups and policy, so at most one per such combination in the
/// program's code.
static GROUP_NAMES: Mutex<Vec<GroupName>> = Mutex::new(Vec::new());

/// The address of a route's name, if it has one that is not owned by the
/// route (an owned name has a new address in every clone).
fn name_address(route: &Route) -> Option<usize> {
    match &route.name {
        Some(Cow::Borrowed(name)) => Some(name.as_ptr() as usize),
        _ => None,
    }
}

/// The name for `route` behind the group policy `policy`.
fn group_name(route: &Route, policy: GroupPolicy) -> &'static str {
    let mut names = GROUP_NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let text = route.name.as_deref().unwrap_or("protected");
    let wrapped = name_address(route);
    let existing = names.iter().find(|group| {
        group.name == text
            && group.wrapped == wrapped
            && group.policies.last().map(|last| last.policy) == Some(policy.policy)
    });
    if let Some(existing) = existing {
        return existing.name;
    }
    let mut policies = match wrapped {
        Some(address) => names
            .iter()
            .find(|group| group.name.as_ptr() as usize == address)
            .map(|group| group.policies.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    policies.push(policy);
    let name: &'static str = Box::leak(text.to_owned().into_boxed_str());
    names.push(GroupName { name, wrapped, policies });
    name
}

/// Whether every group policy among `routes` can be enforced by
/// `verifier`; logs each mounted route that a group protects, with its
/// policies.
pub(crate) fn group_policies_usable<'a>(verifier: &Verifier, routes: impl Iterator<Item = &'a Route>) -> bool {
    let names = GROUP_NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let mut usable = true;
    for route in routes {
        let Some(address) = name_address(route) else { continue };
        let Some(group) = names.iter().find(|group| group.name.as_ptr() as usize == address) else { continue };
        let label = format!("{} {}", route.method, route.uri);
        for policy in &group.policies {
            usable &= policy_usable(verifier, &label, policy.description, policy.issuers);
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
/// ignite, the fairing logs each mounted route that a group protects, with
/// its policy, and stops the launch if the policy names an issuer that is
/// not configured. The routes keep their names (Rocket's launch log shows
/// them as before); a route without a name is named `protected`.
pub fn protect<P: RoutePolicy>(policy: Policy<P>, routes: Vec<Route>) -> Vec<Route> {
    let Policy(marker) = policy;
    let group = GroupPolicy { policy: TypeId::of::<P>(), description: P::DESCRIPTION, issuers: P::ISSUERS };
    routes
        .into_iter()
        .map(|mut route| {
            route.name = Some(Cow::Borrowed(group_name(&route, group)));
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
