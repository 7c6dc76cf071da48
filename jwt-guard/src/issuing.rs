//! The built-in issuer: it logs users in through the app's
//! [`Authenticator`], signs access and refresh tokens, and publishes its
//! public keys so that other services can verify them.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::clock;
use crate::config::LocalIssuerSettings;
use crate::signing::{SigningKey, SigningKeyError};
use crate::token::{ACCESS_TYPE, REFRESH_TYPE};

/// Claims that the issuer sets itself and that a grant cannot override.
const REGISTERED: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope"];

/// The claims of `claims` that the issuer does not set itself.
fn unregistered(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .filter(|(name, _)| !REGISTERED.contains(&name.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What a successful login grants: the subject, its scopes and any other
/// claims to put in its tokens.
///
/// ```
/// use jwt_guard::Grant;
///
/// let grant = Grant::new("user2").scopes(["read", "admin"]).claim("role", "admin");
/// assert_eq!(grant.subject, "user2");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Grant {
    /// The `sub` of the tokens.
    pub subject: String,
    /// The scopes, written to `scope` space-delimited.
    pub scopes: Vec<String>,
    /// Other claims. Registered claims (`iss`, `exp`, ...) are ignored.
    pub claims: Map<String, Value>,
}

impl Grant {
    /// A grant for `subject` with no scopes.
    pub fn new(subject: impl Into<String>) -> Self {
        Self { subject: subject.into(), ..Self::default() }
    }

    /// Adds scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds a claim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }
}

/// Tokens issued at login: the body of a successful `POST /auth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedTokens {
    /// The signed access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// A refresh token, when `refresh_expires_in` is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// The built-in issuer: it signs access and refresh tokens with its key
/// and publishes the public keys. [`JwtGuard`](crate::JwtGuard) builds it
/// from `[jwt_guard.local]` and serves its routes.
#[derive(Debug)]
pub struct LocalIssuer {
    settings: LocalIssuerSettings,
}

impl LocalIssuer {
    /// The issuer of checked settings, its keys loaded.
    pub(crate) fn new(settings: LocalIssuerSettings) -> Self {
        Self { settings }
    }

    /// Where its login routes are mounted: `auth_path`.
    pub fn auth_path(&self) -> &str {
        &self.settings.auth_path
    }

    /// The username and password of a login request's JSON body, read
    /// from the members `username_key` and `password_key` name.
    ///
    /// # Errors
    ///
    /// The name of the member that is missing or not a string.
    pub fn credentials<'a>(&self, body: &'a Map<String, Value>) -> Result<(&'a str, &'a str), &str> {
        let (username_key, password_key) = (&self.settings.username_key, &self.settings.password_key);
        let username = body.get(username_key).and_then(Value::as_str).ok_or(username_key.as_str())?;
        let password = body.get(password_key).and_then(Value::as_str).ok_or(password_key.as_str())?;
        Ok((username, password))
    }

    /// The `iss` of its tokens.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The `aud` of its tokens.
    pub fn audience(&self) -> &str {
        &self.settings.audience
    }

    /// Signs an access token, and a refresh token when they are enabled.
    pub fn issue(&self, grant: &Grant) -> Result<IssuedTokens, SigningKeyError> {
        let settings = &self.settings;
        let access_token = self.sign(grant, ACCESS_TYPE, settings.expires_in)?;
        let refresh_token =
            settings.refresh_expires_in.map(|lifetime| self.sign(grant, REFRESH_TYPE, lifetime)).transpose()?;
        Ok(IssuedTokens {
            access_token,
            token_type: "Bearer",
            expires_in: settings.expires_in.as_secs(),
            refresh_token,
        })
    }

    /// Whether refresh tokens are issued.
    pub fn issues_refresh_tokens(&self) -> bool {
        self.settings.refresh_expires_in.is_some()
    }

    fn sign(&self, grant: &Grant, typ: &str, lifetime: Duration) -> Result<String, SigningKeyError> {
        let now = clock::unix_now_secs();
        let mut claims = unregistered(&grant.claims);
        let mut jti = [0u8; 16];
        let signing = &self.settings.signing;
        aws_lc_rs::rand::fill(&mut jti).map_err(|_| SigningKeyError::Generation(signing.algorithm()))?;
        for (name, value) in [
            ("iss", json!(self.settings.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(self.settings.audience)),
            ("iat", json!(now)),
            ("nbf", json!(now + self.settings.not_before.as_secs())),
            ("exp", json!(now + lifetime.as_secs())),
            ("jti", json!(URL_SAFE_NO_PAD.encode(jti))),
            ("scope", json!(grant.scopes.join(" "))),
        ] {
            claims.insert(name.into(), value);
        }
        signing.sign(typ, &claims)
    }

    /// The grant a verified refresh token carries.
    pub(crate) fn grant_of(claims: &Map<String, Value>) -> Grant {
        let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or_default();
        Grant {
            subject: claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned(),
            scopes: scopes.split(' ').filter(|scope| !scope.is_empty()).map(str::to_owned).collect(),
            claims: unregistered(claims),
        }
    }

    /// The public keys as a JWKS: the signing key first, then retired
    /// ones. Empty for an HMAC secret.
    pub fn jwks(&self) -> Value {
        let settings = &self.settings;
        let keys: Vec<Value> =
            std::iter::once(&settings.signing).chain(&settings.retired).filter_map(SigningKey::public_jwk).collect();
        json!({ "keys": keys })
    }

    /// The OpenID discovery document: issuer, `jwks_uri` and algorithms.
    pub fn discovery_document(&self) -> Value {
        json!({
            "issuer": self.settings.issuer,
            "jwks_uri": format!("{}/.well-known/jwks.json", self.settings.issuer.trim_end_matches('/')),
            "id_token_signing_alg_values_supported": [self.settings.signing.algorithm().name()],
            "token_endpoint_auth_signing_alg_values_supported": [self.settings.signing.algorithm().name()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LocalDefaults, LocalIssuerConfig};

    #[test]
    fn tokens_carry_the_grant_and_registered_claims_cannot_be_overridden() {
        let config = LocalIssuerConfig { refresh_expires_in: Some(Duration::from_secs(60)), ..Default::default() };
        let defaults = LocalDefaults { issuer: "https://api.test", allow_ephemeral: true };
        let issuer = LocalIssuer::new(config.settings(defaults).unwrap());
        let grant =
            Grant::new("ada").scopes(["read", "write"]).claim("role", "admin").claim("iss", "https://evil.test");
        let tokens = issuer.issue(&grant).unwrap();
        let payload = tokens.access_token.split('.').nth(1).unwrap();
        let claims: Map<String, Value> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["iss"], "https://api.test");
        assert_eq!(
            (claims["sub"].clone(), claims["scope"].clone(), claims["role"].clone()),
            (json!("ada"), json!("read write"), json!("admin"))
        );
        assert_eq!(LocalIssuer::grant_of(&claims), Grant::new("ada").scopes(["read", "write"]).claim("role", "admin"));
        assert!(tokens.refresh_token.is_some());
    }
}
