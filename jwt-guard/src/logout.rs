//! Receiving an issuer's logouts: OpenID Connect Back-Channel Logout 1.0
//! logout tokens, and Security Event Tokens pushed as RFC 8935 says with a
//! CAEP session-revoked event. Either is verified with its issuer's keys
//! (as its access tokens are), used once through the token store, and
//! ends that issuer's access tokens of the session (by `sid`) or of the
//! subject (by `sub`, issued before the logout), on every instance that
//! shares the store.
//!
//! No Rocket here: `rocket_integration/logout_route.rs` reads the request
//! and writes the answer.

mod claims;

use serde_json::Value;

use crate::clock;
use crate::error::{AuthError, TokenProblem};
use crate::log_limit::LogLimit;
use crate::observe::metrics::{self, StoreOperation};
use crate::store::revocations::Revocations;
use crate::store::{Revocation, Revoked, TokenStore};
use crate::token::TokenHeader;
use crate::verify::Verifier;
use crate::verify::compact;
use claims::{Ended, Refused};

/// The lifetime that a logout takes the issuer's tokens to have when its
/// `max_lifetime` does not bound them: 24 hours. The logout's revocation
/// is kept that long after it, and a logout older than that is refused.
pub(crate) const ASSUMED_TOKEN_LIFETIME_SECS: u64 = 24 * 60 * 60;

/// How a logout was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// A logout token (OIDC Back-Channel Logout 1.0), `typ` `logout+jwt`
    /// (or `JWT`, or none, as older providers send).
    LogoutToken,
    /// A Security Event Token pushed per RFC 8935, `typ` `secevent+jwt`.
    SecurityEvent,
}

impl Delivery {
    /// Decodes and checks the JWS header of a token delivered so, its
    /// `typ` first.
    fn decode_header(self, encoded: &str) -> Result<TokenHeader, TokenProblem> {
        match self {
            Self::LogoutToken => compact::decode_logout_token_header(encoded),
            Self::SecurityEvent => compact::decode_explicitly_typed_header(encoded, "secevent+jwt"),
        }
    }
}

/// What a refusal concerns: the error codes of RFC 8935 section 2.3, each
/// `invalid_` and this; a logout token's refusal is always
/// `invalid_request` (OIDC Back-Channel Logout 1.0 section 2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetErr {
    /// `invalid_request`: the token is malformed, or its claims are not
    /// acceptable.
    Request,
    /// `invalid_key`: its signature, algorithm or key is not acceptable.
    Key,
    /// `invalid_issuer`: its issuer is not one whose logouts are received.
    Issuer,
    /// `invalid_audience`: it is not addressed to this client.
    Audience,
}

impl SetErr {
    /// The code as RFC 8935 spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Request => "invalid_request",
            Self::Key => "invalid_key",
            Self::Issuer => "invalid_issuer",
            Self::Audience => "invalid_audience",
        }
    }
}

/// Why a logout was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogoutError {
    /// The token is not acceptable: a 400 with this code and this fixed
    /// text, which never holds anything of the token.
    Invalid {
        /// The RFC 8935 code.
        code: SetErr,
        /// What is wrong, in our words.
        description: &'static str,
    },
    /// The issuer's keys or the store cannot be reached: a 503, to retry
    /// after this many seconds.
    Unavailable {
        /// Seconds.
        retry_after: u64,
    },
}

impl From<Refused> for LogoutError {
    fn from(refused: Refused) -> Self {
        Self::Invalid { code: refused.code, description: refused.description }
    }
}

/// What a logout needs: the verifier (the issuers and their keys), the
/// store, and this process's mirror of revocations.
pub(crate) struct Receiver<'a> {
    pub(crate) verifier: &'a Verifier,
    pub(crate) store: &'a dyn TokenStore,
    pub(crate) revocations: &'a Revocations,
}

