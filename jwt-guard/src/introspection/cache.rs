//! The answers of introspection, remembered: keyed by the SHA-256 of the
//! token (never the token itself), each kept no longer than the token's
//! `exp` nor the configured `introspection_cache_ttl`, an inactive one 5 s
//! at most, one not believed a second, at most `introspection_cache_size`
//! of them; and one introspection in flight per token, however many
//! requests carry it.

use std::future::Future;
use std::time::Duration;

use quick_cache::sync::Cache;

use crate::clock;
use crate::error::AuthError;
use crate::token::Token;

/// The longest that an inactive answer is kept, in seconds: a token that
/// is not active yet is rare, and a retry soon after costs one request.
const LONGEST_INACTIVE: f64 = 5.0;

/// How long an answer that is not believed is kept, in seconds: the
/// requests that bring its token meanwhile get a 503 without a question.
const NOT_BELIEVED_FOR: f64 = 1.0;

/// What an issuer's answer about a token came to: the token `T` it
/// describes as active, or not.
#[derive(Debug, Clone)]
pub(crate) enum Verdict<T = Token> {
    /// The token is active.
    Active(T),
    /// The token is not active.
    Inactive,
    /// The answer cannot be believed, and says nothing of the token (see
    /// `verify::introspected`).
    NotBelieved,
}

impl<T> Verdict<T> {
    /// The verdict with `describe` made of what an active answer says.
    pub(crate) fn try_map<U, E>(self, describe: impl FnOnce(T) -> Result<U, E>) -> Result<Verdict<U>, E> {
        Ok(match self {
            Self::Active(said) => Verdict::Active(describe(said)?),
            Self::Inactive => Verdict::Inactive,
            Self::NotBelieved => Verdict::NotBelieved,
        })
    }
}

/// What is remembered of an answer.
#[derive(Debug, Clone)]
struct Remembered {
    verdict: Verdict,
    /// When the answer is forgotten, in seconds since 1970.
    until: f64,
}

impl Remembered {
    /// The token if active, `None` if not, and a 503 until it is
    /// forgotten if the answer is not believed.
    fn answer(self) -> Result<Option<Token>, AuthError> {
        match self.verdict {
            Verdict::Active(token) => Ok(Some(token)),
            Verdict::Inactive => Ok(None),
            Verdict::NotBelieved => {
                let wait = (self.until - clock::unix_now()).max(0.001);
                Err(AuthError::IntrospectionUnavailable { retry_after: Duration::from_secs_f64(wait) })
            }
        }
    }
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
    /// `Ok(None)` is an inactive token; an answer not believed is
    /// [`AuthError::IntrospectionUnavailable`] until it is forgotten. An
    /// error of `introspect` is not remembered.
    pub(crate) async fn get_or_introspect<F>(&self, token: &str, introspect: F) -> Result<Option<Token>, AuthError>
    where
        F: Future<Output = Result<Verdict, AuthError>>,
    {
        let Some(entries) = &self.entries else {
            let verdict = introspect.await?;
            return Remembered { until: self.until(&verdict), verdict }.answer();
        };
        let key = digest(token);
        if entries.get(&key).is_some_and(|remembered| remembered.until <= clock::unix_now()) {
            entries.remove(&key);
        }
        match entries.get_value_or_guard_async(&key).await {
            Ok(remembered) => remembered.answer(),
            Err(guard) => {
                let verdict = introspect.await?;
                let remembered = Remembered { until: self.until(&verdict), verdict };
                let _ = guard.insert(remembered.clone());
                remembered.answer()
            }
        }
    }

    /// How long an answer is kept at most, in seconds.
    pub(crate) fn ttl(&self) -> f64 {
        self.ttl
    }

    /// When an answer given now is forgotten: `ttl` from now, not past
    /// the token's `exp`, and soon for an inactive token or an answer not
    /// believed.
    fn until(&self, verdict: &Verdict) -> f64 {
        let now = clock::unix_now();
        match verdict {
            Verdict::Active(token) => (now + self.ttl).min(token.expires_at_seconds()),
            Verdict::Inactive => now + self.ttl.min(LONGEST_INACTIVE),
            Verdict::NotBelieved => now + NOT_BELIEVED_FOR,
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
                        Ok(Verdict::Inactive)
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
