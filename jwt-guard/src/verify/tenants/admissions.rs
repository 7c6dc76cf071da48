//! Which new issuers may be discovered, before anything of their tokens is
//! trusted: `tenant_discoveries` first-time issuers per window, and as
//! many again of issuers that were refused for want of budget and came
//! back. A flood of made-up `iss` values, each sent once, uses up the
//! first budget but never the second, so a real new tenant, whose clients
//! come back, is admitted on its next request.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// How many refused issuers each of the two generations remembers: at a
/// flood of 10,000 new issuers per second, one that came back within
/// five seconds is still known.
const REMEMBERED_REFUSALS: usize = 50_000;

/// What the admissions say to a new issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    Admitted,
    /// Refused; the first refusal of a window is to be logged.
    Refused {
        log: bool,
    },
}

/// The two budgets of new issuers, and the issuers refused lately.
#[derive(Debug)]
pub(super) struct Admissions {
    first: Budget,
    returning: Budget,
    refused: Refusals,
}

impl Admissions {
    /// `limit` first-time issuers per `window`, and `limit` returning
    /// ones, from `now` on.
    pub(super) fn new(limit: u32, window: Duration, now: Instant) -> Self {
        let budget = Budget { started: now, used: 0, limit, window, logged: false };
        Self { first: budget.clone(), returning: budget, refused: Refusals::new(window, now) }
    }

    /// Takes one admission for `iss` at `now`: from the first budget, or,
    /// for an issuer refused before, from the budget of returning ones.
    /// A refused issuer is remembered.
    pub(super) fn take(&mut self, iss: &str, now: Instant) -> Admission {
        let first = self.first.take(now);
        if first == Admission::Admitted {
            return first;
        }
        let hash = self.refused.hasher.hash_one(iss);
        if self.refused.holds(hash) {
            return self.returning.take(now);
        }
        self.refused.insert(hash, now);
        first
    }
}

/// How many new issuers one budget may still admit in its window.
#[derive(Debug, Clone)]
struct Budget {
    started: Instant,
    used: u32,
    limit: u32,
    window: Duration,
    /// Whether a refusal was logged in this window: one line per window,
    /// however long a flood lasts.
    logged: bool,
}

impl Budget {
    /// Takes one admission, if any is left at `now`.
    fn take(&mut self, now: Instant) -> Admission {
        if now.saturating_duration_since(self.started) >= self.window {
            *self = Self { started: now, used: 0, logged: false, ..*self };
        }
        if self.used < self.limit {
            self.used += 1;
            return Admission::Admitted;
        }
        let log = !std::mem::replace(&mut self.logged, true);
        Admission::Refused { log }
    }
}

/// The keyed hashes of issuers refused lately, in two generations: the
/// current one, and the one before it, forgotten when the current one
/// fills up or its window ends. Keyed per process, so that no token can
/// choose an `iss` whose hash stands for another's.
#[derive(Debug)]
struct Refusals {
    hasher: RandomState,
    current: HashSet<u64>,
    previous: HashSet<u64>,
    started: Instant,
    window: Duration,
}

impl Refusals {
    fn new(window: Duration, now: Instant) -> Self {
        Self { hasher: RandomState::new(), current: HashSet::new(), previous: HashSet::new(), started: now, window }
    }

    fn holds(&self, hash: u64) -> bool {
        self.current.contains(&hash) || self.previous.contains(&hash)
    }

    fn insert(&mut self, hash: u64, now: Instant) {
        if self.current.len() >= REMEMBERED_REFUSALS || now.saturating_duration_since(self.started) >= self.window {
            self.previous = std::mem::take(&mut self.current);
            self.started = now;
        }
        self.current.insert(hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_admits_its_limit_per_window_and_logs_one_refusal_each() {
        let start = Instant::now();
        let window = Duration::from_secs(10);
        let mut budget = Budget { started: start, used: 0, limit: 2, window, logged: false };
        assert_eq!([budget.take(start), budget.take(start)], [Admission::Admitted, Admission::Admitted]);
        assert_eq!(budget.take(start), Admission::Refused { log: true });
        assert_eq!(budget.take(start + Duration::from_secs(9)), Admission::Refused { log: false });
        assert_eq!(budget.take(start + window), Admission::Admitted, "a new window");
        budget.take(start + window);
        assert_eq!(budget.take(start + window), Admission::Refused { log: true }, "logged again in the new window");
    }

    #[test]
    fn an_issuer_refused_once_is_admitted_when_it_comes_back_however_many_were_refused_meanwhile() {
        let start = Instant::now();
        let mut admissions = Admissions::new(2, Duration::from_secs(30), start);
        assert_eq!([admissions.take("a", start), admissions.take("b", start)], [Admission::Admitted; 2]);
        assert_eq!(admissions.take("real", start), Admission::Refused { log: true });
        for n in 0..REMEMBERED_REFUSALS {
            assert_ne!(admissions.take(&format!("made-up-{n}"), start), Admission::Admitted, "{n}");
        }
        assert_eq!(admissions.take("real", start), Admission::Admitted, "came back");
        assert_eq!(admissions.take("made-up-0", start), Admission::Admitted, "the second returning one");
        assert_eq!(
            admissions.take("made-up-1", start),
            Admission::Refused { log: true },
            "the returning budget is used up too"
        );
        let later = start + Duration::from_secs(30);
        assert_eq!(admissions.take("made-up-2", later), Admission::Admitted, "a new window");
    }

    #[test]
    fn refused_issuers_are_forgotten_after_two_generations() {
        let start = Instant::now();
        let mut refusals = Refusals::new(Duration::from_secs(10), start);
        refusals.insert(1, start);
        refusals.insert(2, start + Duration::from_secs(10));
        assert!(refusals.holds(1) && refusals.holds(2), "the previous generation is kept");
        refusals.insert(3, start + Duration::from_secs(20));
        assert!(!refusals.holds(1) && refusals.holds(2) && refusals.holds(3));
    }
}
