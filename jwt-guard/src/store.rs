//! Token state: what the library must remember beyond one request, behind
//! one small trait, [`TokenStore`], with shipped backends: in memory, an
//! SQLite file (feature `sqlite`, on by default) and Redis (feature
//! `redis`), for a fleet.
//!
//! A store keeps revocations (of a token, a session, or everything a
//! subject was issued before some time), the built-in issuer's refresh-token
//! families, and counts of failed logins. Every entry expires on its own,
//! and a family keeps the hashes of its last [`REMEMBERED_TOKENS`] refresh
//! tokens only: nothing grows without bound. Revocations are also mirrored
//! in each process, so that checking one on every request costs no round
//! trip; a store shared by a fleet feeds the mirror with the
//! revocations other instances make ([`TokenStore::follow`]).
//!
//! An app names an SQLite file or Redis in `[jwt_guard.store]` (without
//! either, its state is kept in memory, as below), or plugs a store in
//! with [`JwtGuardBuilder::store`](crate::JwtGuardBuilder::store): a
//! [`MemoryStore`], an `SqliteStore`, a `RedisStore`, or its own. The rest of this
//! module ([`FamilyRecord`], [`Revocation`], [`Rotation`],
//! [`RevocationFeed`] and the like) is for writing a [`TokenStore`] of
//! its own.
//!
#![doc = include_str!("../docs/stores.md")]
#![doc = include_str!("../docs/logout.md")]

mod memory;
mod records;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod revocations;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
pub use records::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, Reservation, Revocation, Revoked, Rotation,
    RotationOutcome,
};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use revocations::RevocationFeed;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// How many of its latest refresh tokens a family remembers: a retired
/// token among them that comes back is known as reused, and ends the
/// family; an older one is unknown, refused without ending it. 64
/// refreshes are over five hours of access tokens of five minutes.
///
/// ```
/// use jwt_guard::store::{MemoryStore, REMEMBERED_TOKENS, Rotation, RotationOutcome, TokenStore};
/// # use jwt_guard::store::FamilyRecord;
///
/// # futures_util::FutureExt::now_or_never(async {
/// let store = MemoryStore::new();
/// # let (id, subject, grant) = ("sid-1".into(), "ada".into(), "{}".into());
/// # let family = FamilyRecord { id, subject, grant, created_at: 0, expires_at: 9_999 };
/// store.start_family(&family, "hash-0").await.unwrap();
/// for n in 1..=REMEMBERED_TOKENS {
///     let (presented, next) = (format!("hash-{}", n - 1), format!("hash-{n}"));
///     store.rotate(&Rotation::new(&presented, &next, 100, 900)).await.unwrap();
/// }
/// let presenting = |presented| Rotation::new(presented, "hash-next", 100, 900);
/// // The first token is forgotten: unknown, and the family lives on.
/// assert_eq!(store.rotate(&presenting("hash-0")).await.unwrap(), RotationOutcome::Unknown);
/// // The second is remembered: a reuse, which ends the family.
/// assert_eq!(store.rotate(&presenting("hash-1")).await.unwrap(), RotationOutcome::Reused(family));
/// # }).unwrap();
/// ```
pub const REMEMBERED_TOKENS: usize = 64;

