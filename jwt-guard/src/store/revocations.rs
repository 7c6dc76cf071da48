//! The revocations that every request is checked against, mirrored in the
//! process: a check reads a map under a read lock, and nothing at all while
//! nothing is revoked. The store is the truth; the mirror is loaded from it
//! at start, updated by this process's revocations as they are made, and
//! by a shared store's [`RevocationFeed`] for those of other processes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::records::{Revocation, Revoked};
use crate::registered::Registered;

/// The revocations held by this process.
#[derive(Debug, Default)]
pub(crate) struct Revocations {
    /// Whether any revocation is held.
    held: AtomicBool,
    /// Whether revocations made elsewhere may be missing: the store's
    /// feed lost touch with it, and has not reloaded since.
    lagging: AtomicBool,
    /// Whether every token is refused until the revocations are first
    /// loaded (`refuse_until_loaded`), and they are not yet.
    untrusted: AtomicBool,
    mirror: RwLock<Mirror>,
    /// The `iss` of the tokens that session and subject revocations
    /// apply to: the built-in issuer's, whose sessions and subjects they
    /// name. Another issuer's session or subject of the same name is
    /// another one (its logouts are revoked by its `iss`).
    issued_here: Option<String>,
}

/// A map keyed by revoked ids. foldhash rather than SipHash: a lookup on
/// every request hashes a short id, and foldhash is several times cheaper
/// there, its seed random per process as SipHash's is.
type IdMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Revoked ids, each with when it may be forgotten.
#[derive(Debug, Default)]
struct Mirror {
    /// `jti` to `until`.
    tokens: IdMap<u64>,
    /// `sid` to `until`.
    sessions: IdMap<u64>,
    /// `sub` to `before` and `until`.
    subjects: IdMap<(u64, u64)>,
    /// `iss`, then `sid`, to `until`.
    issuer_sessions: IdMap<IdMap<u64>>,
    /// `iss`, then `jti`, to `until`.
    issuer_tokens: IdMap<IdMap<u64>>,
    /// `iss`, then `sub`, to `before` and `until`.
    issuer_subjects: IdMap<IdMap<(u64, u64)>>,
}

