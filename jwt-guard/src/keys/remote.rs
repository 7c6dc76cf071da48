//! The keys of a remote issuer: fetched from its JWKS (found by OIDC
//! discovery when not configured), refetched when a token names an unknown
//! `kid` or a known key fails its signature (at most once per cooldown, one
//! fetch for every request waiting, run in a task of its own so that the
//! request that started it may give up without cancelling it), and
//! refreshed in the background before they age out. A failed fetch never
//! drops the keys already held; fetches after a failure back off from 1 s
//! to 8 s, and the first request that needs keys once the wait is over
//! fetches them itself.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::algorithm::Algorithm;
use crate::log_limit::LogLimit;
use crate::observe::metrics::Fetch;
use reqwest::Url;
use serde::Deserialize;

use super::{
    Fetcher, KeyMatch, KeySerial, KeySet, RemoteLocation, VerifyingKey, check_discovered_issuer, check_scheme,
    parse_jwks,
};
use crate::backoff::Backoff;

/// Why no key could be found for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLookupError {
    /// The `kid` is known, but its key may not verify the token's `alg`.
    WrongAlgorithm,
    /// The issuer's current keys hold no key for the token.
    Unknown,
    /// The issuer's keys could not be fetched; try again after this long.
    Unavailable(Duration),
}

/// The keys of one remote issuer.
#[derive(Debug)]
pub(crate) struct RemoteKeys {
    /// The configured name, for log lines.
    name: String,
    /// The exact `iss`, which a discovery document must repeat.
    issuer: String,
    location: RemoteLocation,
    fetcher: Fetcher,
    cooldown: Duration,
    keys: RwLock<Arc<KeySet>>,
    /// The refresh lock: held by the one fetch in flight.
    refresh: Arc<Mutex<RefreshState>>,
}

/// What the single fetch in flight knows; guarded by the refresh lock.
#[derive(Debug, Default)]
struct RefreshState {
    /// The JWKS address, once configured or discovered.
    jwks_uri: Option<Url>,
    /// Whether a fetch from a discovered address failed since the last
    /// success: the next asks the discovery document again first.
    rediscover: bool,
    /// When a fetch last succeeded.
    last_success: Option<Instant>,
    /// The failed fetches in a row, and when the next may start.
    backoff: Backoff,
    /// How long the last fetched key set may be kept.
    max_age: Duration,
    /// The failures' log lines since the last success: one a minute, so
    /// that a provider down for a day does not write one every backoff.
    failures_logged: LogLimit,
}

impl RefreshState {
    /// Whether a request that needs keys may fetch them at `now`: once the
    /// backoff after a failure has elapsed, and otherwise once `cooldown`
    /// has passed since the last successful fetch.
    fn may_fetch(&self, now: Instant, cooldown: Duration) -> bool {
        match (self.backoff.retry_at(), self.last_success) {
            (Some(retry_at), _) => now >= retry_at,
            (None, Some(success)) => now.saturating_duration_since(success) >= cooldown,
            (None, None) => true,
        }
    }

    /// When the background refresh is due: at the end of the backoff after
    /// a failure, when the key set ages out, or now if never fetched.
    fn refresh_due(&self, now: Instant) -> Instant {
        match (self.backoff.retry_at(), self.last_success) {
            (Some(retry_at), _) => retry_at,
            (None, Some(success)) => success + self.max_age,
            (None, None) => now,
        }
    }

    /// How long a request that cannot have keys should wait, while fetches
    /// back off after a failure; `None` when they do not.
    fn backing_off(&self, now: Instant) -> Option<Duration> {
        self.backoff.retry_at().map(|_| self.backoff.retry_after(now))
    }

    fn succeeded(&mut self, now: Instant, max_age: Duration) {
        *self = Self { jwks_uri: self.jwks_uri.take(), last_success: Some(now), max_age, ..Self::default() };
    }

    /// Records a failure and backs off.
    fn failed(&mut self, now: Instant) {
        self.backoff.failed(now);
    }
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    jwks_uri: String,
}

