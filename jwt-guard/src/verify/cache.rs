//! The verified-token cache: clients send the same token until it
//! expires, so a token seen before skips its signature check. It weakens
//! nothing: an entry lives no longer than the token's `exp` (with leeway),
//! `exp` is checked again on each hit, and a hit whose key has left the
//! issuer's key set, or whose `jti` is now revoked, is verified afresh.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use moka::Expiry;
use moka::sync::Cache;

use crate::token::Token;

/// Verified tokens, with the index of their issuer, by their text.
///
/// Every request hashes its whole token (often over 700 bytes) to look it
/// up, so the table uses foldhash rather than SipHash: several times
/// faster on long keys, and still seeded per process. Flooding attacks on
/// the table are moot anyway: only tokens that verified are inserted.
pub(crate) struct TokenCache {
    entries: Cache<String, (Token, usize), foldhash::fast::RandomState>,
    leeway: f64,
}

/// Entries expire when their tokens do, leeway included.
struct UntilExpiry {
    leeway: f64,
}

impl Expiry<String, (Token, usize)> for UntilExpiry {
    fn expire_after_create(&self, _: &String, (token, _): &(Token, usize), _: Instant) -> Option<Duration> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64());
        Some(Duration::try_from_secs_f64(token.expires_at_seconds() + self.leeway - now).unwrap_or_default())
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("entries", &self.entries.entry_count()).finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens.
    pub(crate) fn new(capacity: u64, leeway: f64) -> Self {
        let entries = Cache::builder()
            .max_capacity(capacity)
            .expire_after(UntilExpiry { leeway })
            .build_with_hasher(foldhash::fast::RandomState::default());
        Self { entries, leeway }
    }

    /// The verified token for `text` and its issuer's index, if cached and
    /// not expired by `now`.
    pub(crate) fn get(&self, text: &str, now: f64) -> Option<(Token, usize)> {
        let entry = self.entries.get(text)?;
        if now - self.leeway >= entry.0.expires_at_seconds() {
            self.entries.invalidate(text);
            return None;
        }
        Some(entry)
    }

    /// Remembers a verified token of the issuer at `issuer`.
    pub(crate) fn insert(&self, token: &Token, issuer: usize) {
        self.entries.insert(token.as_str().to_owned(), (token.clone(), issuer));
    }

    /// Forgets `text`.
    pub(crate) fn remove(&self, text: &str) {
        self.entries.invalidate(text);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::Map;

    use super::*;
    use crate::algorithm::Algorithm;
    use crate::token::TokenHeader;

    fn token(text: &str, expires_at: f64) -> Token {
        let header = TokenHeader { alg: Algorithm::EdDSA, kid: None, typ: None };
        Token::new(text, Arc::from("test"), header, Map::new(), Vec::new(), expires_at)
    }

    fn now() -> f64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    }

    #[test]
    fn hits_last_until_the_token_expires_with_leeway() {
        let cache = TokenCache::new(16, 30.0);
        let now = now();
        cache.insert(&token("fresh", now + 60.0), 1);
        cache.insert(&token("in-leeway", now - 10.0), 0);
        cache.insert(&token("expired", now - 40.0), 0);
        assert_eq!(
            cache.get("fresh", now).map(|(hit, issuer)| (hit.as_str().to_owned(), issuer)),
            Some(("fresh".into(), 1))
        );
        assert!(cache.get("in-leeway", now).is_some());
        assert!(cache.get("expired", now).is_none());
        assert!(cache.get("fresh", now + 91.0).is_none(), "exp is checked again on each hit");
        cache.remove("in-leeway");
        assert!(cache.get("in-leeway", now).is_none());
    }
}
