//! Revocations that the app makes of an identity provider's tokens, by
//! session or by subject: what a back-channel logout from the provider
//! makes (see `logout`), for a provider that sends none, or for an app's
//! own "sign this user out" that the provider does not know of. These are
//! methods of [`JwtGuard`], which holds the store.

use crate::clock;
use crate::issuer::SessionError;
use crate::logout::ASSUMED_TOKEN_LIFETIME_SECS;
use crate::store::{Revocation, Revoked};

use super::JwtGuard;

impl JwtGuard {
    /// Ends a session at one of the app's configured identity providers,
    /// as a back-channel logout from it would: from now on, its access
    /// tokens whose `iss` is `iss` and whose `sid` is `sid` are refused, on
    /// every instance that shares the store. Another provider's tokens
    /// with the same `sid`, and the provider's other sessions, are not.
    ///
    /// The revocation is kept as long as the provider's tokens may live:
    /// its `max_lifetime`, or 24 hours where it sets none (a token that
    /// lives longer is accepted again after that).
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    /// use jwt_guard::issuer::{SessionError, SigningKey};
    /// use jwt_guard::{AuthError, JwtGuard, error::TokenProblem, verify::Algorithm};
    ///
    /// # let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// let idp = IssuerConfig::new("https://id.example.com/", "https://api.example.com").inline_jwks(jwks);
    /// let guard = JwtGuard::builder().issuer("id", idp).build()?;
    /// // The provider's access token of session `sid`, as a client sends it.
    /// let bearer = |sid: &str| {
    ///     let claims = serde_json::json!({
    ///         "iss": "https://id.example.com/", "aud": "https://api.example.com", "exp": 4e9, "sub": "ada", "sid": sid,
    ///     });
    ///     format!("Bearer {}", key.sign("at+jwt", claims.as_object().unwrap()).unwrap())
    /// };
    /// rocket::execute(async {
    ///     // An admin's "sign this device out", where the provider sends no logouts.
    ///     guard.revoke_issuer_session("https://id.example.com/", "phone").await?;
    ///     let refused = guard.authenticate([bearer("phone").as_str()].into_iter(), false).await.unwrap_err();
    ///     assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    ///     assert!(guard.authenticate([bearer("laptop").as_str()].into_iter(), false).await.is_ok());
    ///     // An `iss` that no configured issuer's tokens carry revokes nothing, and says so.
    ///     let typo = guard.revoke_issuer_session("https://id.example.com", "laptop").await;
    ///     assert_eq!(typo, Err(SessionError::UnknownIssuer));
    ///     Ok::<(), SessionError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::UnknownIssuer`] when no configured issuer's tokens
    /// say `iss = iss` (an issuer resolved per tenant is not accepted
    /// here), and [`SessionError::Unavailable`] when the store cannot be
    /// reached.
    pub async fn revoke_issuer_session(&self, iss: &str, sid: &str) -> Result<(), SessionError> {
        let until = self.issuer_revocation_until(iss)?;
        let revoked = Revoked::IssuerSession { iss: iss.to_owned(), sid: sid.to_owned() };
        self.record(Revocation { revoked, until }).await
    }

    /// Refuses every access token that one of the app's configured
    /// identity providers issued to `sub` until now, on every instance
    /// that shares the store: an admin's "disable this user" while the
    /// provider's tokens still live. Tokens issued later are accepted,
    /// but for those that the provider's clock dates within the leeway of
    /// now: a clock ahead of this one's by that much still has the
    /// tokens it issued before refused.
    ///
    /// The revocation is kept as long as the provider's tokens may live,
    /// as [`revoke_issuer_session`](Self::revoke_issuer_session)'s is.
    ///
    /// ```
    /// use jwt_guard::config::IssuerConfig;
    /// use jwt_guard::issuer::{SessionError, SigningKey};
    /// use jwt_guard::{AuthError, JwtGuard, error::TokenProblem, verify::Algorithm};
    ///
    /// # let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// let idp = IssuerConfig::new("https://id.example.com/", "https://api.example.com").inline_jwks(jwks);
    /// let guard = JwtGuard::builder().issuer("id", idp).build()?;
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    /// // The provider's access token of `sub`, issued now, as a client sends it.
    /// let bearer = |sub: &str| {
    ///     let claims = serde_json::json!({
    ///         "iss": "https://id.example.com/", "aud": "https://api.example.com", "iat": now, "exp": now + 3600, "sub": sub,
    ///     });
    ///     format!("Bearer {}", key.sign("at+jwt", claims.as_object().unwrap()).unwrap())
    /// };
    /// rocket::execute(async {
    ///     guard.revoke_issuer_subject("https://id.example.com/", "ada").await?;
    ///     let refused = guard.authenticate([bearer("ada").as_str()].into_iter(), false).await.unwrap_err();
    ///     assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    ///     assert!(guard.authenticate([bearer("grace").as_str()].into_iter(), false).await.is_ok());
    ///     Ok::<(), SessionError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`revoke_issuer_session`](Self::revoke_issuer_session)'s.
    pub async fn revoke_issuer_subject(&self, iss: &str, sub: &str) -> Result<(), SessionError> {
        let until = self.issuer_revocation_until(iss)?;
        let before = clock::unix_now_secs() + self.leeway_secs() + 1;
        let revoked = Revoked::IssuerSubject { iss: iss.to_owned(), sub: sub.to_owned(), before };
        self.record(Revocation { revoked, until }).await
    }

