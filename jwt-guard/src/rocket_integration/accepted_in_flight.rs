//! The requests in flight whose token a guard has accepted, with the
//! `metrics` feature: a table that the app's requests share, where the
//! guard that accepts a token notes its request and the response hook
//! takes the note (see `acceptance`). A marker kept in the request itself
//! would cost more: Rocket's request-local cache allocates a map in the
//! first request it keeps anything for.
//!
//! A request is known by a key made of its address, which stays put while
//! Rocket's server serves it (its guards and its response hooks borrow
//! the same request), and of the tokio task that serves it. The server
//! serves each request in a task of its own, and tokio gives no task the
//! id of one that runs (nor, as tokio 1 counts them, of one that ran), so
//! a note that a request left without its response hook running (a
//! response fairing before jwt-guard's panicked, or a guard called by a
//! catcher of a request that Rocket could not parse, whose answer no
//! response fairing sees) is not taken by a later request at the same
//! address; it holds its slot for good. A local client serves its
//! requests in the caller's task, or in none: there, a request whose
//! dispatch is dropped before its answer may leave a note that a later
//! request at the same address takes, and a guard called by a request
//! fairing notes the request before the client moves it to dispatch it,
//! so that its hook finds no note. Either puts a test's count one off.
//!
//! Each key has a group of slots, one cache line, chosen by the key: the
//! requests that cores serve at the same time seldom share a line. A
//! request whose group is full is not noted here; the caller keeps a
//! marker in the request instead.

use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};

use rocket::Request;

/// Groups of eight slots: 1,024 of them, 64 KiB in all. A request
/// finds its group full where eight others of those in flight fell in
/// it: with 1,000 accepted requests in flight, one request in about
/// 100,000; with 2,000, one in 1,000; with 4,000, one in 20 (the others
/// in its group are about Poisson-distributed, of mean their number over
/// 1,024).
const GROUPS: usize = 1024;

// The group is taken from the key's high bits.
const _: () = assert!(GROUPS.is_power_of_two());

/// The requests in flight whose token a guard has accepted.
#[derive(Debug)]
pub(super) struct AcceptedInFlight {
    groups: Box<[Group]>,
}

/// Eight slots on one cache line, each a request's key or 0 where free.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Group([AtomicU64; 8]);

impl Default for AcceptedInFlight {
    fn default() -> Self {
        AcceptedInFlight { groups: (0..GROUPS).map(|_| Group::default()).collect() }
    }
}

impl AcceptedInFlight {
    /// Notes that a guard accepted `request`'s token: false where its
    /// group is full, for the caller to mark the request itself. Noting
    /// a request twice keeps one note.
    pub(super) fn note(&self, request: &Request<'_>) -> bool {
        let key = key_of(request);
        let slots = &self.group_of(key).0;
        if slots.iter().any(|slot| slot.load(Ordering::Relaxed) == key) {
            return true;
        }
        // A slot that a load finds free is claimed by a swap, a locked
        // instruction: another request may claim it in between.
        slots.iter().any(|slot| {
            slot.load(Ordering::Relaxed) == 0
                && slot.compare_exchange(0, key, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        })
    }

    /// Whether `request` was noted, freeing its slot: once, from its
    /// response hook.
    pub(super) fn take(&self, request: &Request<'_>) -> bool {
        let key = key_of(request);
        let slots = &self.group_of(key).0;
        // A slot that holds this request's key changes only here: a plain
        // store frees it, without the locked instruction of a swap, which
        // every response would pay for.
        let slot = slots.iter().find(|slot| slot.load(Ordering::Relaxed) == key);
        slot.inspect(|slot| slot.store(0, Ordering::Relaxed)).is_some()
    }

    /// Fills every slot with another request's key.
    #[cfg(test)]
    pub(super) fn fill(&self) {
        let slots = self.groups.iter().flat_map(|group| &group.0);
        // Even: no request's key.
        slots.for_each(|slot| slot.store(2, Ordering::Relaxed));
    }

    fn group_of(&self, key: u64) -> &Group {
        // The hash's high bits, which the multiplication mixes best.
        let index = usize::try_from(key >> (u64::BITS - GROUPS.trailing_zeros())).unwrap_or_default();
        &self.groups[index]
    }
}

/// The key of `request` while it is served: never 0.
fn key_of(request: &Request<'_>) -> u64 {
    let address = std::ptr::from_ref(request).addr();
    let task = tokio::task::try_id();
    foldhash::fast::FixedState::default().hash_one((address, task)) | 1
}

#[cfg(test)]
mod tests {
    use rocket::local::blocking::Client;

    use super::*;

    #[test]
    fn a_note_is_taken_once_by_its_own_request() {
        let client = Client::untracked(rocket::build()).expect("an empty app launches");
        let (first, second) = (client.get("/"), client.get("/"));
        let table = AcceptedInFlight::default();
        assert!(table.note(first.inner()));
        assert!(table.note(first.inner()), "noted twice, kept once");
        assert!(!table.take(second.inner()), "another request's note is not its own");
        assert!(table.take(first.inner()));
        assert!(!table.take(first.inner()), "taken once");
    }

    #[test]
    fn a_full_table_leaves_the_request_to_be_marked_in_itself() {
        let client = Client::untracked(rocket::build()).expect("an empty app launches");
        let request = client.get("/");
        let table = AcceptedInFlight::default();
        table.fill();
        assert!(!table.note(request.inner()));
        assert!(!table.take(request.inner()));
    }
}
