//! How fast one issuer is asked about tokens not remembered: a bucket of
//! `introspection_rate` questions per second, so that a flood of made-up
//! opaque tokens costs the provider a bounded rate. A provider that
//! answers `429 Too Many Requests` halves the rate (down to one a
//! second), and each answer after raises it by one again, up to the
//! configured rate: the others asking meanwhile are still served at the
//! rate the provider bears, instead of all getting a 503.

use std::time::{Duration, Instant};

/// The lowest rate that a provider's `429`s bring the rate down to.
const LOWEST_RATE: f64 = 1.0;

/// The questions one issuer may still be asked now, and how fast more
/// come.
#[derive(Debug)]
pub(super) struct QuestionRate {
    /// The configured rate, per second; also the most questions at once.
    most: f64,
    /// The current rate, per second.
    rate: f64,
    /// The questions that may be asked at once now.
    available: f64,
    refilled: Instant,
}

/// What the rate says to a question.
#[derive(Debug, PartialEq)]
pub(super) enum Allowance {
    Ask,
    /// Not now; try again after this wait.
    Wait(Duration),
}

impl QuestionRate {
    /// `per_second` questions per second, as many at once, from `now` on.
    pub(super) fn new(per_second: u32, now: Instant) -> Self {
        let most = f64::from(per_second.max(1));
        Self { most, rate: most, available: most, refilled: now }
    }

    /// Takes one question, if the rate allows one at `now`.
    pub(super) fn take(&mut self, now: Instant) -> Allowance {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.available = (self.available + elapsed * self.rate).min(self.rate);
        self.refilled = now;
        if self.available >= 1.0 {
            self.available -= 1.0;
            return Allowance::Ask;
        }
        Allowance::Wait(Duration::from_secs_f64((1.0 - self.available) / self.rate))
    }

    /// The provider answered: the rate rises by one, up to the configured
    /// one.
    pub(super) fn answered(&mut self) {
        self.rate = (self.rate + 1.0).min(self.most);
    }

    /// The provider asked to slow down: the rate halves. Returns the new
    /// rate, per second, if it changed.
    pub(super) fn slow_down(&mut self) -> Option<f64> {
        let halved = (self.rate / 2.0).max(LOWEST_RATE);
        let changed = halved < self.rate;
        self.rate = halved;
        self.available = self.available.min(self.rate);
        changed.then_some(halved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_come_at_the_rate_and_as_many_at_once() {
        let start = Instant::now();
        let mut rate = QuestionRate::new(4, start);
        assert!((0..4).all(|_| rate.take(start) == Allowance::Ask), "four at once");
        assert_eq!(rate.take(start), Allowance::Wait(Duration::from_millis(250)));
        assert_eq!(rate.take(start + Duration::from_millis(250)), Allowance::Ask, "one more each quarter second");
        assert_eq!(rate.take(start + Duration::from_millis(250)), Allowance::Wait(Duration::from_millis(250)));
        let later = start + Duration::from_secs(60);
        assert_eq!((0..5).filter(|_| rate.take(later) == Allowance::Ask).count(), 4, "never more than four at once");
    }

    #[test]
    fn a_providers_429_halves_the_rate_and_answers_raise_it_back() {
        let start = Instant::now();
        let mut rate = QuestionRate::new(8, start);
        assert_eq!([rate.slow_down(), rate.slow_down(), rate.slow_down()], [Some(4.0), Some(2.0), Some(1.0)]);
        assert_eq!(rate.slow_down(), None, "one a second at least");
        let later = start + Duration::from_secs(10);
        assert_eq!((0..3).filter(|_| rate.take(later) == Allowance::Ask).count(), 1, "one at once at one a second");
        (0..20).for_each(|_| rate.answered());
        let much_later = later + Duration::from_secs(10);
        assert_eq!((0..9).filter(|_| rate.take(much_later) == Allowance::Ask).count(), 8, "back to eight");
    }
}
