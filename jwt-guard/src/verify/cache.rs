//! The verified-token cache: clients send the same token until it
//! expires, so a token seen before skips its signature check. It weakens
//! nothing: a token is never served from it past its `exp` (with leeway),
//! each entry keeps the key that verified it, and a hit whose key is no
//! longer its issuer's key for the token's `kid` (it left the key set, or
//! was replaced under the same `kid`), or whose `jti` is now revoked, is
//! verified afresh.
//!
//! The table is `quick_cache`'s: a lookup takes one shard's read lock and
//! one probe, without the read log and clocks of caches that expire
//! entries by timers. Expiry is checked on each hit instead, and expired
//! entries are swept out on insertion, at most once a minute.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::Equivalent;
use quick_cache::sync::Cache;

use super::issuers::IssuerRef;
use crate::keys::KeySerial;
use crate::token::Token;

/// How many trailing bytes of a token a lookup hashes.
const HASHED_TAIL: usize = 32;

/// The least time between two sweeps of expired entries, in seconds.
const SWEEP_INTERVAL: u64 = 60;

/// Verified tokens, by their text.
pub(crate) struct TokenCache {
    entries: Cache<CachedToken, Hit>,
    leeway: f64,
    /// When expired entries were last swept out, in seconds since 1970.
    last_sweep: AtomicU64,
}

/// A cached verification.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    /// The verified token.
    pub(crate) token: Token,
    /// Its issuer.
    pub(crate) issuer: IssuerRef,
    /// The serial number of the key that verified its signature.
    pub(crate) key: KeySerial,
}

/// A token's text, as the key to look it up by.
///
/// It hashes only the text's last bytes, which lie in the signature: a
/// token is often over 700 bytes and hashing it whole was a fifth of a
/// hit's cost. Signature bytes are as good as random, and equality still
/// compares whole texts. Crafted texts that share a tail gain an attacker
/// nothing: only tokens that verified are inserted.
#[derive(Clone, Copy)]
struct TokenText<'a>(&'a str);

impl Hash for TokenText<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let text = self.0.as_bytes();
        state.write(&text[text.len().saturating_sub(HASHED_TAIL)..]);
    }
}

/// A cached token, as the table's key: the token is shared with the
/// entry's value rather than its text copied.
struct CachedToken(Token);

impl Hash for CachedToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        TokenText(self.0.as_str()).hash(state);
    }
}

impl PartialEq for CachedToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for CachedToken {}

