//! Verifying a bearer token, free of any web framework: split and decode
//! it, route it to its issuer by `iss`, find the key, check the signature,
//! then the claims (RFC 7519, RFC 8725).

mod claims;
mod compact;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::algorithm::AlgorithmSet;
use crate::config::{Audience, Config, IssuerSettings, ScopeClaim};
use crate::error::{AuthError, ConfigError, TokenProblem};
use crate::keys::{FetchLimits, Fetcher, KeyLookupError, RemoteKeys};
use crate::token::{Token, TokenHeader};

/// Verifies tokens against the configured issuers.
///
/// [`JwtGuard`](crate::JwtGuard) builds one at ignite and its request
/// guards use it; it also works on its own, outside Rocket:
///
/// ```no_run
/// use jwt_guard::{Config, IssuerConfig, Verifier};
///
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let mut config = Config::default();
/// config.issuers.insert(
///     "auth0".into(),
///     IssuerConfig::new("https://tenant.example.com/", "https://api.example.com"),
/// );
/// let verifier = Verifier::new(&config)?;
/// let token = verifier.verify(token).await?;
/// println!("hello, {:?}", token.subject());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Verifier {
    leeway: f64,
    max_token_bytes: usize,
    /// The issuers, by their exact `iss`.
    issuers: HashMap<String, Issuer>,
}

#[derive(Debug)]
struct Issuer {
    name: Arc<str>,
    audience: Audience,
    algorithms: AlgorithmSet,
    scope_claim: ScopeClaim,
    keys: RemoteKeys,
}

impl Verifier {
    /// A verifier for `config`, whose keys are not fetched yet: the first
    /// token of an issuer fetches them, as does [`Verifier::keep_keys_fresh`].
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let settings = config.validate()?;
        let fetcher = Fetcher::new(FetchLimits {
            timeout: config.fetch_timeout,
            max_bytes: config.max_jwks_bytes,
            min_refresh: config.min_refresh,
            max_refresh: config.max_refresh,
        })
        .map_err(|problem| ConfigError { key: "fetch_timeout".into(), problem })?;
        let issuers = settings
            .into_iter()
            .map(|settings: IssuerSettings| {
                let keys = RemoteKeys::new(
                    &settings.name,
                    &settings.issuer,
                    settings.keys,
                    fetcher.clone(),
                    config.refetch_cooldown,
                );
                let issuer = Issuer {
                    name: settings.name.into(),
                    audience: settings.audience,
                    algorithms: settings.algorithms,
                    scope_claim: settings.scope_claim,
                    keys,
                };
                (settings.issuer, issuer)
            })
            .collect();
        Ok(Self { leeway: config.leeway.as_secs_f64(), max_token_bytes: config.max_token_bytes, issuers })
    }

    /// The configured names of the issuers.
    pub fn issuer_names(&self) -> impl Iterator<Item = &str> {
        self.issuers.values().map(|issuer| &*issuer.name)
    }

    /// Fetches every issuer's keys now, then again whenever they are due,
    /// for as long as the future runs. The Rocket fairing spawns it at
    /// liftoff and stops it at shutdown.
    pub async fn keep_keys_fresh(&self) {
        let loops = self.issuers.values().map(|issuer| issuer.keys.keep_fresh());
        futures_util::future::join_all(loops).await;
    }

    /// Verifies `token`, the bare token without its `Bearer ` scheme.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidToken`] with the reason when the token is not
    /// acceptable, and [`AuthError::KeysUnavailable`] when its issuer's keys
    /// cannot be fetched.
    pub async fn verify(&self, token: &str) -> Result<Token, AuthError> {
        if token.len() > self.max_token_bytes {
            return Err(TokenProblem::TooLarge.into());
        }
        let parts = compact::split(token)?;
        let header = compact::decode_header(parts.header)?;
        let claims = compact::decode_claims(parts.payload)?;
        claims::check_types(&claims)?;
        let issuer = self.issuer_of(&claims)?;
        if !issuer.algorithms.contains(header.alg) {
            return Err(TokenProblem::AlgorithmNotAllowed.into());
        }
        let key = issuer.keys.key_for(header.kid.as_deref(), header.alg).await.map_err(|error| match error {
            KeyLookupError::WrongAlgorithm => AuthError::from(TokenProblem::AlgorithmNotAllowed),
            KeyLookupError::Unknown => TokenProblem::UnknownKey.into(),
            KeyLookupError::Unavailable(retry_after) => AuthError::KeysUnavailable { retry_after },
        })?;
        let signature_ok = jsonwebtoken::crypto::verify(
            parts.signature,
            parts.signing_input.as_bytes(),
            &key.key,
            header.alg.to_jsonwebtoken(),
        );
        if !matches!(signature_ok, Ok(true)) {
            return Err(TokenProblem::BadSignature.into());
        }
        let expires_at = claims::check_times(&claims, now(), self.leeway)?;
        claims::check_audience(&claims, &issuer.audience)?;
        let scopes = claims::scopes(&claims, issuer.scope_claim)?;
        let header = TokenHeader { alg: header.alg, kid: header.kid, typ: header.typ };
        Ok(Token::new(token, Arc::clone(&issuer.name), header, claims, scopes, expires_at))
    }

    fn issuer_of(&self, claims: &Map<String, Value>) -> Result<&Issuer, TokenProblem> {
        let iss = claims.get("iss").and_then(Value::as_str).ok_or(TokenProblem::MissingClaim("iss"))?;
        self.issuers.get(iss).ok_or(TokenProblem::UntrustedIssuer)
    }
}

/// Seconds since the Unix epoch.
fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64())
}