impl RemoteKeys {
    /// The keys of the issuer `name` whose `iss` is `issuer`, not yet fetched.
    pub(crate) fn new(
        name: &str,
        issuer: &str,
        location: RemoteLocation,
        fetcher: Fetcher,
        cooldown: Duration,
    ) -> Self {
        let jwks_uri = match &location {
            RemoteLocation::Jwks(uri) => Some(uri.clone()),
            RemoteLocation::Discovery { .. } => None,
        };
        Self {
            name: name.to_owned(),
            issuer: issuer.to_owned(),
            location,
            fetcher,
            cooldown,
            keys: RwLock::default(),
            refresh: Arc::new(Mutex::new(RefreshState { jwks_uri, ..RefreshState::default() })),
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<Result<Arc<VerifyingKey>, KeyLookupError>> {
        // Under the read lock, not on a snapshot: every verification finds
        // a key, and the snapshot's count would cost two atomic writes more.
        match self.keys.read().unwrap_or_else(PoisonError::into_inner).find(kid, alg) {
            KeyMatch::Found(key) => Some(Ok(Arc::clone(key))),
            KeyMatch::WrongAlgorithm => Some(Err(KeyLookupError::WrongAlgorithm)),
            KeyMatch::Missing => None,
        }
    }

    /// Whether any key is held: none before the first successful fetch.
    pub(crate) fn holds_keys(&self) -> bool {
        !self.snapshot().is_empty()
    }

    /// Whether the key with serial number `serial` is still the current
    /// key for `kid` and `alg`.
    pub(crate) fn still_uses(&self, kid: Option<&str>, alg: Algorithm, serial: KeySerial) -> bool {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).still_uses(kid, alg, serial)
    }

    /// The key for a token with this `kid` and `alg`, fetching the JWKS
    /// again if the key is not held and the cooldown, or the backoff after
    /// a failure, allows.
    ///
    /// Requests whose key is held never wait; requests that miss at once
    /// wait for one shared fetch.
    pub(crate) async fn key_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyingKey>, KeyLookupError> {
        match self.find(kid, alg) {
            Some(found) => found,
            // Boxed: the future of a fetch is many times the size of a
            // hit's, which every verification's future would carry.
            None => Box::pin(self.fetch_key_for(kid, alg)).await,
        }
    }

    /// [`RemoteKeys::key_for`] once the key was not found.
    async fn fetch_key_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyingKey>, KeyLookupError> {
        let state = Arc::clone(&self.refresh).lock_owned().await;
        if let Some(found) = self.find(kid, alg) {
            return found;
        }
        let backing_off = if state.may_fetch(Instant::now(), self.cooldown) {
            self.refresh_for_all(state).await
        } else {
            log::debug!("jwt-guard: issuer `{}`: unknown key, no fetch before the cooldown or backoff ends", self.name);
            state.backing_off(Instant::now())
        };
        if let Some(found) = self.find(kid, alg) {
            return found;
        }
        match backing_off {
            Some(wait) => Err(KeyLookupError::Unavailable(wait)),
            None => Err(KeyLookupError::Unknown),
        }
    }

    /// Another key for `kid` and `alg` than `rejected`, whose signature
    /// did not verify: the issuer may have replaced the key under the same
    /// `kid`. The key set is fetched again if the cooldown, or the backoff
    /// after a failure, allows, one fetch for every request waiting, so a
    /// flood of forged signatures costs at most one fetch per cooldown.
    pub(crate) async fn replacement_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
        rejected: &VerifyingKey,
    ) -> Option<Arc<VerifyingKey>> {
        match self.replacement(kid, alg, rejected) {
            Some(key) => Some(key),
            // Boxed, as in `key_for`.
            None => Box::pin(self.fetch_replacement_for(kid, alg, rejected)).await,
        }
    }

    /// The key held for `kid` and `alg`, if it is not `rejected`.
    fn replacement(&self, kid: Option<&str>, alg: Algorithm, rejected: &VerifyingKey) -> Option<Arc<VerifyingKey>> {
        self.find(kid, alg)?.ok().filter(|key| key.serial() != rejected.serial())
    }

