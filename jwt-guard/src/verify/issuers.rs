//! The issuers a verifier trusts: each one's checks and where its keys
//! are looked up, built from checked settings.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::claim_set::ClaimSet;
use super::claims;
use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::config::{Audience, DpopMode, IssuerSettings, RequiredClaim, ScopeClaim, TokenType};
use crate::error::{ConfigError, TokenProblem};
use crate::introspection::Introspector;
use crate::keys::{Fetcher, KeyLocation, KeyLookupError, KeyMatch, KeySerial, KeySet, RemoteKeys, VerifyingKey};
use crate::token::{Grants, TokenSource};

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
    /// Where roles are kept.
    pub(super) roles: Vec<Vec<String>>,
    /// The `typ` its access tokens must declare, if any.
    pub(super) token_type: Option<TokenType>,
    /// The longest `exp - iat` accepted, in seconds, if bounded.
    pub(super) max_lifetime: Option<f64>,
    /// The claims each token must carry, each with one of its values.
    pub(super) required_claims: Vec<RequiredClaim>,
    /// Whether its tokens may, or must, be DPoP-bound.
    pub(super) dpop: DpopMode,
    /// The tenant, for an issuer resolved per request.
    pub(super) tenant: Option<Arc<str>>,
    /// Where its keys are looked up.
    pub(super) keys: IssuerKeys,
    /// How its tokens are introspected, if they are.
    pub(super) introspector: Option<Introspector>,
    /// The client id its logout tokens are addressed to, if it sends them.
    pub(super) logout_client_id: Option<String>,
}

/// An issuer that a token was routed to: configured, or resolved per
/// request (and shared with the cache of tenants).
#[derive(Debug, Clone)]
pub(crate) enum IssuerRef {
    /// The configured issuer at this index.
    Configured(usize),
    /// An issuer resolved per request.
    Resolved(Arc<Issuer>),
}

impl IssuerRef {
    /// The issuer, among the configured `issuers`.
    pub(super) fn get<'a>(&'a self, issuers: &'a [Issuer]) -> &'a Issuer {
        match self {
            Self::Configured(index) => &issuers[*index],
            Self::Resolved(issuer) => issuer,
        }
    }
}

/// Where an issuer's keys are looked up.
#[derive(Debug)]
pub(super) enum IssuerKeys {
    /// Keys that never change: inline JWKS, or the built-in issuer's.
    Fixed(KeySet),
    /// Keys fetched from the issuer.
    Remote(Arc<RemoteKeys>),
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

    /// Whether any key is held: fixed keys always are; remote ones once
    /// fetched.
    pub(super) fn hold_any(&self) -> bool {
        match self {
            Self::Fixed(_) => true,
            Self::Remote(keys) => keys.holds_keys(),
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

/// The limits that every issuer is held to.
#[derive(Debug, Clone, Copy)]
pub(super) struct IssuerLimits {
    /// The shortest time from a successful key fetch to one a token
    /// causes.
    pub(super) refetch_cooldown: Duration,
    /// The most introspections a second of tokens not remembered.
    pub(super) introspection_rate: u32,
}

impl Issuer {
    /// The issuer of `settings`, fetching remote keys with `fetcher`'s
    /// limits, and held to `limits`.
    pub(super) fn new(
        settings: IssuerSettings,
        fetcher: &Fetcher,
        limits: IssuerLimits,
        tenant: Option<Arc<str>>,
    ) -> Result<Self, ConfigError> {
        let introspector = settings
            .introspection
            .clone()
            .map(|introspection| Introspector::new(introspection, fetcher, limits.introspection_rate));
        let keys = match settings.keys {
            KeyLocation::Inline(keys) => IssuerKeys::Fixed(keys),
            KeyLocation::Remote(location) => {
                let fetcher = fetcher.following(settings.redirects).map_err(|problem| ConfigError {
                    key: format!("issuers.{}.follow_redirects_to", settings.name),
                    problem,
                })?;
                let keys =
                    RemoteKeys::new(&settings.name, &settings.issuer, location, fetcher, limits.refetch_cooldown);
                IssuerKeys::Remote(Arc::new(keys))
            }
        };
        Ok(Self {
            name: settings.name.into(),
            iss: settings.issuer,
            audience: settings.audience,
            algorithms: settings.algorithms,
            scope_claim: settings.scope_claim,
            roles: settings.roles,
            token_type: settings.token_type,
            max_lifetime: settings.max_lifetime.map(|lifetime| lifetime.as_secs_f64()),
            required_claims: settings.required_claims,
            dpop: settings.dpop,
            tenant,
            keys,
            introspector,
            logout_client_id: settings.logout_client_id,
        })
    }

    /// What a token of this issuer with `claims` grants.
    pub(super) fn grants(&self, claims: &ClaimSet<'_>) -> Result<Grants, TokenProblem> {
        let scopes = claims::scopes(claims, self.scope_claim)?;
        Ok(Grants { scopes, scope_list: OnceLock::new(), roles: claims::roles(claims, &self.roles) })
    }

    /// Who vouches for its tokens, for them to tell.
    pub(super) fn source(&self, leeway: f64) -> TokenSource {
        TokenSource { issuer: Arc::clone(&self.name), tenant: self.tenant.clone(), dpop: self.dpop, leeway }
    }
}
