//! [`protect`]: whole groups of routes behind one compiled policy, and the
//! names by which the launch checks and the API's descriptions find the
//! group policies of a mounted route.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use rocket::outcome::Outcome;
use rocket::request::Request;
use rocket::route::{self, Handler};
use rocket::{Data, Route};

use super::request_guards::enforce;
use crate::policy::{CompiledPolicy, RoutePolicy};

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
    policies: Vec<CompiledPolicy>,
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
fn group_name(route: &Route, policy: CompiledPolicy) -> &'static str {
    let mut names = GROUP_NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let text = route.name.as_deref().unwrap_or("protected");
    let wrapped = name_address(route);
    let existing = names
        .iter()
        .find(|group| group.name == text && group.wrapped == wrapped && group.policies.last() == Some(&policy));
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

/// The group policies that a mounted `route` sits behind, innermost first.
pub(super) fn group_policies(route: &Route) -> Vec<CompiledPolicy> {
    let Some(address) = name_address(route) else { return Vec::new() };
    let names = GROUP_NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    names
        .iter()
        .find(|group| group.name.as_ptr() as usize == address)
        .map(|group| group.policies.clone())
        .unwrap_or_default()
}

/// A policy compiled by [`policy!`](crate::policy!), for [`protect`]. It
/// is `Copy`: one policy may protect several groups. Its type is made by
/// the macro and has no name; a function that returns one says
/// `Policy<impl RoutePolicy>`.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::policy::RoutePolicy;
/// use jwt_guard::{JwtGuard, Policy, policy, protect};
///
/// /// The app's one definition of who administers it.
/// fn administrators() -> Policy<impl RoutePolicy> {
///     policy!(scope = "admin", role = "admin")
/// }
///
/// #[get("/users")]
/// fn users() {}
///
/// #[get("/audit")]
/// fn audit() {}
///
/// let admin = administrators();
/// assert_eq!(format!("{admin:?}"), "Policy(scopes `admin` and role `admin`)");
/// let rocket = rocket::build()
///     .attach(JwtGuard::fairing())
///     .mount("/admin", protect(admin, routes![users]))
///     .mount("/internal", protect(admin, routes![audit]));
/// ```
pub struct Policy<P>(PhantomData<P>);

impl<P> Clone for Policy<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Policy<P> {}

/// The policy in words, as the launch log tells it.
impl<P: RoutePolicy> fmt::Debug for Policy<P> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Policy({})", P::DESCRIPTION)
    }
}

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
///
/// Without the fairing, the group's routes answer every request with a
/// 500 (and log why), from Rocket's 500 catcher or the app's own, where
/// [`AuthError::of`](crate::AuthError::of) is
/// [`AuthError::NotConfigured`](crate::AuthError::NotConfigured): unlike
/// the guards, whose Sentinels stop the launch, a group cannot tell
/// Rocket what it needs.
pub fn protect<P: RoutePolicy>(policy: Policy<P>, routes: Vec<Route>) -> Vec<Route> {
    let Policy(marker) = policy;
    let group = CompiledPolicy::of::<P>();
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
            Err(error) => Outcome::Error(error.record(request, CompiledPolicy::of::<P>().first_scopes())),
        }
    }
}
