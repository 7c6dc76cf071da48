//! Revocations that the app makes of an identity provider's tokens, by
//! session or by subject: what a back-channel logout from the provider
//! makes (see `logout`), for a provider that sends none, or for an app's
//! own "sign this user out" that the provider does not know of. These are
//! methods of [`JwtGuard`], which holds the store.

use crate::clock;
use crate::issuer::SessionError;
use crate::logout::ASSUMED_TOKEN_LIFETIME_SECS;
use crate::store::{Revocation, Revoked};
use crate::verify::ResolverStalled;

use super::JwtGuard;

impl JwtGuard {
    /// Ends a session at one of the app's identity providers, as a
    /// back-channel logout from it would: from now on, its access
    /// tokens whose `iss` is `iss` and whose `sid` is `sid` are refused, on
    /// every instance that shares the store. Another provider's tokens
    /// with the same `sid`, and the provider's other sessions, are not.
    ///
    /// The provider is a configured issuer or a tenant: one that a
    /// template admits, or that the app's
    /// [`IssuerResolver`](crate::verify::IssuerResolver) names (asked, as
    /// for a token that names it, when no token of it was seen lately).
    /// Tokens that carry one of a configured issuer's `issuer_aliases` as
    /// their `iss` are refused alike. The revocation is kept as long as the
    /// provider's tokens may live: its `max_lifetime`, or 24 hours where it
    /// sets none (a token that lives longer is accepted again after that,
    /// as is an opaque token whose introspection answer states no `iat`,
    /// which `max_lifetime` cannot bound, while the provider says that it
    /// is active).
    /// End the session at the provider too: a session that goes on there
    /// mints new tokens with the same `sid`, which are accepted again once
    /// the revocation is forgotten.
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
    ///     assert!(guard.authenticate([bearer("phone").as_str()].into_iter(), false).await.is_ok());
    ///     // An admin's "sign this device out", where the provider sends no logouts:
    ///     // the token verified a moment ago, and cached, is refused from now on.
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
    /// [`SessionError::UnknownIssuer`] when no identity provider's tokens
    /// say `iss = iss`, and for the built-in issuer's `iss`: its sessions
    /// and subjects are ended by [`revoke_session`](Self::revoke_session)
    /// and [`revoke_subject`](Self::revoke_subject), refresh tokens
    /// included. [`SessionError::ResolverTimedOut`] when the issuer
    /// resolver did not answer within `fetch_timeout`, and
    /// [`SessionError::Unavailable`] when the store cannot be reached:
    /// call again then.
    pub async fn revoke_issuer_session(&self, iss: &str, sid: &str) -> Result<(), SessionError> {
        self.record_under_each_name(iss, |iss| Revoked::IssuerSession { iss, sid: sid.to_owned() }).await
    }

