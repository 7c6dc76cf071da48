//! `WWW-Authenticate` challenges: RFC 6750 section 3 for bearer tokens,
//! RFC 9449 section 7.1 for DPoP, with the `resource_metadata` of RFC 9728
//! section 5.1. An error goes into the challenge of the scheme it concerns;
//! each accepted scheme gets a challenge, `Bearer` first (clients that read
//! only the first challenge look for it there).

use std::fmt;

use crate::error::{AuthError, QuotedText};
use crate::request::bearer::Scheme;

/// What the challenges of an app say besides the error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Challenge<'a> {
    pub(crate) realm: &'a str,
    /// The scheme of bearer tokens, as the app accepts it:
    /// `header_prefix`, `Bearer` unless configured otherwise.
    pub(crate) bearer_scheme: &'a str,
    /// The protected-resource metadata's URL, when `resource` is set.
    pub(crate) resource_metadata: Option<&'a str>,
    /// Whether some issuer's tokens may be bearer tokens.
    pub(crate) bearer: bool,
    /// The algorithms of DPoP proofs, space-delimited, when some issuer's
    /// tokens may be DPoP-bound.
    pub(crate) dpop_algs: Option<&'a str>,
    /// The scopes that the route's policy needs, which a 401 names.
    pub(crate) route_scopes: &'a [&'a str],
    /// The scheme the request used.
    pub(crate) scheme: Scheme,
}

impl<'a> Challenge<'a> {
    /// The challenge of an app that accepts bearer tokens only.
    pub(crate) fn bearer(realm: &'a str) -> Self {
        Self {
            realm,
            bearer_scheme: "Bearer",
            resource_metadata: None,
            bearer: true,
            dpop_algs: None,
            route_scopes: &[],
            scheme: Scheme::Bearer,
        }
    }

    /// The `WWW-Authenticate` value for `error`, if it has one.
    pub(crate) fn write(&self, error: &AuthError) -> Option<String> {
        let code = match error {
            AuthError::MissingToken => None,
            AuthError::KeysUnavailable { .. }
            | AuthError::IntrospectionUnavailable { .. }
            | AuthError::StoreUnavailable
            | AuthError::NotConfigured => return None,
            _ => Some(error.code()),
        };
        let proof_error = match error {
            AuthError::InvalidProof(_) | AuthError::UseDpopNonce => true,
            AuthError::InvalidToken(problem) => problem.asks_for_dpop(),
            _ => false,
        };
        let in_dpop = self.dpop_algs.is_some() && (proof_error || self.scheme == Scheme::Dpop || !self.bearer);
        let scope = match error {
            AuthError::Forbidden(denial) => denial.needed_scopes().map(|scopes| scopes.to_string()),
            AuthError::MissingToken
            | AuthError::InvalidToken(_)
            | AuthError::InvalidProof(_)
            | AuthError::UseDpopNonce
                if !self.route_scopes.is_empty() =>
            {
                Some(self.route_scopes.join(" "))
            }
            _ => None,
        };
        let details = Details { error, code, scope: scope.as_deref() };
        let mut challenges = Vec::with_capacity(2);
        if self.bearer || self.dpop_algs.is_none() {
            challenges.push(self.one(self.bearer_scheme, None, (!in_dpop).then_some(&details)));
        }
        if let Some(algs) = self.dpop_algs {
            challenges.push(self.one("DPoP", Some(algs), in_dpop.then_some(&details)));
        }
        Some(challenges.join(", "))
    }

