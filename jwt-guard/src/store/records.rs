//! The entries a [`TokenStore`](super::TokenStore) keeps, and what a
//! rotation of a refresh token can come to.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A revocation, and how long it must be remembered: until no token it
/// revokes could still be accepted.
///
/// A store keeps every field, so it is built from a store's rows by
/// its fields, and is not `#[non_exhaustive]`: a field added to it would
/// be one that every store must keep, and comes only with a release
/// that may break the API, where a store's build points to it.
///
/// ```
/// use jwt_guard::store::{Revocation, Revoked};
///
/// let logout = Revocation { revoked: Revoked::Session("f3Kx...".into()), until: 1_900_000_300 };
/// assert!(logout.is_live(1_900_000_000) && !logout.is_live(1_900_000_300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// What is revoked.
    pub revoked: Revoked,
    /// When it may be forgotten, in seconds since the Unix epoch.
    pub until: u64,
}

impl Revocation {
    /// Whether it must still be remembered at `now`.
    pub fn is_live(&self, now: u64) -> bool {
        self.until > now
    }

    /// The revocation of the session `id`'s access tokens until `until`.
    pub(crate) fn of_session(id: &str, until: u64) -> Self {
        Revocation { revoked: Revoked::Session(id.to_owned()), until }
    }
}

/// What a [`Revocation`] revokes.
///
/// ```
/// use jwt_guard::store::Revoked;
///
/// /// An audit line for a revocation, as an app's store or observer writes it.
/// fn audit(revoked: &Revoked) -> String {
///     match revoked {
///         Revoked::Token(jti) => format!("token {jti} revoked"),
///         Revoked::Session(sid) => format!("session {sid} ended"),
///         Revoked::Subject { sub, before } => format!("{sub} logged out everywhere at {before}"),
///         other => format!("{other:?}"), // an identity provider's logout, by its `iss`
///     }
/// }
/// assert_eq!(audit(&Revoked::Session("sid-1".into())), "session sid-1 ended");
/// let everywhere = Revoked::Subject { sub: "ada".into(), before: 1_900_000_000 };
/// assert_eq!(audit(&everywhere), "ada logged out everywhere at 1900000000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Revoked {
    /// One token, by its `jti`, whatever its issuer: what the built-in
    /// issuer's tokens, whose `jti`s are random, are revoked by.
    Token(String),
    /// Every token of one session of the built-in issuer (a login and
    /// its refreshes), by the `sid` its access tokens carry. Another
    /// issuer's tokens with that `sid` are not revoked.
    Session(String),
    /// Every token of a subject of the built-in issuer issued before a
    /// time: a user logged out everywhere.
    Subject {
        /// The `sub`.
        sub: String,
        /// Tokens whose `iat` is earlier are revoked (seconds since the
        /// Unix epoch).
        before: u64,
    },
    /// Every token of one session at an issuer, by its `iss` and the `sid`
    /// its access tokens carry: what an OIDC back-channel logout (or a
    /// CAEP session-revoked event) of that issuer ends.
    IssuerSession {
        /// The issuer's exact `iss`.
        iss: String,
        /// The session id.
        sid: String,
    },
    /// One token of an issuer, by its `iss` and `jti`: what
    /// `JwtGuard::revoke_token` records for an identity provider's token,
    /// whose `jti` is unique at its issuer only.
    IssuerToken {
        /// The issuer's exact `iss`.
        iss: String,
        /// The token's `jti`.
        jti: String,
    },
    /// Every token of a subject of one issuer issued before a time: a
    /// logout of that issuer that names no session.
    IssuerSubject {
        /// The issuer's exact `iss`.
        iss: String,
        /// The `sub`.
        sub: String,
        /// Tokens whose `iat` is earlier are revoked (seconds since the
        /// Unix epoch).
        before: u64,
    },
}

