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
//! Elsewhere, the first guard to accept the token leaves a marker in the
//! request for the response hook to find. Rocket's request-local cache
//! keeps whatever it is asked for, so asking where no marker is allocates
//! a map in the request. The hook asks only on a route flagged as one
//! where a guard has accepted a token (each route has its flags, made at
//! liftoff and read without a lock), or else for a request with an
//! `Authorization` header: one accepted on a route and forwarded to
//! another. The flag spares the usual request the header's lookup.

use rocket::Request;
use rocket::http::Status;

use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::observe::{AuthEvent, metrics};

/// Counts the request, answered with `status`, accepted or `refused` (the
/// refusal that its response is), and tells the app's observer of a
/// refusal: once per request, from the response hook.
pub(crate) fn account(guard: &JwtGuard, request: &Request<'_>, status: Status, refused: Option<&AuthError>) {
    match refused {
        Some(error) => {
            metrics::request(Some(error.reason()));
            let (method, path) = (request.method().as_str(), request.uri().path().as_str());
            guard.observe(&AuthEvent::Refused { error, method, path });
        }
        None if counted::was_accepted(request, status) => metrics::request(None),
        None => {}
    }
}

#[cfg(feature = "metrics")]
pub(crate) use counted::AccountedRoutes;
pub(crate) use counted::note_accepted;

/// The marker and the routes, with the `metrics` feature.
#[cfg(feature = "metrics")]
mod counted {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rocket::http::Status;
    use rocket::{Catcher, Orbit, Request, Rocket, Route};

    use super::super::catchers::is_own;
    use super::super::route_policies::RoutePolicies;
    use super::super::route_table::RoutePath;
    use crate::error::AuthError;

    /// What each of the app's routes tells of the requests it answers, by
    /// the address of the mounted route, which stays put while the app
    /// serves. The routes are known at liftoff; after that, the flags are
    /// read without a lock, and each written once. Managed by the fairing.
    #[derive(Debug, Default)]
    pub(crate) struct AccountedRoutes(OnceLock<HashMap<usize, RouteFlags, foldhash::fast::RandomState>>);

    /// What a route tells of the requests it answers.
    #[derive(Debug)]
    struct RouteFlags {
        /// Whether a guard has accepted a token on it and left the
        /// marker (only where it `marks`).
        accepted: AtomicBool,
        /// Whether every request it answers, but a refusal, was accepted:
        /// its guard verifies first, and no catcher of the app's own can
        /// turn a refusal there into another status.
        tells: bool,
        /// Whether a guard that accepts a token there leaves the marker:
        /// unless it tells, and so does every route that a request can be
        /// forwarded to from it.
        marks: bool,
    }

    impl AccountedRoutes {
        /// Knows the app's routes, all of them, and what each tells: at
        /// liftoff.
        pub(crate) fn know(&self, rocket: &Rocket<Orbit>) {
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
            let flags = paths.iter().zip(&tells).map(|(path, &route_tells)| {
                let untelling_follower =
                    paths.iter().zip(&tells).any(|(next, &next_tells)| !next_tells && path.may_be_followed_by(next));
                let marks = !route_tells || untelling_follower;
                (address(path.route), RouteFlags { accepted: AtomicBool::new(false), tells: route_tells, marks })
            });
            let _known_once = self.0.set(flags.collect());
        }

        fn flags(&self, route: &Route) -> Option<&RouteFlags> {
            self.0.get()?.get(&address(route))
        }
    }

    impl RouteFlags {
        fn note(&self) {
            if !self.accepted.load(Ordering::Relaxed) {
                self.accepted.store(true, Ordering::Relaxed);
            }
        }
    }

    fn address(route: &Route) -> usize {
        std::ptr::from_ref(route).addr()
    }

    /// That a guard accepted the request's token. Empty: keeping it
    /// allocates nothing of its own.
    struct Accepted;

    /// The flags of the route that `request` is at.
    fn flags_of<'r>(request: &'r Request<'_>) -> Option<&'r RouteFlags> {
        request.rocket().state::<AccountedRoutes>()?.flags(request.route()?)
    }

    /// Notes that a guard accepted `request`'s token, for [`account`]
    /// to count: nothing where whichever route answers will tell, or else
    /// flags its route and leaves the marker, once per request.
    ///
    /// [`account`]: super::account
    pub(crate) fn note_accepted(request: &Request<'_>) {
        if let Some(flags) = flags_of(request) {
            if !flags.marks {
                return;
            }
            flags.note();
        }
        request.local_cache(|| Accepted);
    }

    /// Whether a guard accepted `request`'s token, which its response
    /// does not refuse: where its route tells, it did; elsewhere, whether
    /// the marker is there, asked for where it may be (see the module's
    /// doc). Asking leaves one where none was, which the asking tells by
    /// making it.
    pub(super) fn was_accepted(request: &Request<'_>, status: Status) -> bool {
        let flags = flags_of(request);
        if flags.is_some_and(|flags| flags.tells) {
            // Unless the refusal's status was changed after its catcher,
            // by a response fairing attached before jwt-guard's (or by
            // Rocket's 500 catcher after a failed one): an error answer
            // with a refusal recorded is none. An answer of success is
            // taken as it is (see observe.md).
            return status.code < 400 || AuthError::of(request).is_none();
        }
        let on_accepting_route = flags.is_some_and(|flags| flags.accepted.load(Ordering::Relaxed));
        if !on_accepting_route && !request.headers().contains("Authorization") {
            return false;
        }
        let mut made_now = false;
        request.local_cache(|| {
            made_now = true;
            Accepted
        });
        !made_now
    }
}

/// Without the `metrics` feature, no request is counted.
#[cfg(not(feature = "metrics"))]
mod counted {
    use rocket::Request;
    use rocket::http::Status;

    pub(crate) fn note_accepted(_request: &Request<'_>) {}

    pub(super) fn was_accepted(_request: &Request<'_>, _status: Status) -> bool {
        false
    }
}
