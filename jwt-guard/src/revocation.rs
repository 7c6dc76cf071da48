//! An app's own revocation list: a [`RevocationList`] is asked about the
//! `jti` of every verified token, beside the token store's revocations.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::SystemTime;

use crate::clock;

/// Says whether a token id has been revoked.
///
/// Consulted for every verified token that has a `jti`; a revoked token is
/// refused with 401 `invalid_token`.
#[async_trait::async_trait]
pub trait RevocationList: Send + Sync + 'static {
    /// Whether the token with this `jti` is revoked.
    async fn is_revoked(&self, jti: &str) -> bool;
}

/// How long past its token's `exp` an entry is kept: beyond the verifier's
/// leeway (30 s by default), which this list does not know.
const KEPT_PAST_EXPIRY: u64 = 3600;

/// Revoked token ids, kept in this process's memory until an hour after
/// their tokens expire.
///
/// Superseded by [`JwtGuard::revoke_token`](crate::JwtGuard::revoke_token)
/// and the other revocations of the token store, which keep each entry for
/// exactly as long as the configured leeway needs, survive restarts (in an
/// SQLite file), and reach every instance of a fleet (on Redis).
///
/// ```
/// # #![allow(deprecated)]
/// use std::time::{Duration, SystemTime};
/// use jwt_guard::InMemoryRevocations;
///
/// let revocations = InMemoryRevocations::new();
/// revocations.revoke("token-id", SystemTime::now() + Duration::from_secs(300));
/// assert!(revocations.contains("token-id"));
/// ```
#[deprecated(since = "0.1.0", note = "use `JwtGuard::revoke_token`, whose revocations the token store keeps")]
#[derive(Debug, Default)]
pub struct InMemoryRevocations {
    /// `jti` to the expiry of its token, in Unix seconds.
    revoked: RwLock<HashMap<String, u64>>,
}

#[allow(deprecated, reason = "it keeps working for the apps that use it")]
impl InMemoryRevocations {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revokes `jti`, whose token expires at `expires_at`; the entry is
    /// dropped an hour later, when no leeway of a usual configuration
    /// accepts the token any more.
    pub fn revoke(&self, jti: impl Into<String>, expires_at: SystemTime) {
        let until = clock::unix_secs(expires_at).saturating_add(KEPT_PAST_EXPIRY);
        let now = clock::unix_now_secs();
        let mut revoked = self.revoked.write().unwrap_or_else(PoisonError::into_inner);
        revoked.retain(|_, kept_until| *kept_until > now);
        revoked.insert(jti.into(), until);
    }

    /// Whether `jti` is revoked.
    pub fn contains(&self, jti: &str) -> bool {
        self.revoked.read().unwrap_or_else(PoisonError::into_inner).contains_key(jti)
    }
}

#[allow(deprecated, reason = "it keeps working for the apps that use it")]
#[async_trait::async_trait]
impl RevocationList for InMemoryRevocations {
    async fn is_revoked(&self, jti: &str) -> bool {
        self.contains(jti)
    }
}

#[cfg(test)]
#[allow(deprecated)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn entries_outlive_their_tokens_by_more_than_a_leeway() {
        let list = InMemoryRevocations::new();
        list.revoke("in-leeway", SystemTime::now() - Duration::from_secs(60));
        list.revoke("long-gone", SystemTime::now() - Duration::from_secs(3601));
        list.revoke("new", SystemTime::now() + Duration::from_secs(10));
        assert!(list.contains("in-leeway"), "a token a minute past `exp` may still be accepted with leeway");
        assert!(!list.contains("long-gone"), "pruned on the next revocation");
        assert!(list.contains("new"));
    }
}
