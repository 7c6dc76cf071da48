//! Whether a guard accepted the request's token: noted by the guards,
//! read by the response hook (see `accounting`), with the `metrics`
//! feature.
//!
//! Where the route that answers tells that a guard accepted the token
//! (each route's flags, made at liftoff by `accounting` and read without
//! a lock), nothing is noted. Elsewhere, the first guard to accept the
//! token notes its request in a table that the app's requests share (see
//! `accepted_in_flight`), and the response hook takes the note. Where the
//! table has no room, the guard leaves a marker in the request instead.
//! Rocket's request-local cache keeps whatever it is asked for, so asking
//! where no marker is allocates a map in the request. The hook asks only
//! while some marker left is not yet found, and then only on a route
//! flagged as one where a guard has left one, or else for a request with
//! an `Authorization` header: one marked on a route and forwarded to
//! another. The flag spares the usual request the header's lookup.

#[cfg(feature = "metrics")]
pub(super) use noted::{AcceptanceRecords, RouteFlags};
pub(super) use noted::{note_accepted, was_accepted};

/// The routes' flags, the table of requests in flight and the marker,
/// with the `metrics` feature.
#[cfg(feature = "metrics")]
mod noted {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use rocket::http::Status;
    use rocket::{Request, Route};

    use super::super::accepted_in_flight::AcceptedInFlight;
    use crate::error::AuthError;

    /// What each of the app's routes tells of the requests it answers, by
    /// the address of the mounted route, which stays put while the app
    /// serves, and the requests in flight that a guard accepted. The
    /// routes are known at liftoff; after that, the flags are read without
    /// a lock, and each written once. Managed by the fairing.
    #[derive(Debug, Default)]
    pub(in super::super) struct AcceptanceRecords {
        routes: OnceLock<HashMap<usize, RouteFlags, foldhash::fast::RandomState>>,
        in_flight: AcceptedInFlight,
        /// Markers left in requests for want of room in the table, and
        /// not yet found by their response hooks.
        markers_left: AtomicUsize,
    }

    /// What a route tells of the requests it answers.
    #[derive(Debug)]
    pub(in super::super) struct RouteFlags {
        /// Whether a guard has left the marker in a request on it, for
        /// want of room in the table of requests in flight (only where it
        /// `marks`).
        marked: AtomicBool,
        /// Whether every request it answers, but a refusal, was accepted:
        /// its guard verifies first, and no catcher of the app's own can
        /// turn a refusal there into another status.
        tells: bool,
        /// Whether a guard that accepts a token there leaves the marker:
        /// unless it tells, and so does every route that a request can be
        /// forwarded to from it.
        marks: bool,
    }