    /// [`RemoteKeys::replacement_for`] once no replacement was held.
    async fn fetch_replacement_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
        rejected: &VerifyingKey,
    ) -> Option<Arc<VerifyingKey>> {
        let replacement = || self.replacement(kid, alg, rejected);
        let state = Arc::clone(&self.refresh).lock_owned().await;
        if let Some(key) = replacement() {
            return Some(key);
        }
        if !state.may_fetch(Instant::now(), self.cooldown) {
            return None;
        }
        log::debug!("jwt-guard: issuer `{}`: a signature failed under a known key; fetching its keys again", self.name);
        self.refresh_for_all(state).await;
        replacement()
    }

    /// Fetches the key set for every request that waits on the refresh
    /// lock, `state`, in a task of its own (on Tokio's runtime, which the
    /// HTTP client needs anyway): a request that gives up (its client hung
    /// up) does not cancel the fetch, nor does one that is no longer polled
    /// hold up the others, which find its keys once it ends and releases
    /// the lock. Answers how long to wait while fetches back off after a
    /// failure.
    async fn refresh_for_all(self: &Arc<Self>, mut state: OwnedMutexGuard<RefreshState>) -> Option<Duration> {
        let keys = Arc::clone(self);
        let refresh = tokio::spawn(async move {
            keys.refresh_locked(&mut state).await;
            state.backing_off(Instant::now())
        });
        // A fetch that panicked released the lock as it unwound.
        refresh.await.unwrap_or(Some(Duration::from_secs(1)))
    }

    /// Refreshes the keys whenever they are due, until the future is dropped.
    ///
    /// The first fetch happens at once, unless a request fetched already.
    pub(crate) async fn keep_fresh(&self) {
        loop {
            let wait = self.refresh_if_due().await;
            tokio::time::sleep(wait).await;
        }
    }

    /// How long until the keys are due for a refresh (zero: now), unless
    /// a fetch holds the refresh lock.
    pub(crate) fn due_in(&self) -> Option<Duration> {
        let state = self.refresh.try_lock().ok()?;
        let now = Instant::now();
        Some(state.refresh_due(now).saturating_duration_since(now))
    }

    /// Fetches the keys if they are due, or were never fetched; answers how
    /// long until they are due again.
    pub(crate) async fn refresh_if_due(&self) -> Duration {
        let mut state = self.refresh.lock().await;
        if state.refresh_due(Instant::now()) <= Instant::now() {
            self.refresh_locked(&mut state).await;
        }
        let now = Instant::now();
        state.refresh_due(now).saturating_duration_since(now)
    }

    /// Fetches the key set; the caller holds the refresh lock.
    async fn refresh_locked(&self, state: &mut RefreshState) {
        match self.fetch(state).await {
            Ok((keys, max_age)) => {
                let (name, count) = (&self.name, keys.len());
                match state.backoff.failures() {
                    0 => log::info!("jwt-guard: issuer `{name}`: loaded {count} signing keys"),
                    failures => log::info!(
                        "jwt-guard: issuer `{name}`: loaded {count} signing keys, after {failures} failed attempts"
                    ),
                }
                let keys = keys.succeeding(&self.snapshot());
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
                state.succeeded(Instant::now(), max_age);
            }
            Err(problem) => {
                if let Some(held_back) = state.failures_logged.allow() {
                    log::error!("jwt-guard: issuer `{}`: cannot refresh keys: {problem}{held_back}", self.name);
                }
                state.failed(Instant::now());
            }
        }
    }

    async fn fetch(&self, state: &mut RefreshState) -> Result<(KeySet, Duration), String> {
        let known = state.jwks_uri.clone();
        let jwks_uri = match known {
            Some(uri) if !state.rediscover => uri,
            known => match self.discover().await {
                Ok(uri) => {
                    (state.jwks_uri, state.rediscover) = (Some(uri.clone()), false);
                    uri
                }
                // The discovery document is down: the address it last gave.
                Err(problem) => known.ok_or(problem)?,
            },
        };
        let fetched = self.fetch_jwks(&jwks_uri).await;
        if fetched.is_err() && matches!(self.location, RemoteLocation::Discovery { .. }) {
            // The provider may have moved its keys: the next fetch asks
            // its discovery document again.
            state.rediscover = true;
        }
        fetched
    }

    /// Fetches and reads the key set at `jwks_uri`.
    async fn fetch_jwks(&self, jwks_uri: &Url) -> Result<(KeySet, Duration), String> {
        let fetched = self.fetcher.get(jwks_uri, Fetch::Jwks).await?;
        let keys = parse_jwks(&fetched.body, &self.name).map_err(|problem| format!("{jwks_uri}: {problem}"))?;
        if keys.is_empty() {
            // The issuer's word all the same: it withdrew every key (an
            // emergency revocation), or left only keys of kinds not taken
            // here. Keeping the old ones would trust what it withdrew.
            log::warn!(
                "jwt-guard: issuer `{}`: {jwks_uri} holds no usable signing key; its tokens are refused until it does",
                self.name
            );
        }
        Ok((keys, fetched.max_age))
    }

    /// Finds the JWKS address in the issuer's OIDC discovery document.
    async fn discover(&self) -> Result<Url, String> {
        let RemoteLocation::Discovery { document, allow_http } = &self.location else {
            return Err("no JWKS address is configured".into());
        };
        let fetched = self.fetcher.get(document, Fetch::Discovery).await?;
        let discovered: DiscoveryDocument = serde_json::from_slice(&fetched.body)
            .map_err(|_| format!("{document} is not an OpenID discovery document with `issuer` and `jwks_uri`"))?;
        check_discovered_issuer(document, &discovered.issuer, &self.issuer)?;
        let uri = Url::parse(&discovered.jwks_uri).map_err(|_| format!("{document} has an invalid `jwks_uri`"))?;
        check_scheme(&uri, *allow_http).map_err(|problem| format!("discovered `jwks_uri` {uri}: {problem}"))?;
        Ok(uri)
    }
}
