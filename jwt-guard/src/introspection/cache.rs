//! The answers of introspection, remembered: keyed by the SHA-256 of the
//! token (never the token itself), each kept no longer than the token's
//! `exp` nor the configured `introspection_cache_ttl`, an inactive one 5 s
//! at most, at most `introspection_cache_size` of them; and one
//! introspection in flight per token, however many requests carry it.

use std::future::Future;

use quick_cache::sync::Cache;

use crate::clock;
use crate::error::AuthError;
use crate::token::Token;

/// The longest that an inactive answer is kept, in seconds: a token that
/// is not active yet is rare, and a retry soon after costs one request.
const LONGEST_INACTIVE: f64 = 5.0;

/// What is remembered of an answer.
#[derive(Debug, Clone)]
struct Remembered {
    /// The token, if the issuer said it is active.
    token: Option<Token>,
    /// When the answer is forgotten, in seconds since 1970.
    until: f64,
}

/// Remembered answers of introspection.
#[derive(Debug)]
pub(crate) struct IntrospectionCache {
    /// `None` when answers are not kept (`ttl` 0, or size 0).
    entries: Option<Cache<[u8; 32], Remembered>>,
    /// The longest an answer is kept, in seconds.
    ttl: f64,
}

impl IntrospectionCache {
    /// A cache of at most `capacity` answers, each kept `ttl` seconds at
    /// most.
    pub(crate) fn new(capacity: u64, ttl: f64) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        let entries = (capacity > 0 && ttl > 0.0).then(|| Cache::new(capacity));
        Self { entries, ttl }
    }

    /// The answer about `token`: remembered, or got from `introspect` (at
    /// most one call in flight per token; others wait for its answer).
    /// `Ok(None)` is an inactive token.
    pub(crate) async fn get_or_introspect<F>(&self, token: &str, introspect: F) -> Result<Option<Token>, AuthError>
    where
        F: Future<Output = Result<Option<Token>, AuthError>>,
    {
        let Some(entries) = &self.entries else { return introspect.await };
        let key = digest(token);
        if entries.get(&key).is_some_and(|remembered| remembered.until <= clock::unix_now()) {
            entries.remove(&key);
        }
        match entries.get_value_or_guard_async(&key).await {
            Ok(remembered) => Ok(remembered.token),
            Err(guard) => {
                let answer = introspect.await?;
                let _ = guard.insert(Remembered { until: self.until(answer.as_ref()), token: answer.clone() });
                Ok(answer)
            }
        }
    }

    /// How long an answer is kept at most, in seconds.
    pub(crate) fn ttl(&self) -> f64 {
        self.ttl
    }

    /// When an answer about a token given now is forgotten: `ttl` from
    /// now, not past the token's `exp`, and soon for an inactive token.
    fn until(&self, token: Option<&Token>) -> f64 {
        let now = clock::unix_now();
        match token {
            Some(token) => (now + self.ttl).min(token.expires_at_seconds()),
            None => now + self.ttl.min(LONGEST_INACTIVE),
        }
    }
}

/// The SHA-256 of `token`.
fn digest(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[rocket::async_test]
    async fn one_question_in_flight_per_token_and_answers_kept() {
        let cache = std::sync::Arc::new(IntrospectionCache::new(100, 60.0));
        let asked = std::sync::Arc::new(AtomicUsize::new(0));
        let questions = (0..50).map(|_| {
            let (cache, asked) = (std::sync::Arc::clone(&cache), std::sync::Arc::clone(&asked));
            rocket::tokio::spawn(async move {
                cache
                    .get_or_introspect("opaque-token", async {
                        asked.fetch_add(1, Ordering::SeqCst);
                        rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok(None)
                    })
                    .await
            })
        });
        for answer in futures_util::future::join_all(questions).await {
            assert!(answer.unwrap().unwrap().is_none());
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "one question for fifty requests");
        let unasked = cache.get_or_introspect("opaque-token", async { panic!("the answer is kept") }).await;
        assert!(unasked.unwrap().is_none());
    }
}