impl Revoked {
    /// The kind and the id, as a store keys them: a subject's `before` is
    /// not part of the key (a later revocation of it replaces an earlier).
    /// An issuer-scoped id is the JSON array `[iss, id]`, which
    /// [`Revoked::from_key`] reads back.
    ///
    /// ```
    /// use jwt_guard::store::Revoked;
    ///
    /// let logout = Revoked::IssuerSession { iss: "https://idp.test".into(), sid: "s1".into() };
    /// let (kind, id) = logout.key();
    /// assert_eq!((kind, &*id), ("issuer_session", r#"["https://idp.test","s1"]"#));
    /// assert_eq!(Revoked::from_key(kind, &id, None), Some(logout));
    /// ```
    pub fn key(&self) -> (&'static str, Cow<'_, str>) {
        let scoped = |iss: &str, id: &str| Cow::Owned(serde_json::json!([iss, id]).to_string());
        match self {
            Self::Token(jti) => ("token", Cow::Borrowed(jti)),
            Self::Session(sid) => ("session", Cow::Borrowed(sid)),
            Self::Subject { sub, .. } => ("subject", Cow::Borrowed(sub)),
            Self::IssuerSession { iss, sid } => ("issuer_session", scoped(iss, sid)),
            Self::IssuerToken { iss, jti } => ("issuer_token", scoped(iss, jti)),
            Self::IssuerSubject { iss, sub, .. } => ("issuer_subject", scoped(iss, sub)),
        }
    }

    /// The revocation a store keyed as [`Revoked::key`] says, with the
    /// `before` it keeps beside a subject's; `None` for an unknown kind or
    /// a malformed id.
    pub fn from_key(kind: &str, id: &str, before: Option<u64>) -> Option<Self> {
        let scoped = || serde_json::from_str::<(String, String)>(id).ok();
        Some(match kind {
            "token" => Self::Token(id.to_owned()),
            "session" => Self::Session(id.to_owned()),
            "subject" => Self::Subject { sub: id.to_owned(), before: before.unwrap_or_default() },
            "issuer_session" => scoped().map(|(iss, sid)| Self::IssuerSession { iss, sid })?,
            "issuer_token" => scoped().map(|(iss, jti)| Self::IssuerToken { iss, jti })?,
            "issuer_subject" => {
                scoped().map(|(iss, sub)| Self::IssuerSubject { iss, sub, before: before.unwrap_or_default() })?
            }
            _ => return None,
        })
    }

    /// The `before` of a subject's revocation.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code, reason = "the SQLite store keeps it in a column"))]
    pub(crate) fn before(&self) -> Option<u64> {
        match self {
            Self::Subject { before, .. } | Self::IssuerSubject { before, .. } => Some(*before),
            _ => None,
        }
    }
}

/// A refresh-token family: one login and its refreshes, which share a
/// session id.
///
/// Not `#[non_exhaustive]`, for the reason [`Revocation`] gives.
///
/// ```
/// use jwt_guard::store::{FamilyRecord, MemoryStore, Revocation, Revoked, TokenStore};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let store = MemoryStore::new();
/// let grant = r#"{"subject":"ada","scopes":["read"]}"#.into(); // opaque to the store
/// let family =
///     FamilyRecord { id: "sid-1".into(), subject: "ada".into(), grant, created_at: 1_000, expires_at: 87_400 };
/// store.start_family(&family, "hash-of-the-first-token").await.unwrap();
/// // A logout with the refresh token: its family ends, and its session's access tokens are revoked.
/// assert_eq!(store.end_family_of("hash-of-the-first-token", 1_300).await.unwrap(), Some(family));
/// let session = Revocation { revoked: Revoked::Session("sid-1".into()), until: 1_300 };
/// assert_eq!(store.revocations(1_000).await.unwrap(), [session]);
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRecord {
    /// The family's id, which its access tokens carry as `sid`.
    pub id: String,
    /// The `sub` of its tokens.
    pub subject: String,
    /// What the login granted, as JSON; opaque to stores.
    pub grant: String,
    /// When the login happened, in seconds since the Unix epoch.
    pub created_at: u64,
    /// When the family and its tokens expire.
    pub expires_at: u64,
}

