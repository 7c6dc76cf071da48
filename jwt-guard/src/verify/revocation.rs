//! An app's own revocation list: a [`RevocationList`] is asked about the
//! `jti` of every verified token, beside the token store's revocations.

/// Says whether a token id has been revoked.
///
/// Consulted for every verified token that has a `jti`; a revoked token is
/// refused with 401 `invalid_token`. Plugged in with
/// [`JwtGuardBuilder::revocations`](crate::JwtGuardBuilder::revocations),
/// whose example implements one.
///
/// ```
/// use std::{collections::HashSet, sync::{Arc, RwLock}};
/// use jwt_guard::{JwtGuard, verify::RevocationList};
///
/// /// The token ids that the admin console revokes while the app runs.
/// #[derive(Default)]
/// struct Revoked(RwLock<HashSet<String>>);
///
/// #[jwt_guard::async_trait]
/// impl RevocationList for Revoked {
///     async fn is_revoked(&self, jti: &str) -> bool { self.0.read().unwrap().contains(jti) }
/// }
///
/// let revoked = Arc::new(Revoked::default()); // an `Arc` of a list is a list
/// let rocket = rocket::build().attach(JwtGuard::fairing().revocations(Arc::clone(&revoked)));
/// revoked.0.write().unwrap().insert("a2f9c1".into());
/// assert!(rocket::execute(revoked.is_revoked("a2f9c1")), "its token is refused from now on");
/// ```
#[async_trait::async_trait]
pub trait RevocationList: Send + Sync + 'static {
    /// Whether the token with this `jti` is revoked.
    async fn is_revoked(&self, jti: &str) -> bool;
}

/// A shared list is a list: the app keeps an `Arc` to add to it.
#[async_trait::async_trait]
impl<T: RevocationList + ?Sized> RevocationList for std::sync::Arc<T> {
    async fn is_revoked(&self, jti: &str) -> bool {
        (**self).is_revoked(jti).await
    }
}
