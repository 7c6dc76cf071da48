//! [`MemoryStore`]: token state kept in this process only, for tests and
//! for a debug build's built-in issuer whose key dies with the process.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use super::records::{FamilyState, Step};
use super::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, REMEMBERED_TOKENS, Reservation, Revocation, Rotation,
    RotationOutcome, StoreError, TokenStore,
};

/// A [`TokenStore`] in this process's memory: forgotten at restart, and
/// not shared with other instances. The store of an app whose built-in
/// issuer has no persistent key (and of none), unless
/// `[jwt_guard.store]` names another; for tests, plugged in with
/// [`JwtGuardBuilder::store`](crate::JwtGuardBuilder::store).
///
/// ```
/// use jwt_guard::store::{MemoryStore, Revocation, Revoked, TokenStore};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let store = MemoryStore::new();
/// let revocation = Revocation { revoked: Revoked::Token("jti-1".into()), until: 2_000 };
/// store.revoke(&revocation).await.unwrap();
/// assert_eq!(store.revocations(1_000).await.unwrap(), [revocation]);
/// assert!(store.revocations(2_000).await.unwrap().is_empty());
/// # }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// By the revocation's kind and id.
    revocations: HashMap<(&'static str, String), Revocation>,
    families: HashMap<String, (FamilyRecord, FamilyState)>,
    /// Every token hash a live family remembers, to its family's id.
    tokens: HashMap<String, String>,
    /// The hashes each family remembers, oldest first.
    issued: HashMap<String, VecDeque<String>>,
    /// Failed logins by key, with when they are forgotten.
    failures: HashMap<String, (LoginFailures, u64)>,
    /// Keys used once, with when they expire.
    used: HashMap<String, u64>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// use jwt_guard::store::{MemoryStore, TokenStore};
    ///
    /// # futures_util::FutureExt::now_or_never(async {
    /// let store = MemoryStore::new();
    /// assert!(store.revocations(0).await.unwrap().is_empty());
    /// assert!(store.use_once("dpop-proof-jti", 100, 400).await.unwrap(), "nothing used yet");
    /// assert!(!store.use_once("dpop-proof-jti", 100, 400).await.unwrap(), "but once");
    /// # }).unwrap();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Memory {
    /// The live family that issued the token with this hash.
    fn family_of(&mut self, token_hash: &str, now: u64) -> Option<&mut (FamilyRecord, FamilyState)> {
        let id = self.tokens.get(token_hash)?;
        self.families.get_mut(id).filter(|(record, _)| record.expires_at > now)
    }

    /// Remembers that the family `id` issued the token with this hash,
    /// and forgets its tokens beyond the last [`REMEMBERED_TOKENS`].
    fn issue(&mut self, id: &str, token_hash: &str) {
        self.tokens.insert(token_hash.to_owned(), id.to_owned());
        let issued = self.issued.entry(id.to_owned()).or_default();
        issued.push_back(token_hash.to_owned());
        while issued.len() > REMEMBERED_TOKENS {
            if let Some(forgotten) = issued.pop_front() {
                self.tokens.remove(&forgotten);
            }
        }
    }

    /// Ends the family `id`, if it is known, and revokes its session.
    fn end(&mut self, id: &str, until: u64) -> Option<FamilyRecord> {
        self.revoke(&Revocation::of_session(id, until));
        let (record, state) = self.families.get_mut(id)?;
        state.ended = true;
        Some(record.clone())
    }

    fn revoke(&mut self, revocation: &Revocation) {
        let (kind, id) = revocation.revoked.key();
        let held = self.revocations.entry((kind, id.into_owned())).or_insert_with(|| revocation.clone());
        // The latest `before` and the latest `until`, whatever the order
        // they come in: a logout retried late must not undo a newer one.
        if revocation.revoked.before() > held.revoked.before() {
            held.revoked = revocation.revoked.clone();
        }
        held.until = held.until.max(revocation.until);
    }
}

#[async_trait::async_trait]
impl TokenStore for MemoryStore {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        self.memory().revoke(revocation);
        Ok(())
    }

    async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        Ok(self.memory().revocations.values().filter(|revocation| revocation.is_live(now)).cloned().collect())
    }

    async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError> {
        let state =
            FamilyState { current: token_hash.to_owned(), previous: None, rotated_at: family.created_at, ended: false };
        let mut memory = self.memory();
        memory.issue(&family.id, token_hash);
        memory.families.insert(family.id.clone(), (family.clone(), state));
        Ok(())
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError> {
        let mut memory = self.memory();
        let Some((record, state)) = memory.family_of(rotation.presented, rotation.now) else {
            return Ok(RotationOutcome::Unknown);
        };
        let step = state.step(rotation.presented, rotation);
        *state = state.after(step, rotation.presented, rotation.next, rotation.now);
        let (record, id) = (record.clone(), record.id.clone());
        Ok(match step {
            Step::Rotate => {
                memory.issue(&id, rotation.next);
                RotationOutcome::Rotated(record)
            }
            Step::EndForReuse => {
                memory.revoke(&Revocation::of_session(&id, rotation.revoked_until));
                RotationOutcome::Reused(record)
            }
            Step::End => RotationOutcome::Ended(record),
        })
    }

    async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        let mut memory = self.memory();
        let Some(id) = memory.tokens.get(token_hash).cloned() else { return Ok(None) };
        Ok(memory.end(&id, until))
    }

    async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        Ok(self.memory().end(id, until))
    }

    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError> {
        let mut memory = self.memory();
        let live = memory.failures.get(key).filter(|(_, forget_at)| *forget_at > now).map(|(failures, _)| *failures);
        Ok(match throttle.reserve(live, now) {
            Ok(counted) => {
                memory.failures.insert(key.to_owned(), (counted, now.saturating_add(throttle.forget_after)));
                LoginAttempt::Reserved(Reservation { before: live, counted })
            }
            Err(wait) => LoginAttempt::Wait(wait),
        })
    }

    async fn release_attempt(
        &self,
        key: &str,
        reservation: Reservation,
        throttle: LoginThrottle,
    ) -> Result<(), StoreError> {
        let mut memory = self.memory();
        let held = memory.failures.get(key).map(|(failures, _)| *failures);
        match reservation.released(held) {
            Some(left) => {
                memory.failures.insert(key.to_owned(), (left, left.last.saturating_add(throttle.forget_after)));
            }
            None => {
                memory.failures.remove(key);
            }
        }
        Ok(())
    }

    async fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        self.memory().failures.remove(key);
        Ok(())
    }

    async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError> {
        let mut memory = self.memory();
        let held = memory.used.entry(key.to_owned()).or_insert(0);
        let unused = *held <= now;
        if unused {
            *held = expires_at;
        }
        Ok(unused)
    }

    async fn sweep(&self, now: u64) -> Result<(), StoreError> {
        let mut memory = self.memory();
        let Memory { revocations, families, tokens, issued, failures, used } = &mut *memory;
        used.retain(|_, expires_at| *expires_at > now);
        revocations.retain(|_, revocation| revocation.is_live(now));
        families.retain(|_, (record, _)| record.expires_at > now);
        tokens.retain(|_, id| families.contains_key(id));
        issued.retain(|id, _| families.contains_key(id));
        failures.retain(|_, (_, forget_at)| *forget_at > now);
        Ok(())
    }
}