/// What the library must remember beyond one request: revocations,
/// refresh-token families and failed logins.
///
/// jwt-guard ships [`MemoryStore`], an SQLite store and a Redis store;
/// `[jwt_guard.store]` chooses one. An app may keep the same state in its
/// own database by implementing this trait, check its implementation with
/// `jwt_guard::testing::check_token_store` (and, for a store that
/// processes share, its `follow` with
/// `jwt_guard::testing::check_shared_token_store`), and plug it in with
/// [`JwtGuardBuilder::store`](crate::JwtGuardBuilder::store). Every operation must be
/// atomic, every entry must be forgotten once its expiry passes, and a
/// store that several processes share must implement
/// [`follow`](Self::follow).
///
/// A sketch for PostgreSQL (with `sqlx`), one table per kind of entry:
///
/// ```text
/// CREATE TABLE jwt_guard_revocations (kind TEXT, id TEXT, before BIGINT, until BIGINT,
///                                     PRIMARY KEY (kind, id));
/// CREATE TABLE jwt_guard_families (id TEXT PRIMARY KEY, subject TEXT, grant_json TEXT,
///     created_at BIGINT, expires_at BIGINT, current_hash TEXT, previous_hash TEXT,
///     rotated_at BIGINT, ended BOOLEAN);
/// CREATE TABLE jwt_guard_refresh_tokens (hash TEXT PRIMARY KEY, family TEXT, expires_at BIGINT,
///                                        seq BIGINT);  -- the family's nth token
/// CREATE TABLE jwt_guard_login_failures (key TEXT PRIMARY KEY, count INT, last BIGINT,
///                                        expires_at BIGINT);
///
/// -- rotate: one transaction, with the family's row locked
/// SELECT f.* FROM jwt_guard_refresh_tokens t JOIN jwt_guard_families f ON f.id = t.family
///  WHERE t.hash = $1 FOR UPDATE OF f;
/// -- then, as `RotationOutcome` says: UPDATE the family's current and previous hash
/// -- and INSERT the next token's hash, DELETE its tokens older than the last
/// -- REMEMBERED_TOKENS, or (a reuse) upsert the session's revocation and mark
/// -- the family ended.
/// -- end_family: one transaction that marks the family ended and upserts the
/// -- session's revocation (with NOTIFY beside it).
/// -- follow: LISTEN jwt_guard_revocations, with NOTIFY beside each revocation;
/// -- reload every live revocation after each (re)connection.
/// ```
///
/// In Rust, each operation is an `async fn` of
/// [`async_trait`](crate::async_trait). This store keeps its state in
/// another (any of the shipped stores, here the memory store) and logs each
/// revocation for an audit trail: a pattern for adding to a store's
/// behaviour, and the signatures a database's store fills in.
///
/// ```
/// use jwt_guard::store::{
///     FamilyRecord, LoginAttempt, LoginThrottle, MemoryStore, Reservation, Revocation, RevocationFeed,
///     Rotation, RotationOutcome, StoreError, TokenStore,
/// };
/// use jwt_guard::{JwtGuard, async_trait};
///
/// struct Audited<S>(S);
///
/// #[async_trait]
/// impl<S: TokenStore> TokenStore for Audited<S> {
///     async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
///         log::info!("revoked: {:?}", revocation.revoked);
///         self.0.revoke(revocation).await
///     }
///     async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
///         self.0.revocations(now).await
///     }
///     async fn follow(&self, feed: RevocationFeed) {
///         self.0.follow(feed).await
///     }
///     async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError> {
///         self.0.start_family(family, token_hash).await
///     }
///     async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError> {
///         self.0.rotate(rotation).await
///     }
///     async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
///         self.0.end_family_of(token_hash, until).await
///     }
///     async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
///         self.0.end_family(id, until).await
///     }
///     async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError> {
///         self.0.reserve_attempt(key, now, throttle).await
///     }
///     async fn release_attempt(&self, key: &str, reservation: Reservation, throttle: LoginThrottle) -> Result<(), StoreError> {
///         self.0.release_attempt(key, reservation, throttle).await
///     }
///     async fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
///         self.0.forget_failures(key).await
///     }
///     async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError> {
///         self.0.use_once(key, now, expires_at).await
///     }
///     async fn sweep(&self, now: u64) -> Result<(), StoreError> {
///         self.0.sweep(now).await
///     }
/// }
///
/// let rocket = rocket::build().attach(JwtGuard::fairing().store(Audited(MemoryStore::new())));
/// # #[cfg(feature = "testing")]
/// # futures_util::FutureExt::now_or_never(async {
/// // In the app's tests: every promise of the trait, kept.
/// jwt_guard::testing::check_token_store(&Audited(MemoryStore::new())).await;
/// # }).unwrap();
/// ```
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// Remembers `revocation` until its `until`. Of two revocations of
    /// one token or session, the later `until` is kept; of one subject,
    /// the latest `before` and the latest `until` hold, in whatever order
    /// they come (a store may keep both), so that a logout retried late
    /// does not undo a newer one.
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError>;

    /// Every revocation whose `until` is after `now`: what a process loads
    /// at start, and after it lost touch with a shared store.
    async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError>;

    /// Reports to `feed` the revocations that other processes make, as
    /// they make them, for as long as the future runs, and reloads every
    /// live revocation once connected, and after each reconnection. The
    /// default returns at once: a store that only this process writes has
    /// nothing to report.
    /// `jwt_guard::testing::check_shared_token_store` checks a shared
    /// store's `follow` with two handles on it.
    async fn follow(&self, feed: RevocationFeed) {
        let _ = feed;
    }

    /// Starts a refresh-token family with its first token's hash.
    async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError>;

    /// Exchanges a presented refresh token's hash for the next one, in one
    /// atomic step: see [`RotationOutcome`] for what may happen. Of two
    /// rotations of the same token, in any processes, at most one sees it
    /// as the family's current token. A family remembers the hashes of the
    /// last [`REMEMBERED_TOKENS`] tokens it issued, and forgets older ones
    /// as it issues new ones, so that a client that refreshes without end
    /// does not grow the store without end. A rotation that ends the
    /// family for a reuse revokes its session in the same step, as
    /// [`end_family`](Self::end_family) does. A family unused for longer
    /// than the rotation's `idle_timeout` is ended, and answered
    /// [`Ended`](RotationOutcome::Ended).
    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError>;

    /// Ends the family that the token with this hash belongs to, as
    /// [`end_family`](Self::end_family) does; answers it, if it was known.
    /// A token that is not known revokes nothing.
    async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError>;

    /// Ends the family `id`, so that none of its tokens is accepted again,
    /// and revokes its session's access tokens until `until` (a
    /// [`Revoked::Session`] of `id`, kept as [`revoke`](Self::revoke)
    /// keeps one, and reported to [`follow`](Self::follow)ers), in one
    /// atomic step: a crash or a failure leaves both done or neither, or,
    /// in a store that cannot undo a write (Redis), the revocation alone,
    /// never the family's end alone. Answers the family, if it was known;
    /// the session is revoked either way.
    async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError>;

    /// Reserves a login attempt under `key` at `now`, in one atomic step,
    /// before its credentials are checked: if the failures counted under
    /// `key` (and not forgotten by `now`) make it wait, per
    /// [`LoginThrottle::reserve`], answers the wait and counts nothing;
    /// otherwise counts it as a failure, forgotten `forget_after` seconds
    /// later. So however many attempts arrive at once, at most `after`
    /// are checked before the waits begin.
    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError>;

    /// Takes back the attempt that `reservation` counted under `key`, in
    /// one atomic step: the login succeeded, and `key` (a client address)
    /// is not to be charged for it. What the key holds becomes
    /// [`Reservation::released`]'s answer (nothing: the key is forgotten),
    /// forgotten `forget_after` seconds after its last failure. So a
    /// success does not start the wait of the failures before it again.
    async fn release_attempt(
        &self,
        key: &str,
        reservation: Reservation,
        throttle: LoginThrottle,
    ) -> Result<(), StoreError>;

    /// Forgets the failed logins under `key`, after a successful login.
    async fn forget_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Marks `key` used until `expires_at`, in one atomic step, and
    /// answers whether it was unused at `now`: of any number of calls with
    /// one key before it expires, in any processes, exactly one gets
    /// `true`. What makes a DPoP proof good for one request only.
    async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError>;

    /// Drops every entry that expired by `now`. The default does nothing:
    /// for stores whose entries expire by themselves (Redis).
    async fn sweep(&self, now: u64) -> Result<(), StoreError> {
        let _ = now;
        Ok(())
    }
}

/// Why a store could not answer.
///
/// An app's own [`TokenStore`] wraps its database's errors in it; a login
/// or a refresh that meets one answers 503, to be retried:
///
/// ```
/// use jwt_guard::issuer::SessionError;
/// use jwt_guard::store::StoreError;
///
/// let opened = std::fs::File::open("/nonexistent/tokens.db");
/// let error = opened.map_err(StoreError::new).unwrap_err();
/// assert!(error.to_string().starts_with("the token store failed: "));
/// let refusal = SessionError::from(error);
/// assert_eq!((refusal.status_code(), refusal.code()), (503, "temporarily_unavailable"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token store failed: {0}")]
pub struct StoreError(pub(crate) String);

impl StoreError {
    /// The store's failure, told by `cause`: the database's own error, or
    /// a message (see the type's example).
    pub fn new(cause: impl std::fmt::Display) -> Self {
        Self(cause.to_string())
    }
}

#[cfg(test)]
mod tests;