/// A presented refresh token to exchange for the next one.
///
/// ```
/// use jwt_guard::store::{MemoryStore, Rotation, RotationOutcome, TokenStore};
/// # use jwt_guard::store::FamilyRecord;
///
/// # futures_util::FutureExt::now_or_never(async {
/// let store = MemoryStore::new();
/// # let (id, subject, grant) = ("sid-1".into(), "ada".into(), "{}".into());
/// # let family = FamilyRecord { id, subject, grant, created_at: 0, expires_at: 9_999 };
/// store.start_family(&family, "hash-1").await.unwrap();
/// let mut first = Rotation::new("hash-1", "hash-2", 1_000, 2_000);
/// first.grace = 10;
/// assert!(matches!(store.rotate(&first).await.unwrap(), RotationOutcome::Rotated(_)));
/// // The client lost the answer, and retries within the grace: it gets another token.
/// let (mut retry, mut late) = (first, first);
/// (retry.next, retry.now) = ("hash-3", 1_005);
/// assert!(matches!(store.rotate(&retry).await.unwrap(), RotationOutcome::Rotated(_)));
/// // Past the grace, the retired token is a reuse.
/// (late.next, late.now) = ("hash-4", 1_011);
/// assert!(matches!(store.rotate(&late).await.unwrap(), RotationOutcome::Reused(_)));
/// # }).unwrap();
/// ```
///
/// jwt-guard makes the rotations it asks a store for, from its
/// configuration; a store's own tests make theirs with
/// [`Rotation::new`], and set the other fields. More may come: it is
/// `#[non_exhaustive]`, so that one added breaks no store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation<'a> {
    /// The hash of the presented token.
    pub presented: &'a str,
    /// The hash of the token that replaces it.
    pub next: &'a str,
    /// The time of the exchange, in seconds since the Unix epoch.
    pub now: u64,
    /// How long after a rotation the token it retired may still be
    /// presented (`refresh_reuse_grace`), in seconds: a client retrying a
    /// refresh whose answer it lost. `0` allows no retry.
    pub grace: u64,
    /// Until when the family's session is revoked, if the rotation ends
    /// it for a reuse ([`RotationOutcome::Reused`]): until the last access
    /// token of the session expires.
    pub revoked_until: u64,
    /// How long a family may go without a rotation
    /// (`refresh_idle_timeout`), in seconds: a token presented later than
    /// that after the family's last rotation (or its start) ends the
    /// family ([`RotationOutcome::Ended`]), as RFC 9700 section 4.14.2 has
    /// refresh tokens expire when unused. `None` for no such bound.
    pub idle_timeout: Option<u64>,
}

impl<'a> Rotation<'a> {
    /// The exchange of the token hashed `presented` for the one hashed
    /// `next` at `now`, whose reuse revokes the session until
    /// `revoked_until`; with no `grace` and no `idle_timeout` (see the
    /// type's example).
    pub fn new(presented: &'a str, next: &'a str, now: u64, revoked_until: u64) -> Self {
        Self { presented, next, now, grace: 0, revoked_until, idle_timeout: None }
    }
}

/// What a [`Rotation`] came to.
///
/// ```
/// use jwt_guard::store::{MemoryStore, Rotation, RotationOutcome, TokenStore};
/// # use jwt_guard::store::FamilyRecord;
///
/// # futures_util::FutureExt::now_or_never(async {
/// let store = MemoryStore::new();
/// # let (id, subject, grant) = ("sid-1".into(), "ada".into(), "{}".into());
/// # let family = FamilyRecord { id, subject, grant, created_at: 0, expires_at: 9_999 };
/// store.start_family(&family, "hash-1").await.unwrap();
/// store.end_family("sid-1", 2_000).await.unwrap(); // a logout
/// let rotation = Rotation::new("hash-1", "hash-2", 1_000, 2_000);
/// match store.rotate(&rotation).await.unwrap() {
///     RotationOutcome::Ended(family) => assert_eq!(family.id, "sid-1"),
///     other => panic!("the session was logged out, yet: {other:?}"),
/// }
/// let made_up = Rotation::new("hash-x", "hash-2", 1_000, 2_000);
/// assert_eq!(store.rotate(&made_up).await.unwrap(), RotationOutcome::Unknown);
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationOutcome {
    /// The presented token was the family's current one (or, within the
    /// grace period, the one just retired): `next` replaces it.
    Rotated(FamilyRecord),
    /// The presented token was retired: it was used before, so it may have
    /// been stolen. The family is ended, and its session revoked until the
    /// rotation's `revoked_until`, in the same step (RFC 9700 section
    /// 4.14.2).
    Reused(FamilyRecord),
    /// The family was ended before (logout, reuse, or its user refused).
    Ended(FamilyRecord),
    /// No live family issued this token, or one did but forgot it: a
    /// family remembers its last [`REMEMBERED_TOKENS`] tokens.
    ///
    /// [`REMEMBERED_TOKENS`]: super::REMEMBERED_TOKENS
    Unknown,
}

