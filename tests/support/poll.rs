//! Waiting for something that happens in the background (a refresh, an
//! expiry, a retry), by asking until it has, within a patience, rather
//! than by sleeping a fixed time and hoping.

use std::future::Future;
use std::time::{Duration, Instant};

/// Runs `probe` every 50 ms until it answers `Some`, for at most
/// `patience`: its answer, or `None` if it never did.
pub async fn poll_until<T, F, Fut>(patience: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + patience;
    loop {
        if let Some(answer) = probe().await {
            return Some(answer);
        }
        if Instant::now() >= deadline {
            return None;
        }
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