    impl AcceptanceRecords {
        /// Knows each of the app's routes with what it `tells` and whether
        /// it `marks`: once, at liftoff.
        pub(in super::super) fn know<'r>(&self, routes: impl Iterator<Item = (&'r Route, RouteFlags)>) {
            let flags = routes.map(|(route, flags)| (address(route), flags));
            let _known_once = self.routes.set(flags.collect());
        }

        fn flags(&self, route: &Route) -> Option<&RouteFlags> {
            self.routes.get()?.get(&address(route))
        }
    }

    impl RouteFlags {
        /// The flags of a route that `tells` and `marks`, with no request
        /// marked on it yet.
        pub(in super::super) fn new(tells: bool, marks: bool) -> Self {
            RouteFlags { marked: AtomicBool::new(false), tells, marks }
        }

        fn mark(&self) {
            if !self.marked.load(Ordering::Relaxed) {
                self.marked.store(true, Ordering::Relaxed);
            }
        }
    }

    fn address(route: &Route) -> usize {
        std::ptr::from_ref(route).addr()
    }

    /// That a guard accepted the request's token. Empty: keeping it
    /// allocates nothing of its own.
    struct Accepted;

    /// Notes that a guard accepted `request`'s token, for the response
    /// hook to count: nothing where whichever route answers will tell;
    /// elsewhere, a note in the table of requests in flight, or, where it
    /// has no room, a marker in the request, its route flagged.
    pub(in super::super) fn note_accepted(request: &Request<'_>) {
        // Without the fairing, no response hook counts.
        let Some(records) = request.rocket().state::<AcceptanceRecords>() else { return };
        let flags = request.route().and_then(|route| records.flags(route));
        if flags.is_some_and(|flags| !flags.marks) || records.in_flight.note(request) {
            return;
        }
        if let Some(flags) = flags {
            flags.mark();
        }
        if leave_marker(request) {
            records.markers_left.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether a guard accepted `request`'s token, read when its response
    /// does not refuse. Called for every response, once: it takes the
    /// request's note and finds its marker, which it looks for first (the
    /// request may have been noted on a route that marks, then forwarded
    /// to one that tells). Then, where the route tells, it did.
    pub(in super::super) fn was_accepted(request: &Request<'_>, status: Status) -> bool {
        let Some(records) = request.rocket().state::<AcceptanceRecords>() else { return false };
        let flags = request.route().and_then(|route| records.flags(route));
        // Both looked for: a request marked by one guard may have been
        // noted by a later one, once its group had room again.
        let noted = records.in_flight.take(request);
        if records.markers_left.load(Ordering::Relaxed) > 0 && marked(request, flags) {
            records.markers_left.fetch_sub(1, Ordering::Relaxed);
            return true;
        }
        if noted {
            return true;
        }
        if flags.is_some_and(|flags| flags.tells) {
            // Unless the refusal's status was changed after its catcher,
            // by a response fairing attached before jwt-guard's (or by
            // Rocket's 500 catcher after a failed one): an error answer
            // with a refusal recorded is none. An answer of success is
            // taken as it is (see observe.md).
            return status.code < 400 || AuthError::of(request).is_none();
        }
        false
    }

    /// Whether `request` has the marker, asked for where it may be (see
    /// the module's doc). Asking leaves one where none was, which the
    /// asking tells by making it.
    fn marked(request: &Request<'_>, flags: Option<&RouteFlags>) -> bool {
        let on_marking_route = flags.is_some_and(|flags| flags.marked.load(Ordering::Relaxed));
        if !on_marking_route && !request.headers().contains("Authorization") {
            return false;
        }
        !leave_marker(request)
    }

    /// Leaves the marker in `request`: whether it was not there yet.
    fn leave_marker(request: &Request<'_>) -> bool {
        let mut made_now = false;
        request.local_cache(|| {
            made_now = true;
            Accepted
        });
        made_now
    }

    #[cfg(test)]
    mod tests {
        use rocket::http::{Header, Status};
        use rocket::local::blocking::Client;

        use super::*;

        /// An app that counts, with no routes: a request at none is
        /// flagged nowhere, and is told by its note, or by its marker
        /// with its `Authorization` header.
        fn client() -> Client {
            Client::untracked(rocket::build().manage(AcceptanceRecords::default())).expect("the app launches")
        }

        #[test]
        fn an_accepted_request_is_told_by_its_note_once() {
            let client = client();
            let (accepted, other) = (client.get("/"), client.get("/"));
            note_accepted(accepted.inner());
            assert!(was_accepted(accepted.inner(), Status::Ok));
            assert!(!was_accepted(accepted.inner(), Status::Ok), "the note is taken");
            assert!(!was_accepted(other.inner(), Status::Ok));
        }

        #[test]
        fn with_the_table_full_an_accepted_request_is_told_by_its_marker_until_found() {
            let client = client();
            let bearer = || Header::new("Authorization", "Bearer a-token");
            let (accepted, other) = (client.get("/").header(bearer()), client.get("/").header(bearer()));
            let records = client.rocket().state::<AcceptanceRecords>().expect("managed");
            records.in_flight.fill();
            note_accepted(accepted.inner());
            note_accepted(accepted.inner());
            assert_eq!(records.markers_left.load(Ordering::Relaxed), 1, "one marker per request");
            assert!(!was_accepted(other.inner(), Status::Ok));
            assert!(was_accepted(accepted.inner(), Status::Ok));
            assert_eq!(records.markers_left.load(Ordering::Relaxed), 0, "markers are looked for no longer");
        }
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
