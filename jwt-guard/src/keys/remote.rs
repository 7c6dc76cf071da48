//! The keys of a remote issuer: fetched from its JWKS (found by OIDC
//! discovery when not configured), refetched when a token names an unknown
//! `kid` (at most once per cooldown, one fetch for every request waiting),
//! and refreshed in the background before they age out. A failed fetch
//! never drops the keys already held.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::algorithm::Algorithm;
use reqwest::Url;
use serde::Deserialize;

use super::{Fetcher, KeyMatch, KeySet, VerifyingKey, parse_jwks};
use crate::config::{self, RemoteLocation};

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
    refresh: tokio::sync::Mutex<RefreshState>,
}

/// What the single fetch in flight knows; guarded by the refresh lock.
#[derive(Debug, Default)]
struct RefreshState {
    /// The JWKS address, once configured or discovered.
    jwks_uri: Option<Url>,
    last_attempt: Option<Instant>,
    last_succeeded: bool,
    /// How long the last fetched key set may be kept.
    max_age: Duration,
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
            refresh: tokio::sync::Mutex::new(RefreshState { jwks_uri, ..RefreshState::default() }),
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<Result<Arc<VerifyingKey>, KeyLookupError>> {
        match self.snapshot().find(kid, alg) {
            KeyMatch::Found(key) => Some(Ok(Arc::clone(key))),
            KeyMatch::WrongAlgorithm => Some(Err(KeyLookupError::WrongAlgorithm)),
            KeyMatch::Missing => None,
        }
    }

    /// Whether the current key set holds a key for `kid` and `alg`.
    pub(crate) fn holds(&self, kid: Option<&str>, alg: Algorithm) -> bool {
        matches!(self.find(kid, alg), Some(Ok(_)))
    }

    /// The key for a token with this `kid` and `alg`, fetching the JWKS
    /// again if the key is not held and the cooldown allows.
    ///
    /// Requests whose key is held never wait; requests that miss at once
    /// wait for one shared fetch.
    pub(crate) async fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<VerifyingKey>, KeyLookupError> {
        if let Some(found) = self.find(kid, alg) {
            return found;
        }
        let mut state = self.refresh.lock().await;
        if let Some(found) = self.find(kid, alg) {
            return found;
        }
        let since_last = state.last_attempt.map(|at| at.elapsed());
        match since_last {
            Some(elapsed) if elapsed < self.cooldown => {
                log::debug!("jwt-guard: issuer `{}`: unknown key, refetch on cooldown", self.name);
            }
            _ => self.refresh_locked(&mut state).await,
        }
        if let Some(found) = self.find(kid, alg) {
            return found;
        }
        if state.last_succeeded {
            return Err(KeyLookupError::Unknown);
        }
        let waited = state.last_attempt.map_or(Duration::ZERO, |at| at.elapsed());
        Err(KeyLookupError::Unavailable(self.cooldown.saturating_sub(waited).max(Duration::from_secs(1))))
    }

    /// Refreshes the keys whenever they are due, until the future is dropped.
    ///
    /// The first fetch happens at once, unless a request fetched already.
    pub(crate) async fn keep_fresh(&self) {
        loop {
            let wait = {
                let mut state = self.refresh.lock().await;
                let interval = |state: &RefreshState| {
                    if state.last_succeeded { state.max_age } else { self.fetcher.limits().min_refresh }
                };
                let due = state.last_attempt.is_none_or(|at| at.elapsed() >= interval(&state));
                if due {
                    self.refresh_locked(&mut state).await;
                }
                let elapsed = state.last_attempt.map_or(Duration::ZERO, |at| at.elapsed());
                interval(&state).saturating_sub(elapsed)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Fetches the key set; the caller holds the refresh lock.
    async fn refresh_locked(&self, state: &mut RefreshState) {
        state.last_attempt = Some(Instant::now());
        match self.fetch(state).await {
            Ok((keys, max_age)) => {
                log::info!("jwt-guard: issuer `{}`: loaded {} signing keys", self.name, keys.len());
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
                state.last_succeeded = true;
                state.max_age = max_age;
            }
            Err(problem) => {
                log::error!("jwt-guard: issuer `{}`: cannot refresh keys: {problem}", self.name);
                state.last_succeeded = false;
            }
        }
    }

    async fn fetch(&self, state: &mut RefreshState) -> Result<(KeySet, Duration), String> {
        let jwks_uri = match &state.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.discover().await?;
                state.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let fetched = self.fetcher.get(&jwks_uri).await?;
        let keys = parse_jwks(&fetched.body, &self.name).map_err(|problem| format!("{jwks_uri}: {problem}"))?;
        if keys.is_empty() {
            return Err(format!("{jwks_uri} holds no usable signing key"));
        }
        Ok((keys, fetched.max_age))
    }

    /// Finds the JWKS address in the issuer's OIDC discovery document.
    async fn discover(&self) -> Result<Url, String> {
        let RemoteLocation::Discovery { document, allow_http } = &self.location else {
            return Err("no JWKS address is configured".into());
        };
        let fetched = self.fetcher.get(document).await?;
        let discovered: DiscoveryDocument = serde_json::from_slice(&fetched.body)
            .map_err(|_| format!("{document} is not an OpenID discovery document with `issuer` and `jwks_uri`"))?;
        if discovered.issuer != self.issuer {
            return Err(format!(
                "{document} names the issuer {:?}, but the configured `issuer` is {:?}; they must be equal",
                discovered.issuer, self.issuer
            ));
        }
        let uri = Url::parse(&discovered.jwks_uri).map_err(|_| format!("{document} has an invalid `jwks_uri`"))?;
        config::check_scheme(&uri, *allow_http).map_err(|problem| format!("discovered `jwks_uri` {uri}: {problem}"))?;
        Ok(uri)
    }
}
