//! Each request that needed a token, counted once, accepted or refused,
//! and each refusal told to the app's observer: from the response hook.
//!
//! A request can pass through several guards of jwt-guard (a route's
//! policy and its `Claims<T>`, say), each verifying its token, and is
//! counted once. With the `metrics` feature, the first guard to accept
//! the token leaves a marker in the request for the response hook to
//! find, and its route is remembered as one whose guards accept tokens.
//! The hook looks for the marker on such routes only: Rocket's
//! request-local cache keeps whatever it is asked for, so asking where no
//! marker is allocates a map in the request.

use rocket::Request;

use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::observe::{AuthEvent, metrics};

/// Counts the request, accepted or `refused` (the refusal that its
/// response is), and tells the app's observer of a refusal: once per
/// request, from the response hook.
pub(crate) fn account(guard: &JwtGuard, request: &Request<'_>, refused: Option<&AuthError>) {
    match refused {
        Some(error) => {
            metrics::request(Some(error.reason()));
            let (method, path) = (request.method().as_str(), request.uri().path().as_str());
            guard.observe(&AuthEvent::Refused { error, method, path });
        }
        None if counted::was_accepted(request) => metrics::request(None),
        None => {}
    }
}

/// Notes that a guard accepted `request`'s token, for [`account`] to
/// count; nothing without the `metrics` feature.
pub(crate) fn note_accepted(request: &Request<'_>) {
    #[cfg(feature = "metrics")]
    counted::note_accepted(request);
    #[cfg(not(feature = "metrics"))]
    let _ = request;
}

#[cfg(feature = "metrics")]
pub(crate) use counted::AcceptingRoutes;

/// The marker and the routes, with the `metrics` feature.
#[cfg(feature = "metrics")]
mod counted {
    use std::collections::HashSet;
    use std::sync::{PoisonError, RwLock};

    use rocket::Request;

    /// The routes on which a guard has accepted a token, each by the
    /// address of its mounted route, which stays put while the app
    /// serves: as many at most as the app mounts. Managed by the fairing.
    #[derive(Debug, Default)]
    pub(crate) struct AcceptingRoutes(RwLock<HashSet<usize, foldhash::fast::RandomState>>);

    impl AcceptingRoutes {
        fn note(&self, route: usize) {
            if !self.has(route) {
                self.0.write().unwrap_or_else(PoisonError::into_inner).insert(route);
            }
        }

        fn has(&self, route: usize) -> bool {
            self.0.read().unwrap_or_else(PoisonError::into_inner).contains(&route)
        }
    }

    /// That a guard accepted the request's token. Empty: keeping it
    /// allocates nothing of its own.
    struct Accepted;

    /// The address of the route that `request` was routed to, if any.
    fn route_of(request: &Request<'_>) -> Option<usize> {
        request.route().map(|route| std::ptr::from_ref(route).addr())
    }

    fn accepting_routes<'r>(request: &'r Request<'_>) -> Option<&'r AcceptingRoutes> {
        request.rocket().state::<AcceptingRoutes>()
    }

    /// Leaves the marker in `request`, and notes its route, once per
    /// request.
    pub(super) fn note_accepted(request: &Request<'_>) {
        request.local_cache(|| {
            if let (Some(routes), Some(route)) = (accepting_routes(request), route_of(request)) {
                routes.note(route);
            }
            Accepted
        });
    }

    /// Whether a guard accepted `request`'s token. The local cache is
    /// asked on a route whose guards accept tokens only; there, a marker
    /// that was not left is left now, and tells so by being made.
    pub(super) fn was_accepted(request: &Request<'_>) -> bool {
        let on_accepting_route = match (accepting_routes(request), route_of(request)) {
            (Some(routes), Some(route)) => routes.has(route),
            _ => false,
        };
        if !on_accepting_route {
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
    pub(super) fn was_accepted(_request: &rocket::Request<'_>) -> bool {
        false
    }
}