impl Equivalent<CachedToken> for TokenText<'_> {
    fn equivalent(&self, key: &CachedToken) -> bool {
        self.0 == key.0.as_str()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("entries", &self.entries.len()).finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens.
    pub(crate) fn new(capacity: u64, leeway: f64) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        Self { entries: Cache::new(capacity), leeway, last_sweep: AtomicU64::new(0) }
    }

    /// The cached verification of `text`, if cached and not expired by
    /// `now`.
    pub(crate) fn get(&self, text: &str, now: f64) -> Option<Hit> {
        let hit = self.entries.get(&TokenText(text))?;
        if self.has_expired(&hit.token, now) {
            self.remove(text);
            return None;
        }
        Some(hit)
    }

    /// Remembers a token of the issuer at `issuer` that `key` verified;
    /// sweeps out expired entries first if the last sweep is a minute old.
    pub(crate) fn insert(&self, token: &Token, issuer: IssuerRef, key: KeySerial, now: f64) {
        self.sweep_if_due(now);
        self.entries.insert(CachedToken(token.clone()), Hit { token: token.clone(), issuer, key });
    }

    /// Forgets `text`.
    pub(crate) fn remove(&self, text: &str) {
        self.entries.remove(&TokenText(text));
    }

    fn has_expired(&self, token: &Token, now: f64) -> bool {
        now - self.leeway >= token.expires_at_seconds()
    }

    /// Drops every expired entry, if no other thread did in the last
    /// [`SWEEP_INTERVAL`].
    fn sweep_if_due(&self, now: f64) {
        // Whole seconds are precise enough, and `as` saturates.
        let now_seconds = now as u64;
        let last = self.last_sweep.load(Ordering::Relaxed);
        let due = now_seconds >= last.saturating_add(SWEEP_INTERVAL);
        if due && self.last_sweep.compare_exchange(last, now_seconds, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            self.entries.retain(|_, hit| !self.has_expired(&hit.token, now));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::algorithm::Algorithm;
    use crate::keys::signing::SigningKey;
    use crate::token::{KeptRegistered, Payload, TokenHeader, TokenSource};

    fn token(text: &str, expires_at: f64) -> Token {
        let header = TokenHeader { alg: Algorithm::EdDSA, kid: None, typ: None };
        let source = TokenSource { issuer: Arc::from("test"), tenant: None, dpop: Default::default(), leeway: 0.0 };
        let payload = Payload::new(format!("{text}{{}}"), text.len(), KeptRegistered::default());
        Token::new(source, Some(Arc::new(header)), payload, Default::default(), expires_at)
    }

    /// Caches `token` of the configured issuer at `issuer`, verified by
    /// some key.
    fn insert(cache: &TokenCache, token: &Token, issuer: usize, now: f64) {
        let key = SigningKey::generate(Algorithm::HS256).unwrap().verifying_key();
        cache.insert(token, IssuerRef::Configured(issuer), key.serial(), now);
    }

    use crate::clock;

    fn cached(cache: &TokenCache, text: &str, now: f64) -> Option<(String, usize)> {
        cache.get(text, now).map(|hit| match hit.issuer {
            IssuerRef::Configured(index) => (hit.token.as_str().to_owned(), index),
            IssuerRef::Resolved(_) => unreachable!("only configured issuers here"),
        })
    }

    #[test]
    fn hits_last_until_the_token_expires_with_leeway() {
        let cache = TokenCache::new(16, 30.0);
        let now = clock::unix_now();
        insert(&cache, &token("fresh", now + 60.0), 1, now);
        insert(&cache, &token("in-leeway", now - 10.0), 0, now);
        insert(&cache, &token("expired", now - 40.0), 0, now);
        assert_eq!(cached(&cache, "fresh", now), Some(("fresh".into(), 1)));
        assert!(cache.get("in-leeway", now).is_some());
        assert!(cache.get("expired", now).is_none());
        assert!(cache.get("fresh", now + 91.0).is_none(), "exp is checked again on each hit");
        cache.remove("in-leeway");
        assert!(cache.get("in-leeway", now).is_none());
    }

    #[test]
    fn tokens_that_share_their_last_bytes_are_told_apart() {
        let cache = TokenCache::new(16, 0.0);
        let now = clock::unix_now();
        let tail = "s".repeat(HASHED_TAIL);
        let (first, second) = (format!("first.{tail}"), format!("second.{tail}"));
        insert(&cache, &token(&first, now + 60.0), 0, now);
        assert_eq!(cached(&cache, &first, now), Some((first.clone(), 0)));
        assert_eq!(cached(&cache, &second, now), None);
        insert(&cache, &token(&second, now + 60.0), 1, now);
        assert_eq!(cached(&cache, &first, now), Some((first, 0)));
        assert_eq!(cached(&cache, &second, now), Some((second, 1)));
        assert_eq!(cached(&cache, &tail, now), None, "a text shorter than others' tails");
    }

    #[test]
    fn expired_entries_are_swept_out_at_most_once_a_minute() {
        let cache = TokenCache::new(16, 0.0);
        let now = clock::unix_now();
        insert(&cache, &token("short-lived", now + 10.0), 0, now);
        insert(&cache, &token("long-lived", now + 600.0), 0, now + 20.0);
        assert_eq!(cache.entries.len(), 2, "the last sweep was under a minute ago");
        insert(&cache, &token("newcomer", now + 600.0), 0, now + 61.0);
        assert_eq!(cache.entries.len(), 2, "the expired entry is gone");
        assert!(cache.get("long-lived", now + 61.0).is_some());
        assert!(cache.get("newcomer", now + 61.0).is_some());
    }
}
