//! The metrics jwt-guard records on the `metrics` facade, with the
//! `metrics` feature; without it, each function here does nothing and
//! compiles away.
//!
//! The counters of every request (accepted requests, cache lookups) are
//! registered once, at their first use, so that the recorder is not
//! searched on each request: install the recorder before the app serves.
//!
//! Every label value is one of a fixed set, written here or in
//! [`AuthError::reason`](crate::AuthError::reason): never a token, a `kid`, an `iss` or a tenant
//! taken from a request, so that no request can add a series.

#[cfg(feature = "metrics")]
use std::sync::OnceLock;
use std::time::Duration;

/// Requests that needed a token: `outcome` `accepted` or `refused`, and
/// the refusal's `reason`.
#[cfg(all(feature = "metrics", feature = "rocket"))]
pub(crate) const REQUESTS: &str = "jwt_guard_requests_total";
/// Fetches from identity providers: `kind` and `outcome`.
#[cfg(feature = "metrics")]
pub(crate) const FETCHES: &str = "jwt_guard_fetches_total";
/// How long each fetch took, in seconds: `kind`.
#[cfg(feature = "metrics")]
pub(crate) const FETCH_SECONDS: &str = "jwt_guard_fetch_duration_seconds";
/// Lookups in the cache of verified tokens: `result` `hit` or `miss`.
#[cfg(feature = "metrics")]
pub(crate) const TOKEN_CACHE: &str = "jwt_guard_token_cache_lookups_total";
/// Token store operations that failed: `operation`.
#[cfg(feature = "metrics")]
pub(crate) const STORE_ERRORS: &str = "jwt_guard_store_errors_total";

/// What was fetched.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fetch {
    /// An issuer's JWKS.
    Jwks,
    /// An OpenID Connect or RFC 8414 discovery document.
    Discovery,
    /// A token introspection (RFC 7662).
    Introspection,
}

impl Fetch {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code, reason = "a label of the `metrics` feature"))]
    fn label(self) -> &'static str {
        match self {
            Self::Jwks => "jwks",
            Self::Discovery => "discovery",
            Self::Introspection => "introspection",
        }
    }
}

/// How a fetch ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FetchOutcome {
    /// A usable answer.
    Ok,
    /// The provider asked to slow down (429).
    Throttled,
    /// No usable answer: unreachable, a timeout, an error status, too
    /// large, unreadable.
    Failed,
}

/// The store operation that failed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StoreOperation {
    /// Sessions of the built-in issuer: logins, refreshes, revocations.
    Sessions,
    /// The check of a DPoP proof against replays.
    ProofReplay,
    /// Loading the revocations at start or after an outage.
    LoadRevocations,
    /// Recording a logout of an identity provider.
    Logouts,
}

/// Counts a request that needed a token: refused for the
/// [`AuthError::reason`](crate::AuthError::reason) `refusal`, or accepted
/// (`None`).
#[cfg(feature = "rocket")]
pub(crate) fn request(refusal: Option<&'static str>) {
    #[cfg(feature = "metrics")]
    match refusal {
        Some(reason) => metrics::counter!(REQUESTS, "outcome" => "refused", "reason" => reason).increment(1),
        None => {
            static ACCEPTED: OnceLock<metrics::Counter> = OnceLock::new();
            ACCEPTED.get_or_init(|| metrics::counter!(REQUESTS, "outcome" => "accepted")).increment(1);
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = refusal;
}

/// Records a fetch of `what` that ended as `outcome` after `elapsed`.
pub(crate) fn fetch(what: Fetch, outcome: FetchOutcome, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match outcome {
            FetchOutcome::Ok => "ok",
            FetchOutcome::Throttled => "throttled",
            FetchOutcome::Failed => "failed",
        };
        metrics::counter!(FETCHES, "kind" => what.label(), "outcome" => outcome).increment(1);
        metrics::histogram!(FETCH_SECONDS, "kind" => what.label()).record(elapsed.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (what, outcome, elapsed);
}

/// Counts a lookup in the cache of verified tokens.
pub(crate) fn token_cache(hit: bool) {
    #[cfg(feature = "metrics")]
    {
        static HITS: OnceLock<metrics::Counter> = OnceLock::new();
        static MISSES: OnceLock<metrics::Counter> = OnceLock::new();
        let counter = match hit {
            true => HITS.get_or_init(|| metrics::counter!(TOKEN_CACHE, "result" => "hit")),
            false => MISSES.get_or_init(|| metrics::counter!(TOKEN_CACHE, "result" => "miss")),
        };
        counter.increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = hit;
}

/// Counts a failed store operation.
pub(crate) fn store_error(operation: StoreOperation) {
    #[cfg(feature = "metrics")]
    {
        let operation = match operation {
            StoreOperation::Sessions => "sessions",
            StoreOperation::ProofReplay => "proof_replay",
            StoreOperation::LoadRevocations => "load_revocations",
            StoreOperation::Logouts => "logouts",
        };
        metrics::counter!(STORE_ERRORS, "operation" => operation).increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = operation;
}