impl Mirror {
    fn apply(&mut self, revocation: &Revocation) {
        let until = revocation.until;
        let later = |held: &mut u64| *held = (*held).max(until);
        match &revocation.revoked {
            Revoked::Token(jti) => later(self.tokens.entry(jti.clone()).or_default()),
            Revoked::Session(sid) => later(self.sessions.entry(sid.clone()).or_default()),
            Revoked::Subject { sub, before } => {
                let held = self.subjects.entry(sub.clone()).or_default();
                *held = (held.0.max(*before), held.1.max(until));
            }
            Revoked::IssuerSession { iss, sid } => {
                later(self.issuer_sessions.entry(iss.clone()).or_default().entry(sid.clone()).or_default());
            }
            Revoked::IssuerToken { iss, jti } => {
                later(self.issuer_tokens.entry(iss.clone()).or_default().entry(jti.clone()).or_default());
            }
            Revoked::IssuerSubject { iss, sub, before } => {
                let held = self.issuer_subjects.entry(iss.clone()).or_default().entry(sub.clone()).or_default();
                *held = (held.0.max(*before), held.1.max(until));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.tokens.is_empty()
            && self.sessions.is_empty()
            && self.subjects.is_empty()
            && self.issuer_sessions.is_empty()
            && self.issuer_tokens.is_empty()
            && self.issuer_subjects.is_empty()
    }
}

impl Revocations {
    /// An empty mirror, whose session and subject revocations apply to
    /// tokens whose `iss` is `issued_here`, and that is not `trusted`
    /// until it is first loaded where it must be, by `refuse_until_loaded`.
    pub(crate) fn new(issued_here: Option<String>, refuse_until_loaded: bool) -> Self {
        Self { issued_here, untrusted: AtomicBool::new(refuse_until_loaded), ..Self::default() }
    }

    /// Whether tokens may be checked against the revocations held: unless
    /// they must be loaded first and are not yet.
    pub(crate) fn trusted(&self) -> bool {
        !self.untrusted.load(Ordering::Acquire)
    }

    /// Whether a token with these claims is revoked: by its `jti`; where
    /// it is the built-in issuer's, by its `sid`, or its `sub` and an
    /// `iat` before the subject's revocation; or by its `iss` with its
    /// `sid` or `jti`, or with its `sub` and such an `iat`.
    pub(crate) fn revokes(&self, claims: &Registered<'_>) -> bool {
        if !self.held.load(Ordering::Acquire) {
            return false;
        }
        // Each claim is looked up only where something of its kind is held.
        let (iss, sub) = (claims.iss, claims.sub);
        let mirror = self.mirror.read().unwrap_or_else(PoisonError::into_inner);
        let held_in = |ids: &IdMap<u64>, id: Option<&str>| !ids.is_empty() && id.is_some_and(|id| ids.contains_key(id));
        let held_of_issuer = |by_issuer: &IdMap<IdMap<u64>>, id: Option<&str>| {
            !by_issuer.is_empty() && iss.and_then(|iss| by_issuer.get(iss)).is_some_and(|ids| held_in(ids, id))
        };
        let issued_before = |before: u64| claims.iat.is_none_or(|iat| iat < before as f64);
        let issued_here = || iss.is_some_and(|iss| self.issued_here.as_deref() == Some(iss));
        held_in(&mirror.tokens, claims.jti)
            || (held_in(&mirror.sessions, claims.sid) && issued_here())
            || (!mirror.subjects.is_empty()
                && issued_here()
                && sub.and_then(|sub| mirror.subjects.get(sub)).is_some_and(|&(before, _)| issued_before(before)))
            || held_of_issuer(&mirror.issuer_sessions, claims.sid)
            || held_of_issuer(&mirror.issuer_tokens, claims.jti)
            || (!mirror.issuer_subjects.is_empty()
                && iss.and_then(|iss| mirror.issuer_subjects.get(iss)).is_some_and(|subjects| {
                    sub.and_then(|sub| subjects.get(sub)).is_some_and(|&(before, _)| issued_before(before))
                }))
    }

    /// When everything of `sub` issued before is revoked, if it is.
    pub(crate) fn subject_revoked_before(&self, sub: &str) -> Option<u64> {
        let mirror = self.mirror.read().unwrap_or_else(PoisonError::into_inner);
        mirror.subjects.get(sub).map(|&(before, _)| before)
    }

    /// Whether revocations made by other processes may be missing here:
    /// the store's feed lost touch with it, or the revocations could not
    /// be loaded, and they have not been loaded since.
    pub(crate) fn lagging(&self) -> bool {
        self.lagging.load(Ordering::Acquire)
    }

    /// Notes that revocations made elsewhere may be missing, until the
    /// next reload.
    pub(crate) fn lost_touch(&self) {
        self.lagging.store(true, Ordering::Release);
    }

    /// Whether the tokens of the session `sid` are revoked.
    pub(crate) fn holds_session(&self, sid: &str) -> bool {
        self.mirror.read().unwrap_or_else(PoisonError::into_inner).sessions.contains_key(sid)
    }

    /// Holds `revocation` too.
    pub(crate) fn apply(&self, revocation: &Revocation) {
        self.mirror.write().unwrap_or_else(PoisonError::into_inner).apply(revocation);
        self.held.store(true, Ordering::Release);
    }

    /// Holds exactly `live`, and the revocations held already.
    fn reload(&self, live: &[Revocation]) {
        let mut mirror = self.mirror.write().unwrap_or_else(PoisonError::into_inner);
        for revocation in live {
            mirror.apply(revocation);
        }
        self.held.store(!mirror.is_empty(), Ordering::Release);
        self.lagging.store(false, Ordering::Release);
        self.untrusted.store(false, Ordering::Release);
    }

    /// Forgets what may be forgotten by `now`.
    pub(crate) fn sweep(&self, now: u64) {
        let mut guard = self.mirror.write().unwrap_or_else(PoisonError::into_inner);
        let mirror = &mut *guard;
        mirror.tokens.retain(|_, until| *until > now);
        mirror.sessions.retain(|_, until| *until > now);
        mirror.subjects.retain(|_, (_, until)| *until > now);
        for by_issuer in [&mut mirror.issuer_sessions, &mut mirror.issuer_tokens] {
            by_issuer.retain(|_, ids| {
                ids.retain(|_, until| *until > now);
                !ids.is_empty()
            });
        }
        mirror.issuer_subjects.retain(|_, subjects| {
            subjects.retain(|_, (_, until)| *until > now);
            !subjects.is_empty()
        });
        self.held.store(!mirror.is_empty(), Ordering::Release);
    }
}

/// Where a store that several processes share reports the revocations
/// that others make; see [`TokenStore::follow`](super::TokenStore::follow).
///
/// What a store's `follow` tells it, as its connection goes:
///
/// ```
/// use jwt_guard::store::{Revocation, RevocationFeed};
///
/// /// What a store's connection to the others' revocations hears.
/// enum Heard {
///     /// (Re)connected and subscribed: every live revocation, read after.
///     Connected(Vec<Revocation>),
///     /// Another process revoked this.
///     Revoked(Revocation),
///     /// The connection is lost.
///     Lost,
/// }
///
/// fn report(feed: &RevocationFeed, heard: Heard) {
///     match heard {
///         Heard::Connected(live) => feed.reload(&live),
///         Heard::Revoked(revocation) => feed.revoked(&revocation),
///         Heard::Lost => feed.lost(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RevocationFeed(Arc<Revocations>);

impl RevocationFeed {
    /// The feed of `revocations`.
    pub(crate) fn new(revocations: Arc<Revocations>) -> Self {
        Self(revocations)
    }

    /// Another process revoked this.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, issuer::Grant};
    /// use jwt_guard::store::{Revocation, Revoked};
    /// # use std::sync::Arc;
    /// # use jwt_guard::{JwtGuard, async_trait, config::LocalIssuerConfig};
    /// # use jwt_guard::store::{FamilyRecord, LoginAttempt, LoginThrottle, MemoryStore, RevocationFeed};
    /// # use jwt_guard::store::{Rotation, RotationOutcome, StoreError, TokenStore};
    /// # /// A store shared with other instances, whose `follow` hands its feed out.
    /// # struct Shared(Arc<MemoryStore>, tokio::sync::mpsc::UnboundedSender<RevocationFeed>);
    /// # #[async_trait]
    /// # impl TokenStore for Shared {
    /// #     async fn follow(&self, feed: RevocationFeed) { self.1.send(feed).unwrap() }
    /// #     async fn revoke(&self, r: &Revocation) -> Result<(), StoreError> { self.0.revoke(r).await }
    /// #     async fn revocations(&self, n: u64) -> Result<Vec<Revocation>, StoreError> { self.0.revocations(n).await }
    /// #     async fn start_family(&self, f: &FamilyRecord, h: &str) -> Result<(), StoreError> {
    /// #         self.0.start_family(f, h).await
    /// #     }
    /// #     async fn rotate(&self, r: &Rotation<'_>) -> Result<RotationOutcome, StoreError> { self.0.rotate(r).await }
    /// #     async fn end_family_of(&self, h: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family_of(h, u).await
    /// #     }
    /// #     async fn end_family(&self, id: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family(id, u).await
    /// #     }
    /// #     async fn reserve_attempt(&self, k: &str, n: u64, t: LoginThrottle) -> Result<LoginAttempt, StoreError> {
    /// #         self.0.reserve_attempt(k, n, t).await
    /// #     }
    /// #     async fn release_attempt(
    /// #         &self, k: &str, r: jwt_guard::store::Reservation, t: LoginThrottle,
    /// #     ) -> Result<(), StoreError> {
    /// #         self.0.release_attempt(k, r, t).await
    /// #     }
    /// #     async fn forget_failures(&self, k: &str) -> Result<(), StoreError> { self.0.forget_failures(k).await }
    /// #     async fn use_once(&self, k: &str, n: u64, e: u64) -> Result<bool, StoreError> {
    /// #         self.0.use_once(k, n, e).await
    /// #     }
    /// # }
    /// # let (shared, (sender, mut feeds)) = (Arc::new(MemoryStore::new()), tokio::sync::mpsc::unbounded_channel());
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| config.local = Some(LocalIssuerConfig::default()))
    /// #     .store(Shared(Arc::clone(&shared), sender))
    /// #     .build()
    /// #     .unwrap();
    /// # rocket::async_test(async {
    /// # tokio::spawn(guard.upkeep());
    /// # let feed = feeds.recv().await.unwrap();
    ///
    /// let tokens = guard.local_issuer().unwrap().issue(&Grant::new("ada")).unwrap();
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    /// // Another instance logs ada out everywhere; the store hears of it, and reports it:
    /// let everywhere = Revoked::Subject { sub: "ada".into(), before: now + 1 };
    /// feed.revoked(&Revocation { revoked: everywhere, until: now + 3_600 });
    /// let refused = guard.verifier().verify(&tokens.access_token).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    /// # });
    /// ```
    pub fn revoked(&self, revocation: &Revocation) {
        self.0.apply(revocation);
    }

    /// These are every live revocation, after a (re)connection: what may
    /// have been missed meanwhile is held from now on.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem, issuer::Grant};
    /// use jwt_guard::store::{Revocation, Revoked};
    /// # use std::sync::Arc;
    /// # use jwt_guard::{JwtGuard, async_trait, config::LocalIssuerConfig};
    /// # use jwt_guard::store::{FamilyRecord, LoginAttempt, LoginThrottle, MemoryStore, RevocationFeed};
    /// # use jwt_guard::store::{Rotation, RotationOutcome, StoreError, TokenStore};
    /// # /// A store shared with other instances, whose `follow` hands its feed out.
    /// # struct Shared(Arc<MemoryStore>, tokio::sync::mpsc::UnboundedSender<RevocationFeed>);
    /// # #[async_trait]
    /// # impl TokenStore for Shared {
    /// #     async fn follow(&self, feed: RevocationFeed) { self.1.send(feed).unwrap() }
    /// #     async fn revoke(&self, r: &Revocation) -> Result<(), StoreError> { self.0.revoke(r).await }
    /// #     async fn revocations(&self, n: u64) -> Result<Vec<Revocation>, StoreError> { self.0.revocations(n).await }
    /// #     async fn start_family(&self, f: &FamilyRecord, h: &str) -> Result<(), StoreError> {
    /// #         self.0.start_family(f, h).await
    /// #     }
    /// #     async fn rotate(&self, r: &Rotation<'_>) -> Result<RotationOutcome, StoreError> { self.0.rotate(r).await }
    /// #     async fn end_family_of(&self, h: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family_of(h, u).await
    /// #     }
    /// #     async fn end_family(&self, id: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family(id, u).await
    /// #     }
    /// #     async fn reserve_attempt(&self, k: &str, n: u64, t: LoginThrottle) -> Result<LoginAttempt, StoreError> {
    /// #         self.0.reserve_attempt(k, n, t).await
    /// #     }
    /// #     async fn release_attempt(
    /// #         &self, k: &str, r: jwt_guard::store::Reservation, t: LoginThrottle,
    /// #     ) -> Result<(), StoreError> {
    /// #         self.0.release_attempt(k, r, t).await
    /// #     }
    /// #     async fn forget_failures(&self, k: &str) -> Result<(), StoreError> { self.0.forget_failures(k).await }
    /// #     async fn use_once(&self, k: &str, n: u64, e: u64) -> Result<bool, StoreError> {
    /// #         self.0.use_once(k, n, e).await
    /// #     }
    /// # }
    /// # let (shared, (sender, mut feeds)) = (Arc::new(MemoryStore::new()), tokio::sync::mpsc::unbounded_channel());
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| config.local = Some(LocalIssuerConfig::default()))
    /// #     .store(Shared(Arc::clone(&shared), sender))
    /// #     .build()
    /// #     .unwrap();
    /// # rocket::async_test(async {
    /// # tokio::spawn(guard.upkeep());
    /// # let feed = feeds.recv().await.unwrap();
    ///
    /// let tokens = guard.local_issuer().unwrap().issue(&Grant::new("ada")).unwrap();
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    /// // Cut off from the store, this process misses another instance's logout of ada:
    /// let everywhere = Revoked::Subject { sub: "ada".into(), before: now + 1 };
    /// shared.revoke(&Revocation { revoked: everywhere, until: now + 3_600 }).await.unwrap();
    /// assert!(guard.verifier().verify(&tokens.access_token).await.is_ok(), "not heard of here");
    /// // Reconnected, the store reads every live revocation back:
    /// feed.reload(&shared.revocations(now).await.unwrap());
    /// let refused = guard.verifier().verify(&tokens.access_token).await.unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    /// # });
    /// ```
    pub fn reload(&self, live: &[Revocation]) {
        self.0.reload(live);
    }

