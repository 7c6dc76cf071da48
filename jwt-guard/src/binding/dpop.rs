//! DPoP (RFC 9449), free of any web framework: checking the proof that
//! comes with a DPoP-bound access token, or with a login to the built-in
//! issuer, remembering each proof's `jti` in the token store so that it is
//! good for one request (in a fleet too), and the server nonces that
//! proofs may have to carry.

mod nonce;
mod proof;

pub(crate) use proof::ProofTarget;

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::clock;
use crate::config::DpopSettings;
use crate::digest::sha256_base64url;
use crate::error::{AuthError, ProofProblem};
use crate::log_limit::LogLimit;
use crate::observe::metrics::{self, StoreOperation};
use crate::store::TokenStore;
use nonce::Nonces;
use proof::ProofRules;

/// Checks DPoP proofs for one app.
#[derive(Debug)]
pub(crate) struct DpopVerifier {
    /// `scheme://authority` of the URLs that clients call.
    origin: String,
    algorithms: AlgorithmSet,
    /// The algorithms, space-delimited, for challenges.
    algs: String,
    max_age: f64,
    leeway: f64,
    nonces: Option<Nonces>,
}

impl DpopVerifier {
    /// A verifier of `settings`, allowing `leeway` seconds of clock skew.
    pub(crate) fn new(settings: &DpopSettings, leeway: f64) -> Self {
        let algs: Vec<&str> = settings.algorithms.iter().map(Algorithm::name).collect();
        let max_age = settings.max_age.as_secs_f64();
        let lifetime = (2.0 * max_age).ceil() as u64;
        Self {
            origin: settings.origin.clone(),
            algorithms: settings.algorithms,
            algs: algs.join(" "),
            max_age,
            leeway,
            nonces: settings
                .nonce_key
                .as_ref()
                .map(|key| Nonces::new(key.expose().as_bytes(), lifetime, leeway.ceil() as u64)),
        }
    }

    /// The accepted algorithms, space-delimited: a challenge's `algs`.
    pub(crate) fn algs(&self) -> &str {
        &self.algs
    }

    /// The origin that proofs' `htu` must name, for log lines.
    #[cfg(feature = "rocket")]
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// A fresh nonce for the `DPoP-Nonce` header, if nonces are demanded.
    pub(crate) fn fresh_nonce(&self) -> Option<String> {
        Some(self.nonces.as_ref()?.make(clock::unix_now_secs()))
    }

    /// Checks the request's `DPoP` header values for `target`, and marks
    /// the proof used in `store`; answers the thumbprint of its key.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidProof`] with the first failed check,
    /// [`AuthError::UseDpopNonce`] when a nonce is demanded and missing or
    /// stale, and a 503 when the store cannot be reached.
    pub(crate) async fn check<'h>(
        &self,
        mut headers: impl Iterator<Item = &'h str>,
        target: &ProofTarget<'_>,
        store: &dyn TokenStore,
    ) -> Result<String, AuthError> {
        let proof = headers.next().filter(|proof| !proof.is_empty()).ok_or(ProofProblem::Missing)?;
        if headers.next().is_some() {
            return Err(ProofProblem::Several.into());
        }
        let now = clock::unix_now();
        let rules = ProofRules {
            algorithms: self.algorithms,
            origin: &self.origin,
            max_age: self.max_age,
            leeway: self.leeway,
        };
        let parsed = proof::parse(proof, target, &rules, now)?;
        if let Some(nonces) = &self.nonces
            && !parsed.nonce.as_deref().is_some_and(|nonce| nonces.is_fresh(nonce, now as u64))
        {
            return Err(AuthError::UseDpopNonce);
        }
        parsed.verify_signature()?;
        // One use per key and `jti`, remembered as long as the proof could
        // be accepted again: here, and at an instance whose clock is behind
        // this one's by up to the leeway again.
        let key = format!("dpop:{}", sha256_base64url(format!("{}.{}", parsed.thumbprint(), parsed.jti).as_bytes()));
        let expires_at = (parsed.iat + self.max_age + 2.0 * self.leeway).ceil().max(now.ceil() + 1.0) as u64;
        match store.use_once(&key, now as u64, expires_at).await {
            Ok(true) => Ok(parsed.thumbprint().to_owned()),
            Ok(false) => Err(ProofProblem::Replayed.into()),
            Err(error) => {
                static LOGGED: LogLimit = LogLimit::new();
                if let Some(held_back) = LOGGED.allow() {
                    log::error!("jwt-guard: checking a DPoP proof for replay: {error}{held_back}");
                }
                metrics::store_error(StoreOperation::ProofReplay);
                Err(AuthError::StoreUnavailable)
            }
        }
    }
}

/// Every check of `proof` that costs no signature, then the signature,
/// for a `GET https://api.fuzz/` with an access token bound to whatever
/// key the proof names: what the fuzz target drives. Not public API.
#[cfg(fuzzing)]
pub fn check_proof(proof: &str) -> Result<(), ProofProblem> {
    let target = ProofTarget { method: "GET", path: "/", access_token: Some("token"), bound_to: None };
    let rules =
        ProofRules { algorithms: AlgorithmSet::ASYMMETRIC, origin: "https://api.fuzz", max_age: 60.0, leeway: 5.0 };
    proof::parse(proof, &target, &rules, clock::unix_now())?.verify_signature()
}
