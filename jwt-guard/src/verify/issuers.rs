//! The issuers a verifier trusts: each one's checks and where its keys
//! are looked up, built from checked settings.

use std::sync::Arc;
use std::time::Duration;

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::config::{Audience, DpopMode, IssuerSettings, ScopeClaim, TokenType};
use crate::error::ConfigError;
use crate::keys::{Fetcher, KeyLocation, KeyLookupError, KeyMatch, KeySerial, KeySet, RemoteKeys, VerifyingKey};

/// A trusted issuer.
#[derive(Debug)]
pub(super) struct Issuer {
    /// The configured name.
    pub(super) name: Arc<str>,
    /// The exact `iss` of its tokens.
    pub(super) iss: String,
    /// What its tokens' `aud` must hold.
    pub(super) audience: Audience,
    /// Its allow-list of algorithms.
    pub(super) algorithms: AlgorithmSet,
    /// The claim that carries scopes.
    pub(super) scope_claim: ScopeClaim,
    /// The `typ` its access tokens must declare, if any.
    pub(super) token_type: Option<TokenType>,
    /// The longest `exp - iat` accepted, in seconds, if bounded.
    pub(super) max_lifetime: Option<f64>,
    /// Whether its tokens may, or must, be DPoP-bound.
    pub(super) dpop: DpopMode,
    /// Where its keys are looked up.
    pub(super) keys: IssuerKeys,
}

/// Where an issuer's keys are looked up.
#[derive(Debug)]
pub(super) enum IssuerKeys {
    /// Keys that never change: inline JWKS, or the built-in issuer's.
    Fixed(KeySet),
    /// Keys fetched from the issuer.
    Remote(Box<RemoteKeys>),
}

impl IssuerKeys {
    pub(super) async fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<VerifyingKey>, KeyLookupError> {
        match self {
            Self::Fixed(keys) => match keys.find(kid, alg) {
                KeyMatch::Found(key) => Ok(Arc::clone(key)),
                KeyMatch::WrongAlgorithm => Err(KeyLookupError::WrongAlgorithm),
                KeyMatch::Missing => Err(KeyLookupError::Unknown),
            },
            Self::Remote(keys) => keys.key_for(kid, alg).await,
        }
    }

    /// Another key for `kid` and `alg` than `rejected`, whose signature
    /// failed: a remote issuer may have replaced it under the same `kid`.
    pub(super) async fn replacement_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        rejected: &VerifyingKey,
    ) -> Option<Arc<VerifyingKey>> {
        match self {
            Self::Fixed(_) => None,
            Self::Remote(keys) => keys.replacement_for(kid, alg, rejected).await,
        }
    }

    /// Whether the key with serial number `serial` is still the key for
    /// `kid` and `alg`, without fetching.
    pub(super) fn still_uses(&self, kid: Option<&str>, alg: Algorithm, serial: KeySerial) -> bool {
        match self {
            Self::Fixed(keys) => keys.still_uses(kid, alg, serial),
            Self::Remote(keys) => keys.still_uses(kid, alg, serial),
        }
    }
}

impl Issuer {
    /// The issuer of `settings`, fetching remote keys with `fetcher`'s
    /// limits at most once per `refetch_cooldown` for a token.
    pub(super) fn new(
        settings: IssuerSettings,
        fetcher: &Fetcher,
        refetch_cooldown: Duration,
    ) -> Result<Self, ConfigError> {
        let keys = match settings.keys {
            KeyLocation::Inline(keys) => IssuerKeys::Fixed(keys),
            KeyLocation::Remote(location) => {
                let fetcher = fetcher.following(settings.redirects).map_err(|problem| ConfigError {
                    key: format!("issuers.{}.follow_redirects_to", settings.name),
                    problem,
                })?;
                let keys = RemoteKeys::new(&settings.name, &settings.issuer, location, fetcher, refetch_cooldown);
                IssuerKeys::Remote(Box::new(keys))
            }
        };
        Ok(Self {
            name: settings.name.into(),
            iss: settings.issuer,
            audience: settings.audience,
            algorithms: settings.algorithms,
            scope_claim: settings.scope_claim,
            token_type: settings.token_type,
            max_lifetime: settings.max_lifetime.map(|lifetime| lifetime.as_secs_f64()),
            dpop: settings.dpop,
            keys,
        })
    }
}