    /// The store lost touch with the others' revocations (a connection
    /// lost): until the next [`reload`](Self::reload), a refresh of the
    /// built-in issuer asks the store whether its user was logged out
    /// everywhere, rather than trusting what this process holds.
    ///
    /// ```
    /// use jwt_guard::issuer::{RefreshRefusal, SessionError};
    /// use jwt_guard::store::{Revocation, Revoked};
    /// # use std::sync::Arc;
    /// # use jwt_guard::{JwtGuard, async_trait, config::LocalIssuerConfig};
    /// # use jwt_guard::store::{FamilyRecord, LoginAttempt, LoginThrottle, MemoryStore, RevocationFeed};
    /// # use jwt_guard::store::{Rotation, RotationOutcome, StoreError, TokenStore};
    /// # /// A store shared with other instances, whose `follow` hands its feed out.
    /// # struct Shared(Arc<MemoryStore>, tokio::sync::mpsc::UnboundedSender<RevocationFeed>);
    /// # #[async_trait]
    /// # impl TokenStore for Shared {
    /// #     async fn follow(&self, feed: RevocationFeed) { self.1.send(feed).unwrap() }
    /// #     async fn revoke(&self, r: &Revocation) -> Result<(), StoreError> { self.0.revoke(r).await }
    /// #     async fn revocations(&self, n: u64) -> Result<Vec<Revocation>, StoreError> { self.0.revocations(n).await }
    /// #     async fn start_family(&self, f: &FamilyRecord, h: &str) -> Result<(), StoreError> {
    /// #         self.0.start_family(f, h).await
    /// #     }
    /// #     async fn rotate(&self, r: &Rotation<'_>) -> Result<RotationOutcome, StoreError> { self.0.rotate(r).await }
    /// #     async fn end_family_of(&self, h: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family_of(h, u).await
    /// #     }
    /// #     async fn end_family(&self, id: &str, u: u64) -> Result<Option<FamilyRecord>, StoreError> {
    /// #         self.0.end_family(id, u).await
    /// #     }
    /// #     async fn reserve_attempt(&self, k: &str, n: u64, t: LoginThrottle) -> Result<LoginAttempt, StoreError> {
    /// #         self.0.reserve_attempt(k, n, t).await
    /// #     }
    /// #     async fn release_attempt(
    /// #         &self, k: &str, r: jwt_guard::store::Reservation, t: LoginThrottle,
    /// #     ) -> Result<(), StoreError> {
    /// #         self.0.release_attempt(k, r, t).await
    /// #     }
    /// #     async fn forget_failures(&self, k: &str) -> Result<(), StoreError> { self.0.forget_failures(k).await }
    /// #     async fn use_once(&self, k: &str, n: u64, e: u64) -> Result<bool, StoreError> {
    /// #         self.0.use_once(k, n, e).await
    /// #     }
    /// # }
    /// # let (shared, (sender, mut feeds)) = (Arc::new(MemoryStore::new()), tokio::sync::mpsc::unbounded_channel());
    /// # use jwt_guard::issuer::{Grant, StaticUsers};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         let mut local = LocalIssuerConfig::default();
    /// #         local.refresh_expires_in = Some(std::time::Duration::from_secs(86_400));
    /// #         config.local = Some(local);
    /// #     })
    /// #     .login(StaticUsers::new().user("ada", "secret", Grant::new("ada")))
    /// #     .store(Shared(Arc::clone(&shared), sender))
    /// #     .build()
    /// #     .unwrap();
    /// # rocket::async_test(async {
    /// # tokio::spawn(guard.upkeep());
    /// # let feed = feeds.recv().await.unwrap();
    ///
    /// let session = guard.login("ada", "secret", None).await.unwrap().refresh_token.unwrap();
    /// // The store's connection drops; meanwhile another instance logs ada out everywhere.
    /// feed.lost();
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    /// let everywhere = Revoked::Subject { sub: "ada".into(), before: now + 1 };
    /// shared.revoke(&Revocation { revoked: everywhere, until: now + 3_600 }).await.unwrap();
    /// // Until the next reload, a refresh asks the store, and is refused:
    /// let refused = guard.refresh(&session).await.unwrap_err();
    /// assert_eq!(refused, SessionError::Refused(RefreshRefusal::Ended));
    /// # });
    /// ```
    pub fn lost(&self) {
        self.0.lost_touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in issuer's `iss` in these tests.
    const HERE: &str = "https://api.test";

    /// A token's `jti`.
    fn with_jti(jti: &str) -> Registered<'_> {
        Registered { jti: Some(jti), ..Default::default() }
    }