/// The failed logins counted under one key.
///
/// Not `#[non_exhaustive]`, for the reason [`Revocation`] gives.
///
/// ```
/// use jwt_guard::store::{LoginFailures, LoginThrottle};
///
/// let throttle = LoginThrottle::new(5, 900, 1_800);
/// let counted = throttle.reserve(Some(LoginFailures { count: 2, last: 90 }), 100).unwrap();
/// assert_eq!((counted.count, counted.last), (3, 100));
/// // As an app's own store may keep it, in a JSON column:
/// assert_eq!(serde_json::to_string(&counted).unwrap(), r#"{"count":3,"last":100}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailures {
    /// How many in a row.
    pub count: u32,
    /// When the last one happened, in seconds since the Unix epoch.
    pub last: u64,
}

/// How failed logins slow down the next attempt: the
/// `login_throttle_after` and `login_throttle_longest` settings, as a
/// store applies them in [`TokenStore::reserve_attempt`](super::TokenStore::reserve_attempt).
///
/// ```
/// use jwt_guard::store::{LoginAttempt, LoginThrottle, MemoryStore, TokenStore};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let throttle = LoginThrottle::new(1, 900, 1_800);
/// let store = MemoryStore::new();
/// let reserved = |attempt| matches!(attempt, Ok(LoginAttempt::Reserved(_)));
/// assert!(reserved(store.reserve_attempt("user:ada", 100, throttle).await));
/// assert_eq!(store.reserve_attempt("user:ada", 100, throttle).await.unwrap(), LoginAttempt::Wait(1));
/// // Failures are forgotten `forget_after` seconds after the last one.
/// assert!(reserved(store.reserve_attempt("user:ada", 1_900, throttle).await));
/// # }).unwrap();
/// ```
///
/// jwt-guard makes the one it hands a store from its configuration; a
/// store's own tests make theirs with [`LoginThrottle::new`]. It is
/// `#[non_exhaustive]`, so that a setting added later breaks no store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginThrottle {
    /// Failures before the next attempt must wait; `0` for never.
    pub after: u32,
    /// The longest wait, in seconds.
    pub longest: u64,
    /// Failures are forgotten this long after the last, in seconds.
    pub forget_after: u64,
}

impl LoginThrottle {
    /// Waits once `after` failures are counted, of at most `longest`
    /// seconds; failures forgotten `forget_after` seconds after the last
    /// (see the type's example).
    pub fn new(after: u32, longest: u64, forget_after: u64) -> Self {
        Self { after, longest, forget_after }
    }

    /// How many seconds an attempt at `now` must still wait after
    /// `failures`, if it must: 1 s once `after` failures are counted,
    /// doubling with each further one, up to `longest`.
    ///
    /// ```
    /// use jwt_guard::store::{LoginFailures, LoginThrottle};
    ///
    /// let throttle = LoginThrottle::new(5, 900, 900);
    /// assert_eq!(throttle.wait(Some(LoginFailures { count: 4, last: 100 }), 100), None);
    /// assert_eq!(throttle.wait(Some(LoginFailures { count: 6, last: 100 }), 100), Some(2));
    /// ```
    pub fn wait(self, failures: Option<LoginFailures>, now: u64) -> Option<u64> {
        let failures = failures.filter(|failures| self.after > 0 && failures.count >= self.after)?;
        let doublings = (failures.count - self.after).min(63);
        let wait = 1u64.checked_shl(doublings).unwrap_or(u64::MAX).min(self.longest);
        let until = failures.last.saturating_add(wait);
        (now < until).then(|| until - now)
    }

