//! Whether a guard accepted the request's token: noted by the guards,
//! read by the response hook (see `accounting`), with the `metrics`
//! feature.
//!
//! Where the route that answers tells that a guard accepted the token
//! (each route's flags, made at liftoff by `accounting` and read without
//! a lock), nothing is kept in the request. Elsewhere, the first guard to
//! accept the token leaves a marker in the request for the response hook
//! to find. Rocket's request-local cache keeps whatever it is asked for,
//! so asking where no marker is allocates a map in the request. The hook
//! asks only on a route flagged as one where a guard has accepted a
//! token, or else for a request with an `Authorization` header: one
//! accepted on a route and forwarded to another. The flag spares the
//! usual request the header's lookup.

#[cfg(feature = "metrics")]
pub(super) use noted::{AccountedRoutes, RouteFlags};
pub(super) use noted::{note_accepted, was_accepted};

/// The route's flags and the marker, with the `metrics` feature.
#[cfg(feature = "metrics")]
mod noted {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rocket::http::Status;
    use rocket::{Request, Route};

    use crate::error::AuthError;

    /// What each of the app's routes tells of the requests it answers, by
    /// the address of the mounted route, which stays put while the app
    /// serves. The routes are known at liftoff; after that, the flags are
    /// read without a lock, and each written once. Managed by the fairing.
    #[derive(Debug, Default)]
    pub(in super::super) struct AccountedRoutes(OnceLock<HashMap<usize, RouteFlags, foldhash::fast::RandomState>>);

    /// What a route tells of the requests it answers.
    #[derive(Debug)]
    pub(in super::super) struct RouteFlags {
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
        /// Knows each of the app's routes with what it `tells` and whether
        /// it `marks`: once, at liftoff.
        pub(in super::super) fn know<'r>(&self, routes: impl Iterator<Item = (&'r Route, RouteFlags)>) {
            let flags = routes.map(|(route, flags)| (address(route), flags));
            let _known_once = self.0.set(flags.collect());
        }

        fn flags(&self, route: &Route) -> Option<&RouteFlags> {
            self.0.get()?.get(&address(route))
        }
    }

    impl RouteFlags {
        /// The flags of a route that `tells` and `marks`, with no token
        /// accepted on it yet.
        pub(in super::super) fn new(tells: bool, marks: bool) -> Self {
            RouteFlags { accepted: AtomicBool::new(false), tells, marks }
        }

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

    /// Notes that a guard accepted `request`'s token, for the response
    /// hook to count: nothing where whichever route answers will tell, or
    /// else flags its route and leaves the marker, once per request.
    pub(in super::super) fn note_accepted(request: &Request<'_>) {
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
    pub(in super::super) fn was_accepted(request: &Request<'_>, status: Status) -> bool {
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

/// Without the `metrics` feature, nothing is noted.
#[cfg(not(feature = "metrics"))]
mod noted {
    use rocket::Request;
    use rocket::http::Status;

    pub(in super::super) fn note_accepted(_request: &Request<'_>) {}

    pub(in super::super) fn was_accepted(_request: &Request<'_>, _status: Status) -> bool {
        false
    }
}
