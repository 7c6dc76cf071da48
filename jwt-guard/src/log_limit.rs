//! Log lines that clients or a failing dependency can cause, at most one a
//! minute from each place that writes one: a flood of bad requests, a
//! store that is down under load, or a provider down for a day, cannot
//! flood the logs. The metrics count every occurrence.

use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// When the process first asked: the minutes are counted from it, on a
/// clock that no one sets back.
static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// How long after a line its place writes no other.
const QUIET_SECS: u64 = 60;

/// One place's last line, and how many it held back since.
#[derive(Debug, Default)]
pub(crate) struct LogLimit {
    /// When the last line was written, in seconds since [`START`], plus
    /// one (0: never).
    written_at: AtomicU64,
    held_back: AtomicU64,
}

impl LogLimit {
    /// A place that has written nothing yet.
    pub(crate) const fn new() -> Self {
        Self { written_at: AtomicU64::new(0), held_back: AtomicU64::new(0) }
    }

    /// Whether to write the line now: the lines held back since the last
    /// one, which the line tells, if a minute has passed since it.
    pub(crate) fn allow(&self) -> Option<HeldBack> {
        self.allow_at(START.elapsed().as_secs() + 1)
    }

    /// [`LogLimit::allow`] at `now`, in seconds since [`START`], plus one.
    fn allow_at(&self, now: u64) -> Option<HeldBack> {
        let last = self.written_at.load(Ordering::Relaxed);
        let quiet = last != 0 && now < last.saturating_add(QUIET_SECS);
        if quiet || self.written_at.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(HeldBack(self.held_back.swap(0, Ordering::Relaxed)))
    }
}

/// How many lines a place held back before the one it writes: shown after
/// the line, when there were any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeldBack(u64);

impl fmt::Display for HeldBack {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            count => write!(formatter, " ({count} more like it since the last one logged)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_writes_one_line_a_minute_and_tells_how_many_it_held_back() {
        let limit = LogLimit::new();
        assert_eq!(limit.allow_at(1), Some(HeldBack(0)));
        assert_eq!((limit.allow_at(2), limit.allow_at(60)), (None, None));
        let held_back = limit.allow_at(61).expect("a minute has passed");
        assert_eq!(held_back.to_string(), " (2 more like it since the last one logged)");
        assert_eq!(limit.allow_at(62), None);
    }
}
