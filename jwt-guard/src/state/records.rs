//! The entries a [`TokenStore`](super::TokenStore) keeps, and what a
//! rotation of a refresh token can come to.

use serde::{Deserialize, Serialize};

/// A revocation, and how long it must be remembered: until no token it
/// revokes could still be accepted.
///
/// ```
/// use jwt_guard::{Revocation, Revoked};
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
}

/// What a [`Revocation`] revokes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revoked {
    /// One token, by its `jti`.
    Token(String),
    /// Every token of one session (a login and its refreshes), by the
    /// `sid` its access tokens carry.
    Session(String),
    /// Every token of a subject issued before a time: a user logged out
    /// everywhere.
    Subject {
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
    pub fn key(&self) -> (&'static str, &str) {
        match self {
            Self::Token(jti) => ("token", jti),
            Self::Session(sid) => ("session", sid),
            Self::Subject { sub, .. } => ("subject", sub),
        }
    }
}

/// A refresh-token family: one login and its refreshes, which share a
/// session id.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// What a [`Rotation`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// The presented token was the family's current one (or, within the
    /// grace period, the one just retired): `next` replaces it.
    Rotated(FamilyRecord),
    /// The presented token was retired: it was used before, so it may have
    /// been stolen. The family is ended, and its session must be revoked
    /// (RFC 9700 section 4.14.2).
    Reused(FamilyRecord),
    /// The family was ended before (logout, reuse, or its user refused).
    Ended(FamilyRecord),
    /// No live family issued this token.
    Unknown,
}

/// The failed logins counted under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailures {
    /// How many in a row.
    pub count: u32,
    /// When the last one happened, in seconds since the Unix epoch.
    pub last: u64,
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
    /// Nothing: the family was ended already.
    StayEnded,
}

impl FamilyState {
    /// The step that presenting the token with hash `presented` at `now`
    /// takes, with `grace` seconds of retry allowed after a rotation. The
    /// token belongs to the family; whether it is live is checked before.
    pub(crate) fn step(&self, presented: &str, now: u64, grace: u64) -> Step {
        let retry = self.previous.as_deref() == Some(presented) && now <= self.rotated_at.saturating_add(grace);
        match () {
            () if self.ended => Step::StayEnded,
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
            Step::EndForReuse | Step::StayEnded => Self { ended: true, ..self.clone() },
        }
    }
}