impl Receiver<'_> {
    /// Verifies `token`, delivered as `delivery`, and ends what it names:
    /// the revocation it made.
    pub(crate) async fn receive(&self, token: &str, delivery: Delivery) -> Result<Revocation, LogoutError> {
        let invalid = |code, description| LogoutError::Invalid { code, description };
        let malformed = || invalid(SetErr::Request, "the token is not a compact JWS of JSON objects");
        if token.len() > self.verifier.max_token_bytes() {
            return Err(invalid(SetErr::Request, "the token is too large"));
        }
        let parts = compact::split(token).map_err(|_| malformed())?;
        let header = delivery.decode_header(parts.header).map_err(|problem| match (problem, delivery) {
            (TokenProblem::WrongType, Delivery::LogoutToken) => {
                invalid(SetErr::Request, "the `typ` header must be `logout+jwt` (or `JWT`)")
            }
            (TokenProblem::WrongType, Delivery::SecurityEvent) => {
                invalid(SetErr::Request, "the `typ` header must be `secevent+jwt`")
            }
            (TokenProblem::AlgorithmNotAllowed, _) => invalid(SetErr::Key, "the signing algorithm is not accepted"),
            _ => malformed(),
        })?;
        let claims = compact::decode_claims(parts.payload).map_err(|_| malformed())?;
        let iss =
            claims.get("iss").and_then(Value::as_str).ok_or(invalid(SetErr::Request, "the `iss` claim is missing"))?;
        let issuer = self
            .verifier
            .logout_issuer(iss)
            .ok_or(invalid(SetErr::Issuer, "the issuer is not one whose logouts this API receives"))?;
        self.verifier.check_issuer_signature(issuer.iss, &parts, &header).await.map_err(|error| match error {
            AuthError::KeysUnavailable { retry_after } => {
                LogoutError::Unavailable { retry_after: retry_after.as_secs().max(1) }
            }
            _ => invalid(SetErr::Key, "the signature does not verify with the issuer's keys"),
        })?;
        let now = clock::unix_now();
        let leeway = self.verifier.leeway();
        let lifetime = issuer.max_lifetime.map_or(ASSUMED_TOKEN_LIFETIME_SECS, |lifetime| lifetime.ceil() as u64);
        let logout = match delivery {
            Delivery::LogoutToken => claims::check_logout_token(&claims, issuer.client_id, now, leeway, lifetime)?,
            Delivery::SecurityEvent => claims::check_security_event(&claims, issuer.client_id, now, leeway, lifetime)?,
        };
        let now_secs = now as u64;
        let leeway_secs = leeway.ceil() as u64;
        // Counted from the logout's `iat`, by the provider's clock, as its
        // tokens' `exp` are: the last token it ends, issued at the logout,
        // is accepted until `lifetime` and the leeway later, whichever way
        // the two clocks differ. So a late delivery, or a replay, makes
        // the very same revocation. Within the `iat` window, it is after
        // now.
        let until = logout.issued_at.ceil() as u64 + lifetime + leeway_secs + 1;
        let iss = issuer.iss.to_owned();
        let revoked = match logout.ended {
            Ended::Session(sid) => Revoked::IssuerSession { iss, sid: sid.to_owned() },
            // Tokens issued in the logout's second are taken as before it.
            Ended::Subject(sub) => {
                Revoked::IssuerSubject { iss, sub: sub.to_owned(), before: logout.issued_at.floor() as u64 + 1 }
            }
        };
        let revocation = Revocation { revoked, until };
        let unavailable = |error| {
            static LOGGED: LogLimit = LogLimit::new();
            if let Some(held_back) = LOGGED.allow() {
                log::error!("jwt-guard: a logout could not be recorded: {error}{held_back}");
            }
            metrics::store_error(StoreOperation::Logouts);
            LogoutError::Unavailable { retry_after: 1 }
        };
        // The revocation first, then the `jti` used once: a store that fails
        // between the two leaves the issuer's retry good, and a replay
        // stores the same revocation again, so it changes nothing before
        // it is refused, at any instance. Past the `iat` window (`until`,
        // less a second) the token is refused anyway, so the `jti` is
        // remembered until then, at an instance whose clock is behind this
        // one's by up to the leeway too. Held here before it is stored,
        // so that this process holds it whatever becomes of the write (a
        // caller that stops waiting for it, a store that fails).
        self.revocations.apply(&revocation);
        self.store.revoke(&revocation).await.map_err(unavailable)?;
        let key = format!("logout:{}", serde_json::json!([issuer.iss, logout.jti]));
        let expires_at = until + leeway_secs;
        if !self.store.use_once(&key, now_secs, expires_at).await.map_err(unavailable)? {
            return Err(invalid(SetErr::Request, "the token was received before"));
        }
        log::info!("jwt-guard: a logout of issuer `{}` ended its tokens of a {}", issuer.iss, logout.ended.kind());
        Ok(revocation)
    }
}
