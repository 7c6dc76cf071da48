//! The time as tokens tell it: seconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, with their fraction, as NumericDates
/// compare (RFC 7519 section 2). A clock set before 1970 reads `0`.
pub(crate) fn unix_now() -> f64 {
    unix_seconds(SystemTime::now())
}

/// Whole seconds since the Unix epoch, as tokens carry `iat` and `exp`.
pub(crate) fn unix_now_secs() -> u64 {
    unix_secs(SystemTime::now())
}

/// `time` in seconds since the Unix epoch, with their fraction.
pub(crate) fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64())
}

/// `time` in whole seconds since the Unix epoch.
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs())
}
