//! Each request that needed a token, counted once, accepted or refused,
//! and each refusal told to the app's observer: from the response hook.
//!
//! A request can pass through several guards of jwt-guard (a route's
//! policy and its `Claims<T>`, say), and through several routes, each
//! forwarding it to the next, and is counted once, with the `metrics`
//! feature. Where the route that answers tells that a guard accepted the
//! token, nothing is kept in the request. A route tells where its guard
//! verifies first (a `#[protected]` or group route: Rocket runs request
//! guards first, in their order) and no catcher of the app's own can turn
//! a refusal there into another status (see `route_table`): whenever it
//! answers, or forwards to no other route, its guard ran, and any answer
//! but the refusal is an acceptance. A guard that accepts a token on such
//! a route keeps nothing where every route that the request can be
//! forwarded to from there tells too.
//!
//! Elsewhere, the guard that accepts the token notes the request in a
//! table that the app's requests share, or leaves a marker in it (see
//! `acceptance`). What each route tells is read once, at
//! liftoff, from the route table (see `route_table`) and the routes'
//! policies.

use rocket::Request;
use rocket::http::Status;
#[cfg(feature = "metrics")]
use rocket::{Catcher, Orbit, Rocket, Route};

use super::acceptance::was_accepted;
#[cfg(feature = "metrics")]
use super::{
    acceptance::{AcceptanceRecords, RouteFlags},
    catchers::is_own,
    route_policies::RoutePolicies,
    route_table::RoutePath,
};
use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::observe::{AuthEvent, metrics};

/// Counts the request, answered with `status`, accepted or `refused` (the
/// refusal that its response is), and tells the app's observer of a
/// refusal: once per request, from the response hook.
pub(crate) fn account(guard: &JwtGuard, request: &Request<'_>, status: Status, refused: Option<&AuthError>) {
    // Asked of every response: the asking frees what the request held.
    let accepted = was_accepted(request, status);
    match refused {
        Some(error) => {
            metrics::request(Some(error.reason()));
            let (method, path) = (request.method().as_str(), request.uri().path().as_str());
            guard.observe(&AuthEvent::Refused { error, method, path });
        }
        None if accepted => metrics::request(None),
        None => {}
    }
}

/// What each of the app's routes tells of the requests it answers, for
/// [`was_accepted`]: at liftoff, from the route table and the routes'
/// policies.
#[cfg(feature = "metrics")]
pub(super) fn know_routes(rocket: &Rocket<Orbit>) {
    let Some(records) = rocket.state::<AcceptanceRecords>() else { return };
    let routes: Vec<&Route> = rocket.routes().collect();
    let paths: Vec<RoutePath<'_>> = routes.iter().map(|route| RoutePath::of(route)).collect();
    let policies = rocket.state::<RoutePolicies>();
    let foreign_catchers: Vec<&Catcher> = rocket.catchers().filter(|catcher| !is_own(catcher)).collect();
    let tells: Vec<bool> = paths
        .iter()
        .map(|path| {
            policies.is_some_and(|policies| policies.verifies_first(path.route, &routes))
                && !path.caught_by_any(&foreign_catchers, &AuthError::STATUS_CODES)
        })
        .collect();
    records.know(paths.iter().zip(&tells).map(|(path, &route_tells)| {
        let untelling_follower =
            paths.iter().zip(&tells).any(|(next, &next_tells)| !next_tells && path.may_be_followed_by(next));
        (path.route, RouteFlags::new(route_tells, !route_tells || untelling_follower))
    }));
}