    /// Counts an attempt at `now` after `failures`, unless it must wait:
    /// the rule every store applies in one atomic step.
    ///
    /// ```
    /// use jwt_guard::store::{LoginFailures, LoginThrottle};
    ///
    /// let throttle = LoginThrottle::new(2, 900, 1_800);
    /// let first = throttle.reserve(None, 100).unwrap();
    /// let second = throttle.reserve(Some(first), 100).unwrap();
    /// assert_eq!(second, LoginFailures { count: 2, last: 100 });
    /// // Two failures: the next attempt must wait 1 s, and is not counted.
    /// assert_eq!(throttle.reserve(Some(second), 100), Err(1));
    /// assert_eq!(throttle.reserve(Some(second), 101), Ok(LoginFailures { count: 3, last: 101 }));
    /// ```
    pub fn reserve(self, failures: Option<LoginFailures>, now: u64) -> Result<LoginFailures, u64> {
        match self.wait(failures, now) {
            Some(wait) => Err(wait),
            None => {
                Ok(LoginFailures { count: failures.map_or(0, |failures| failures.count).saturating_add(1), last: now })
            }
        }
    }
}

/// A login attempt that [`TokenStore::reserve_attempt`](super::TokenStore::reserve_attempt)
/// counted under a key: what the key held before, and what the attempt
/// made of it, for [`TokenStore::release_attempt`](super::TokenStore::release_attempt)
/// to put the key back as it was when the login succeeds.
///
/// Not `#[non_exhaustive]`, for the reason [`Revocation`] gives.
///
/// ```
/// use jwt_guard::store::{LoginFailures, LoginThrottle, Reservation};
///
/// let throttle = LoginThrottle::new(5, 900, 1_800);
/// let before = Some(LoginFailures { count: 15, last: 100 });
/// let reservation = Reservation { before, counted: throttle.reserve(before, 2_000).unwrap() };
/// // Nothing counted under the key since: it is put back as it was, and the
/// // wait of its 15 failures, over at 2,000, does not start again.
/// assert_eq!(reservation.released(Some(reservation.counted)), before);
/// // Another attempt counted since: one attempt fewer, the other's kept.
/// let other = LoginFailures { count: 17, last: 2_001 };
/// assert_eq!(reservation.released(Some(other)), Some(LoginFailures { count: 16, last: 2_001 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// The failures counted under the key before, if any were live.
    pub before: Option<LoginFailures>,
    /// The failures counted with the attempt.
    pub counted: LoginFailures,
}

impl Reservation {
    /// What a key that holds `held` holds once this reservation is taken
    /// back, the rule every store applies in one atomic step: as before
    /// it, if nothing was counted under the key since (`held` is what the
    /// reservation counted); otherwise (other attempts came while this
    /// one's credentials were checked) one attempt fewer, the date of the
    /// last kept. See the type's example.
    pub fn released(self, held: Option<LoginFailures>) -> Option<LoginFailures> {
        match held {
            Some(held) if held == self.counted => self.before,
            Some(held) => Some(LoginFailures { count: held.count.saturating_sub(1), ..held }),
            None => None,
        }
    }
}

/// What [`TokenStore::reserve_attempt`](super::TokenStore::reserve_attempt) answers.
///
/// ```
/// use jwt_guard::store::LoginAttempt::{Reserved, Wait};
/// use jwt_guard::store::{LoginThrottle, MemoryStore, TokenStore};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let (store, throttle) = (MemoryStore::new(), LoginThrottle::new(3, 900, 1_800));
/// let mut answers = Vec::new();
/// for _ in 0..5 {
///     answers.push(match store.reserve_attempt("user:ada", 100, throttle).await.unwrap() {
///         Reserved(_) => "checked",
///         Wait(_) => "waits",
///         _ => unreachable!("no other answer yet"),
///     });
/// }
/// // A burst of guesses: three are checked; the others must wait, and are not counted.
/// assert_eq!(answers, ["checked", "checked", "checked", "waits", "waits"]);
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginAttempt {
    /// The attempt is counted: its credentials may be checked. A login
    /// that succeeds hands the reservation back to
    /// [`TokenStore::release_attempt`](super::TokenStore::release_attempt).
    Reserved(Reservation),
    /// Too many failures: the attempt must wait this many seconds, and is
    /// not counted.
    Wait(u64),
}