    /// A built-in token's `sid`.
    fn with_sid(sid: &str) -> Registered<'_> {
        Registered { iss: Some(HERE), sid: Some(sid), ..Default::default() }
    }

    #[test]
    fn tokens_are_revoked_by_jti_sid_or_subject_before_a_time() {
        let revocations = Revocations::new(Some(HERE.into()), false);
        let token = Registered {
            iss: Some(HERE),
            jti: Some("j1"),
            sid: Some("s1"),
            sub: Some("ada"),
            iat: Some(100.0),
            ..Default::default()
        };
        let elsewhere =
            Registered { iss: Some("https://idp.test/"), sub: Some("ada"), iat: Some(100.0), ..Default::default() };
        assert!(!revocations.revokes(&token), "nothing is revoked yet");
        for revoked in [Revoked::Token("j1".into()), Revoked::Session("s1".into())] {
            let revocations = Revocations::new(Some(HERE.into()), false);
            revocations.apply(&Revocation { revoked, until: 500 });
            assert!(revocations.revokes(&token));
            let other = Registered { jti: Some("j2"), sid: Some("s2"), ..token };
            assert!(!revocations.revokes(&other));
        }
        revocations.apply(&Revocation { revoked: Revoked::Subject { sub: "ada".into(), before: 100 }, until: 900 });
        assert!(!revocations.revokes(&token), "issued at the cutoff: not before it");
        revocations.apply(&Revocation { revoked: Revoked::Subject { sub: "ada".into(), before: 101 }, until: 800 });
        assert!(revocations.revokes(&token));
        assert!(!revocations.revokes(&elsewhere), "another issuer's `ada` is another user");
        assert_eq!(revocations.subject_revoked_before("ada"), Some(101));
        revocations.sweep(899);
        assert!(revocations.revokes(&token), "kept until the latest `until`");
        revocations.sweep(900);
        assert!(!revocations.revokes(&token));
    }

    #[test]
    fn an_issuers_logout_revokes_its_own_tokens_only() {
        let revocations = Revocations::default();
        let idp = |iss: &'static str, sid: Option<&'static str>, iat: f64| Registered {
            iss: Some(iss),
            sub: Some("ada"),
            sid,
            iat: Some(iat),
            ..Default::default()
        };
        let session = Revoked::IssuerSession { iss: "https://a.test".into(), sid: "s1".into() };
        revocations.apply(&Revocation { revoked: session, until: 500 });
        assert!(revocations.revokes(&idp("https://a.test", Some("s1"), 100.0)));
        assert!(!revocations.revokes(&idp("https://b.test", Some("s1"), 100.0)), "another issuer's `s1`");
        assert!(!revocations.revokes(&idp("https://a.test", Some("s2"), 100.0)), "another session");
        let subject = Revoked::IssuerSubject { iss: "https://a.test".into(), sub: "ada".into(), before: 200 };
        revocations.apply(&Revocation { revoked: subject, until: 600 });
        assert!(revocations.revokes(&idp("https://a.test", None, 199.0)));
        assert!(!revocations.revokes(&idp("https://a.test", None, 200.0)), "issued at the cutoff: not before it");
        assert!(!revocations.revokes(&idp("https://b.test", None, 100.0)), "another issuer's `ada` is another user");
        revocations.sweep(500);
        assert!(!revocations.revokes(&idp("https://a.test", Some("s1"), 300.0)), "the session was forgotten");
        assert!(revocations.revokes(&idp("https://a.test", Some("s1"), 100.0)), "the subject is still held");
        revocations.sweep(600);
        assert!(!revocations.revokes(&idp("https://a.test", None, 100.0)));
    }

    #[test]
    fn a_token_of_an_issuer_is_revoked_at_that_issuer_only() {
        let revocations = Revocations::default();
        let token =
            |iss: &'static str, jti: &'static str| Registered { iss: Some(iss), jti: Some(jti), ..Default::default() };
        let revoked = Revoked::IssuerToken { iss: "https://a.test".into(), jti: "t1".into() };
        revocations.apply(&Revocation { revoked, until: 500 });
        assert!(revocations.revokes(&token("https://a.test", "t1")));
        assert!(!revocations.revokes(&token("https://b.test", "t1")), "another issuer's `t1`");
        assert!(!revocations.revokes(&token("https://a.test", "t2")));
        revocations.sweep(500);
        assert!(!revocations.revokes(&token("https://a.test", "t1")), "forgotten once it may be");
    }

    #[test]
    fn a_built_in_session_revokes_no_other_issuers_token_with_its_sid() {
        let revocations = Revocations::new(Some(HERE.into()), false);
        revocations.apply(&Revocation { revoked: Revoked::Session("s1".into()), until: 500 });
        revocations.apply(&Revocation { revoked: Revoked::Token("j1".into()), until: 500 });
        let elsewhere = |sid, jti| Registered { iss: Some("https://idp.test/"), sid, jti, ..Default::default() };
        assert!(revocations.revokes(&with_sid("s1")));
        assert!(!revocations.revokes(&elsewhere(Some("s1"), None)), "the identity provider's `s1` is another session");
        assert!(revocations.revokes(&elsewhere(None, Some("j1"))), "a `jti` is revoked whatever its issuer");
        let without_issuer = Revocations::default();
        without_issuer.apply(&Revocation { revoked: Revoked::Session("s1".into()), until: 500 });
        assert!(!without_issuer.revokes(&with_sid("s1")), "no built-in issuer, no session of its");
    }

    #[test]
    fn a_feed_adds_what_other_processes_revoked() {
        let revocations = Arc::new(Revocations::new(Some(HERE.into()), false));
        let feed = RevocationFeed::new(Arc::clone(&revocations));
        feed.reload(&[Revocation { revoked: Revoked::Token("j1".into()), until: 10 }]);
        feed.revoked(&Revocation { revoked: Revoked::Session("s1".into()), until: 10 });
        assert!(revocations.revokes(&with_jti("j1")));
        assert!(revocations.revokes(&with_sid("s1")));
        assert!(!revocations.revokes(&with_jti("j2")));
    }
}
