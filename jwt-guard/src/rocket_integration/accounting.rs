//! Each request that needed a token, counted once, accepted or refused,
//! and each refusal told to the app's observer: from the response hook.
//!
//! A request can pass through several guards of jwt-guard (a route's
//! policy and its `Claims<T>`, say), each verifying its token, and is
//! counted once. With the `metrics` feature, the first guard to accept
//! the token leaves a marker in the request for the response hook to
//! find. Rocket's request-local cache keeps whatever it is asked for, so
//! asking where no marker is allocates a map in the request. The hook
//! asks only on a route flagged as one where a guard has accepted a token
//! (each route has a flag, made at liftoff and read without a lock), or
//! else for a request with an `Authorization` header: one accepted on a
//! route and forwarded to another. The flag spares the usual request the
//! header's lookup.

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

#[cfg(feature = "metrics")]
pub(crate) use counted::AcceptingRoutes;
pub(crate) use counted::note_accepted;

/// The marker and the routes, with the `metrics` feature.
#[cfg(feature = "metrics")]
mod counted {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rocket::{Request, Route};

    /// Whether a guard has accepted a token on each of the app's routes,
    /// by the address of the mounted route, which stays put while the app
    /// serves. The routes are known at liftoff; after that, each flag is
    /// read without a lock, and written once. Managed by the fairing.
    #[derive(Debug, Default)]
    pub(crate) struct AcceptingRoutes(OnceLock<HashMap<usize, AtomicBool, foldhash::fast::RandomState>>);

    impl AcceptingRoutes {
        /// Knows the app's `routes`, all of them: at liftoff.
        pub(crate) fn know<'r>(&self, routes: impl Iterator<Item = &'r Route>) {
            let _known_once = self.0.set(routes.map(|route| (address(route), AtomicBool::new(false))).collect());
        }

        fn flag(&self, route: &Route) -> Option<&AtomicBool> {
            self.0.get()?.get(&address(route))
        }

        fn note(&self, route: &Route) {
            if let Some(flag) = self.flag(route)
                && !flag.load(Ordering::Relaxed)
            {
                flag.store(true, Ordering::Relaxed);
            }
        }

        fn has(&self, route: &Route) -> bool {
            self.flag(route).is_some_and(|flag| flag.load(Ordering::Relaxed))
        }
    }

    fn address(route: &Route) -> usize {
        std::ptr::from_ref(route).addr()
    }

    /// That a guard accepted the request's token. Empty: keeping it
    /// allocates nothing of its own.
    struct Accepted;

    /// The routes of `request`'s app, and the route it is at.
    fn routes_and_route<'r>(request: &'r Request<'_>) -> Option<(&'r AcceptingRoutes, &'r Route)> {
        Some((request.rocket().state::<AcceptingRoutes>()?, request.route()?))
    }

    /// Notes that a guard accepted `request`'s token, for [`account`]
    /// to count: flags its route, and leaves the marker, once per request.
    ///
    /// [`account`]: super::account
    pub(crate) fn note_accepted(request: &Request<'_>) {
        if let Some((routes, route)) = routes_and_route(request) {
            routes.note(route);
        }
        request.local_cache(|| Accepted);
    }

    /// Whether a guard accepted `request`'s token: whether the marker is
    /// there, asked for where it may be (see the module's doc). Asking
    /// leaves one where none was, which the asking tells by making it.
    pub(super) fn was_accepted(request: &Request<'_>) -> bool {
        let on_accepting_route = routes_and_route(request).is_some_and(|(routes, route)| routes.has(route));
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

    pub(crate) fn note_accepted(_request: &Request<'_>) {}

    pub(super) fn was_accepted(_request: &Request<'_>) -> bool {
        false
    }
}