/// Where a family's rotation stands, as a store keeps it beside its
/// [`FamilyRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FamilyState {
    /// The hash of the token that may be presented next.
    pub(crate) current: String,
    /// The hash of the token the last rotation retired, if any.
    pub(crate) previous: Option<String>,
    /// When the last rotation happened.
    pub(crate) rotated_at: u64,
    /// Whether the family was ended.
    pub(crate) ended: bool,
}

/// What a rotation does to a family, given its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Make `next` current; the presented token becomes the previous one
    /// (unless it is the previous one already, retried within the grace).
    Rotate,
    /// End the family: a retired token came back.
    EndForReuse,
    /// End the family, or leave it ended: it was ended already, or went
    /// unused longer than the idle timeout.
    End,
}

impl FamilyState {
    /// The step that presenting the token with hash `presented` takes,
    /// as `rotation` says. The token belongs to the family; whether it is
    /// live is checked before.
    pub(crate) fn step(&self, presented: &str, rotation: &Rotation<'_>) -> Step {
        let Rotation { now, grace, idle_timeout, .. } = *rotation;
        let retry = self.previous.as_deref() == Some(presented) && now <= self.rotated_at.saturating_add(grace);
        let idle = idle_timeout.is_some_and(|timeout| now > self.rotated_at.saturating_add(timeout));
        match () {
            () if self.ended || idle => Step::End,
            () if self.current == presented || (grace > 0 && retry) => Step::Rotate,
            () => Step::EndForReuse,
        }
    }

    /// The state after `step`, to the token with hash `next`.
    pub(crate) fn after(&self, step: Step, presented: &str, next: &str, now: u64) -> Self {
        match step {
            Step::Rotate if self.current == presented => {
                Self { current: next.to_owned(), previous: Some(presented.to_owned()), rotated_at: now, ended: false }
            }
            // A retry within the grace keeps the retired token as the
            // previous one and the grace's start: it does not extend it.
            Step::Rotate => Self { current: next.to_owned(), ..self.clone() },
            Step::EndForReuse | Step::End => Self { ended: true, ..self.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_one_second_after_the_allowed_failures() {
        let throttle = LoginThrottle { after: 5, longest: 900, forget_after: 900 };
        let wait = |count, last, now| throttle.wait(Some(LoginFailures { count, last }), now);
        assert_eq!(wait(4, 100, 100), None, "four failures are allowed");
        assert_eq!(wait(5, 100, 100), Some(1));
        assert_eq!(wait(6, 100, 100), Some(2));
        assert_eq!(wait(8, 100, 103), Some(5), "8 s after the last failure, 3 s passed");
        assert_eq!(wait(8, 100, 108), None);
        assert_eq!(wait(40, 100, 100), Some(900), "at most the longest");
        assert_eq!(throttle.wait(None, 100), None);
        let off = LoginThrottle { after: 0, ..throttle };
        assert_eq!(off.wait(Some(LoginFailures { count: 99, last: 100 }), 100), None, "`0` turns it off");
        assert_eq!(throttle.reserve(None, 100), Ok(LoginFailures { count: 1, last: 100 }), "the first counted");
        let fifth = throttle.reserve(Some(LoginFailures { count: 4, last: 90 }), 100);
        assert_eq!(fifth, Ok(LoginFailures { count: 5, last: 100 }));
        assert_eq!(throttle.reserve(Some(LoginFailures { count: 5, last: 100 }), 100), Err(1), "not counted");
    }
}
