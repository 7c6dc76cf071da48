//! Revoking tokens before they expire: a [`RevocationList`] is asked about
//! the `jti` of every verified token.

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

/// Revoked token ids, kept in memory until the tokens would have expired.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use jwt_guard::InMemoryRevocations;
///
/// let revocations = InMemoryRevocations::new();
/// revocations.revoke("token-id", SystemTime::now() + Duration::from_secs(300));
/// assert!(revocations.contains("token-id"));
/// ```
#[derive(Debug, Default)]
pub struct InMemoryRevocations {
    /// `jti` to the expiry of its token, in Unix seconds.
    revoked: RwLock<HashMap<String, u64>>,
}

impl InMemoryRevocations {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revokes `jti` until `expires_at`, after which its token is refused
    /// anyway and the entry is dropped.
    pub fn revoke(&self, jti: impl Into<String>, expires_at: SystemTime) {
        let expires = clock::unix_secs(expires_at);
        let now = clock::unix_now_secs();
        let mut revoked = self.revoked.write().unwrap_or_else(PoisonError::into_inner);
        revoked.retain(|_, until| *until >= now);
        revoked.insert(jti.into(), expires);
    }

    /// Whether `jti` is revoked.
    pub fn contains(&self, jti: &str) -> bool {
        self.revoked.read().unwrap_or_else(PoisonError::into_inner).contains_key(jti)
    }
}

#[async_trait::async_trait]
impl RevocationList for InMemoryRevocations {
    async fn is_revoked(&self, jti: &str) -> bool {
        self.contains(jti)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn entries_leave_once_their_tokens_have_expired() {
        let list = InMemoryRevocations::new();
        list.revoke("old", SystemTime::now() - Duration::from_secs(10));
        assert!(list.contains("old"));
        list.revoke("new", SystemTime::now() + Duration::from_secs(10));
        assert!(!list.contains("old"), "pruned on the next revocation");
        assert!(list.contains("new"));
    }
}