    /// Until when a revocation of the tokens that the configured issuer
    /// `iss` issued until now is kept: the last of them, dated up to the
    /// leeway ahead by its clock, expires its lifetime later, and is
    /// accepted up to the leeway after that.
    fn issuer_revocation_until(&self, iss: &str) -> Result<u64, SessionError> {
        let max_lifetime = self.verifier().configured_max_lifetime(iss).ok_or(SessionError::UnknownIssuer)?;
        let lifetime = max_lifetime.map_or(ASSUMED_TOKEN_LIFETIME_SECS, |lifetime| lifetime.ceil() as u64);
        Ok(clock::unix_now_secs() + lifetime + self.skew_margin_secs() + 1)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::FutureExt as _;

    use super::*;
    use crate::config::IssuerConfig;
    use crate::issuer::SigningKey;
    use crate::verify::Algorithm;

    const ISS: &str = "https://id.example.com/";

    /// A guard that trusts `ISS`, its tokens living `max_lifetime` at
    /// most where set, with 10 s of leeway.
    fn guard(max_lifetime: Option<Duration>) -> JwtGuard {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let issuer = IssuerConfig::new(ISS, "https://api.example.com")
            .inline_jwks(serde_json::json!({ "keys": [key.public_jwk()] }));
        let issuer = match max_lifetime {
            Some(lifetime) => issuer.max_lifetime(lifetime),
            None => issuer,
        };
        let leeway = |config: &mut crate::config::Config| config.leeway = Duration::from_secs(10);
        JwtGuard::builder().issuer("id", issuer).configure(leeway).build().unwrap()
    }

    /// What `guard`'s store holds.
    fn stored(guard: &JwtGuard) -> Vec<Revocation> {
        guard.store().revocations(clock::unix_now_secs()).now_or_never().expect("in memory").unwrap()
    }

    #[test]
    fn a_subjects_revocation_covers_a_provider_clock_ahead_by_the_leeway_for_the_tokens_lifetime() {
        for (max_lifetime, lifetime) in [(Some(Duration::from_secs(600)), 600), (None, ASSUMED_TOKEN_LIFETIME_SECS)] {
            let guard = guard(max_lifetime);
            let now = clock::unix_now_secs();
            guard.revoke_issuer_subject(ISS, "ada").now_or_never().expect("in memory").unwrap();
            let [Revocation { revoked: Revoked::IssuerSubject { iss, sub, before }, until }] = &stored(&guard)[..]
            else {
                panic!("one revocation of a subject: {:?}", stored(&guard));
            };
            assert_eq!((iss.as_str(), sub.as_str()), (ISS, "ada"));
            // Made within a second of `now`.
            assert!((now + 11..=now + 12).contains(before), "tokens dated up to the leeway ahead: {before}");
            let last_accepted = now + lifetime + 2 * 10;
            assert!((last_accepted + 1..=last_accepted + 2).contains(until), "{lifetime} s: until {until}");
        }
    }

    #[test]
    fn a_sessions_revocation_is_kept_for_the_tokens_lifetime() {
        let guard = guard(Some(Duration::from_secs(600)));
        let now = clock::unix_now_secs();
        guard.revoke_issuer_session(ISS, "s-1").now_or_never().expect("in memory").unwrap();
        let [Revocation { revoked: Revoked::IssuerSession { iss, sid }, until }] = &stored(&guard)[..] else {
            panic!("one revocation of a session: {:?}", stored(&guard));
        };
        assert_eq!((iss.as_str(), sid.as_str()), (ISS, "s-1"));
        assert!((now + 621..=now + 622).contains(until), "until {until}");
    }

    #[test]
    fn an_issuer_that_is_not_configured_is_refused_and_nothing_is_revoked() {
        let guard = guard(None);
        for iss in ["https://id.example.com", "https://other.example.com/"] {
            let refused = guard.revoke_issuer_subject(iss, "ada").now_or_never().expect("at once");
            assert_eq!(refused, Err(SessionError::UnknownIssuer));
            let refused = guard.revoke_issuer_session(iss, "s-1").now_or_never().expect("at once");
            assert_eq!(refused, Err(SessionError::UnknownIssuer));
        }
        assert!(stored(&guard).is_empty());
    }
}
