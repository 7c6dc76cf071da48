//! Backing off from a failing server: after each failure in a row, the
//! next attempt waits 1, 2, 4, 8 s, then every 8 s, each wait shortened by
//! up to a tenth at random so that a fleet of instances does not retry in
//! step. Used for key fetches, for introspection, and for loading the
//! store's revocations after a failure at launch.

use std::time::{Duration, Instant};

/// The wait after a first failure; it doubles with each failure in a row,
/// up to [`LONGEST_BACKOFF`].
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts while the server fails.
const LONGEST_BACKOFF: Duration = Duration::from_secs(8);

/// The failures in a row, and when the next attempt may start.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Backoff {
    failures: u32,
    retry_at: Option<Instant>,
}

impl Backoff {
    /// After a failure, when the next attempt may start.
    pub(crate) fn retry_at(&self) -> Option<Instant> {
        self.retry_at
    }

    /// How long a caller that cannot be served should wait, at `now`.
    pub(crate) fn retry_after(&self, now: Instant) -> Duration {
        self.retry_at.map_or(FIRST_BACKOFF, |retry_at| retry_at.saturating_duration_since(now))
    }

    /// Whether an attempt may start at `now`.
    pub(crate) fn allows(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|retry_at| now >= retry_at)
    }

    /// Records a failure at `now` and backs off.
    pub(crate) fn failed(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(3);
        let backoff = (FIRST_BACKOFF * 2u32.pow(doublings)).min(LONGEST_BACKOFF);
        self.retry_at = Some(now + backoff.mul_f64(1.0 - 0.1 * random_fraction()));
    }

    /// How many attempts failed in a row.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets the failures, after a success.
    pub(crate) fn succeeded(&mut self) {
        *self = Self::default();
    }
}

/// A number in `[0, 1)`, for jitter.
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 2];
    // A failing random source only takes the jitter away.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    f64::from(u16::from_le_bytes(bytes)) / 65536.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_eight_seconds_with_a_tenth_of_jitter() {
        let now = Instant::now();
        let mut backoff = Backoff::default();
        assert!(backoff.allows(now));
        for expected in [1, 2, 4, 8, 8] {
            backoff.failed(now);
            let wait = backoff.retry_after(now).as_secs_f64();
            assert!(wait <= f64::from(expected) && wait >= 0.9 * f64::from(expected), "{wait} for {expected}");
            assert!(!backoff.allows(now));
        }
        backoff.succeeded();
        assert!(backoff.allows(now));
    }
}