    /// Refuses every access token that one of the app's identity
    /// providers issued to `sub` until now, on every instance
    /// that shares the store: an admin's "disable this user" while the
    /// provider's tokens still live. Tokens issued later are accepted,
    /// but for those that the provider's clock dates within the leeway of
    /// now: a clock ahead of this one's by that much still has the
    /// tokens it issued before refused.
    ///
    /// The revocation covers the issuer's aliases and is kept as long as
    /// the provider's tokens may live, as
    /// [`revoke_issuer_session`](Self::revoke_issuer_session)'s is: disable
    /// the user at the provider too, or its new logins are accepted again
    /// once the revocation is forgotten.
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
        let before = clock::unix_now_secs() + self.leeway_secs() + 1;
        self.record_under_each_name(iss, |iss| Revoked::IssuerSubject { iss, sub: sub.to_owned(), before }).await
    }

    /// Records the revocation that `revoked` makes of each `iss` of the
    /// identity provider that `iss` names (a revocation
    /// matches a token's `iss` exactly), kept until the last token that it
    /// issued until now, dated up to the leeway ahead by its clock,
    /// expires its lifetime later and is accepted up to the leeway after
    /// that.
    async fn record_under_each_name(&self, iss: &str, revoked: impl Fn(String) -> Revoked) -> Result<(), SessionError> {
        if self.local_issuer().is_some_and(|local| local.issuer() == iss) {
            return Err(SessionError::UnknownIssuer);
        }
        let issuer = match self.verifier().revocable_issuer(iss).await {
            Ok(Some(issuer)) => issuer,
            Ok(None) => return Err(SessionError::UnknownIssuer),
            Err(ResolverStalled) => return Err(SessionError::ResolverTimedOut),
        };
        let lifetime = issuer.max_lifetime.map_or(ASSUMED_TOKEN_LIFETIME_SECS, |lifetime| lifetime.ceil() as u64);
        let until = clock::unix_now_secs() + lifetime + self.skew_margin_secs() + 1;
        for name in issuer.names {
            self.record(Revocation { revoked: revoked(name.to_owned()), until }).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::FutureExt as _;

    use super::*;
    use crate::config::{Config, IssuerConfig};
    use crate::error::{AuthError, TokenProblem};
    use crate::issuer::SigningKey;
    use crate::store::MemoryStore;
    use crate::verify::Algorithm;

    const ISS: &str = "https://id.example.com/";
    const ALIAS: &str = "https://alias.example.com/";

    /// A guard that trusts `ISS` (also as `ALIAS`), signed with the key
    /// returned, its tokens living `max_lifetime` at most where set, with
    /// 10 s of leeway.
    fn guard(max_lifetime: Option<Duration>) -> (JwtGuard, SigningKey) {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let issuer = IssuerConfig::new(ISS, "https://api.example.com")
            .issuer_aliases([ALIAS])
            .inline_jwks(serde_json::json!({ "keys": [key.public_jwk()] }));
        let issuer = match max_lifetime {
            Some(lifetime) => issuer.max_lifetime(lifetime),
            None => issuer,
        };
        let leeway = |config: &mut Config| config.leeway = Duration::from_secs(10);
        (JwtGuard::builder().issuer("id", issuer).configure(leeway).build().unwrap(), key)
    }

    /// What `guard`'s store holds.
    fn stored(guard: &JwtGuard) -> Vec<Revocation> {
        guard.store().revocations(clock::unix_now_secs()).now_or_never().expect("in memory").unwrap()
    }

    /// Whether `guard` accepts a token of `key` that says `iss`, `sid` and
    /// `sub`, issued now.
    fn accepts(guard: &JwtGuard, key: &SigningKey, iss: &str, sid: &str, sub: &str) -> Result<(), AuthError> {
        let now = clock::unix_now_secs();
        let claims = serde_json::json!({
            "iss": iss, "aud": "https://api.example.com", "iat": now, "exp": now + 60, "sid": sid, "sub": sub,
        });
        let bearer = format!("Bearer {}", key.sign("at+jwt", claims.as_object().unwrap()).unwrap());
        guard.authenticate([bearer.as_str()].into_iter(), false).now_or_never().expect("fixed keys").map(drop)
    }

    #[test]
    fn a_subjects_revocation_covers_a_provider_clock_ahead_by_the_leeway_for_the_tokens_lifetime() {
        for (max_lifetime, lifetime) in [(Some(Duration::from_secs(600)), 600), (None, ASSUMED_TOKEN_LIFETIME_SECS)] {
            let (guard, _) = guard(max_lifetime);
            let now = clock::unix_now_secs();
            guard.revoke_issuer_subject(ISS, "ada").now_or_never().expect("in memory").unwrap();
            let revocations = stored(&guard);
            assert_eq!(revocations.len(), 2, "one by its own `iss`, one by its alias");
            for revocation in revocations {
                let Revocation { revoked: Revoked::IssuerSubject { sub, before, .. }, until } = revocation else {
                    panic!("a revocation of a subject: {revocation:?}");
                };
                assert_eq!(sub, "ada");
                // Made within a second of `now`.
                assert!((now + 11..=now + 12).contains(&before), "tokens dated up to the leeway ahead: {before}");
                let last_accepted = now + lifetime + 2 * 10;
                assert!((last_accepted + 1..=last_accepted + 2).contains(&until), "{lifetime} s: until {until}");
            }
        }
    }

    #[test]
    fn a_sessions_revocation_is_kept_for_the_tokens_lifetime() {
        let (guard, _) = guard(Some(Duration::from_secs(600)));
        let now = clock::unix_now_secs();
        guard.revoke_issuer_session(ISS, "s-1").now_or_never().expect("in memory").unwrap();
        let revocations = stored(&guard);
        assert_eq!(revocations.len(), 2, "one by its own `iss`, one by its alias");
        for revocation in revocations {
            let Revocation { revoked: Revoked::IssuerSession { sid, .. }, until } = revocation else {
                panic!("a revocation of a session: {revocation:?}");
            };
            assert_eq!(sid, "s-1");
            assert!((now + 621..=now + 622).contains(&until), "until {until}");
        }
    }

    #[test]
    fn a_revocation_by_the_issuers_own_iss_or_an_alias_refuses_tokens_that_carry_either() {
        let revoked = Err(AuthError::InvalidToken(TokenProblem::Revoked));
        let (guard, key) = guard(None);
        guard.revoke_issuer_session(ISS, "s-1").now_or_never().expect("in memory").unwrap();
        assert_eq!(accepts(&guard, &key, ALIAS, "s-1", "ada"), revoked);
        assert_eq!(accepts(&guard, &key, ISS, "s-1", "ada"), revoked);
        assert_eq!(accepts(&guard, &key, ALIAS, "s-2", "ada"), Ok(()));
        guard.revoke_issuer_subject(ALIAS, "grace").now_or_never().expect("in memory").unwrap();
        assert_eq!(accepts(&guard, &key, ISS, "s-3", "grace"), revoked);
        assert_eq!(accepts(&guard, &key, ALIAS, "s-3", "grace"), revoked);
        assert_eq!(accepts(&guard, &key, ISS, "s-3", "ada"), Ok(()));
    }

    #[test]
    fn an_issuer_that_is_not_a_configured_provider_is_refused_and_nothing_is_revoked() {
        let (guard, _) = guard(None);
        for iss in ["https://id.example.com", "https://other.example.com/"] {
            let refused = guard.revoke_issuer_subject(iss, "ada").now_or_never().expect("at once");
            assert_eq!(refused, Err(SessionError::UnknownIssuer));
            let refused = guard.revoke_issuer_session(iss, "s-1").now_or_never().expect("at once");
            assert_eq!(refused, Err(SessionError::UnknownIssuer));
        }
        assert!(stored(&guard).is_empty());
        // The built-in issuer's sessions are ended with their refresh
        // tokens, by `revoke_session`.
        let local = |config: &mut Config| {
            let local = config.local.get_or_insert_default();
            local.algorithm = "HS256".into();
            local.secret = Some("a shared secret of at least 32 bytes!".into());
            local.issuer = Some("https://api.example.com".into());
        };
        let guard = JwtGuard::builder().configure(local).store(MemoryStore::new()).build().unwrap();
        let refused = guard.revoke_issuer_session("https://api.example.com", "s-1").now_or_never().expect("at once");
        assert_eq!(refused, Err(SessionError::UnknownIssuer));
    }
}