    /// One scheme's challenge, with the error's `details` if it is the
    /// one that concerns it.
    fn one(&self, scheme: &str, algs: Option<&str>, details: Option<&Details<'_>>) -> String {
        let mut challenge = format!(r#"{scheme} realm="{}""#, QuotedText::new(self.realm));
        let mut add = |name: &str, value: &dyn fmt::Display| {
            challenge.push_str(&format!(r#", {name}="{}""#, QuotedText::new(value)));
        };
        if let Some(algs) = algs {
            add("algs", &algs);
        }
        if let Some(url) = self.resource_metadata {
            add("resource_metadata", &url);
        }
        let Some(details) = details else { return challenge };
        if let Some(code) = details.code {
            add("error", &code);
            match details.error {
                AuthError::Forbidden(denial) => add("error_description", denial),
                error => add("error_description", error),
            }
        }
        if let Some(scope) = details.scope {
            add("scope", &scope);
        }
        if let AuthError::InsufficientAuthentication { acr_values, max_age } = details.error {
            if !acr_values.is_empty() {
                add("acr_values", &acr_values.join(" "));
            }
            if let Some(max_age) = max_age {
                add("max_age", max_age);
            }
        }
        challenge
    }
}

/// What a challenge says of an error.
struct Details<'e> {
    error: &'e AuthError,
    code: Option<&'static str>,
    scope: Option<&'e str>,
}

impl AuthError {
    /// The `Bearer` challenge for this error, if it has one, in `realm`,
    /// and nothing more: for the app's own challenges, the `DPoP` one and
    /// the protected-resource metadata included, use
    /// [`JwtGuard::challenge`](crate::JwtGuard::challenge), as the fairing
    /// does.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::TokenProblem};
    ///
    /// let error = AuthError::InvalidToken(TokenProblem::Expired);
    /// assert_eq!(
    ///     error.challenge("api").unwrap(),
    ///     r#"Bearer realm="api", error="invalid_token", error_description="the token has expired""#,
    /// );
    /// assert_eq!(AuthError::MissingToken.challenge("api").unwrap(), r#"Bearer realm="api""#);
    /// ```
    ///
    /// Every quoted value keeps to the characters RFC 6750 allows in one
    /// (`%x20-21 / %x23-5B / %x5D-7E`), whatever it was built from.
    pub fn challenge(&self, realm: &str) -> Option<String> {
        Challenge::bearer(realm).write(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ProofProblem, TokenProblem};

    const BOTH: Challenge<'static> = Challenge {
        realm: "api",
        bearer_scheme: "Bearer",
        resource_metadata: None,
        bearer: true,
        dpop_algs: Some("ES256 EdDSA"),
        route_scopes: &["read"],
        scheme: Scheme::Bearer,
    };

    #[test]
    fn each_accepted_scheme_has_a_challenge_and_the_error_goes_to_its_own() {
        assert_eq!(
            BOTH.write(&AuthError::MissingToken).unwrap(),
            r#"Bearer realm="api", scope="read", DPoP realm="api", algs="ES256 EdDSA""#
        );
        assert_eq!(
            BOTH.write(&AuthError::InvalidProof(ProofProblem::Replayed)).unwrap(),
            r#"Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="the DPoP proof was used before", scope="read""#
        );
        let with_dpop = Challenge { scheme: Scheme::Dpop, ..BOTH };
        assert_eq!(
            with_dpop.write(&AuthError::InvalidToken(TokenProblem::Expired)).unwrap(),
            r#"Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA", error="invalid_token", error_description="the token has expired", scope="read""#
        );
        let dpop_only = Challenge { bearer: false, route_scopes: &[], ..BOTH };
        assert_eq!(dpop_only.write(&AuthError::MissingToken).unwrap(), r#"DPoP realm="api", algs="ES256 EdDSA""#);
        let prefixed = Challenge { bearer_scheme: "JWT", dpop_algs: None, ..BOTH };
        assert_eq!(prefixed.write(&AuthError::MissingToken).unwrap(), r#"JWT realm="api", scope="read""#);
        let bearer_only = Challenge { dpop_algs: None, ..BOTH };
        assert_eq!(
            bearer_only.write(&AuthError::UseDpopNonce).unwrap(),
            r#"Bearer realm="api", error="use_dpop_nonce", error_description="the DPoP proof must carry the nonce of the `DPoP-Nonce` header", scope="read""#
        );
    }
}
