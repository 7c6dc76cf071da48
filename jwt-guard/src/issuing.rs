//! The built-in issuer: it logs users in through the app's
//! [`Authenticator`], signs access and refresh tokens, and publishes its
//! public keys so that other services can verify them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::algorithm::Algorithm;
use crate::config::LocalIssuerConfig;
use crate::error::ConfigError;
use crate::keys::KeySet;
use crate::signing::{SigningKey, SigningKeyError};

/// The `typ` of access tokens (RFC 9068).
pub(crate) const ACCESS_TYPE: &str = "at+jwt";
/// The `typ` of refresh tokens, which are never accepted as access tokens.
pub(crate) const REFRESH_TYPE: &str = "refresh+jwt";

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

/// The built-in issuer's keys and settings.
#[derive(Debug)]
pub struct LocalIssuer {
    issuer: String,
    audience: String,
    expires_in: Duration,
    not_before: Duration,
    refresh_expires_in: Option<Duration>,
    signing: SigningKey,
    retired: Vec<SigningKey>,
}

impl LocalIssuer {
    /// Loads the issuer of `config`; `default_issuer` is the app's own
    /// address. Without a key, one is generated if `allow_ephemeral`.
    pub(crate) fn load(
        config: &LocalIssuerConfig,
        default_issuer: &str,
        allow_ephemeral: bool,
    ) -> Result<Self, ConfigError> {
        let error = |key: &str, problem: String| ConfigError { key: format!("local.{key}"), problem };
        let alg: Algorithm = config.algorithm.parse().map_err(|_| {
            error("algorithm", format!("unknown algorithm `{}`; use EdDSA, ES256, RS256 or HS256", config.algorithm))
        })?;
        let read = |path: &std::path::Path, key: &str| {
            std::fs::read(path).map_err(|io| error(key, format!("cannot read {}: {io}", path.display())))
        };
        let signing = match (&config.key_file, &config.secret) {
            (Some(_), Some(_)) => return Err(error("secret", "give `key_file` or `secret`, not both".into())),
            (Some(path), None) => SigningKey::from_pem(alg, &read(path, "key_file")?),
            (None, Some(secret)) => SigningKey::from_secret(alg, secret.as_bytes()),
            (None, None) if allow_ephemeral => {
                log::warn!(
                    "jwt-guard: ***** the local issuer has no key: using a fresh {alg} key for this run only; \
                     tokens die with the process. Set `key_file` or `secret` in `[jwt_guard.local]` *****"
                );
                SigningKey::generate(alg)
            }
            (None, None) => {
                return Err(error(
                    "key_file",
                    "a release build needs a signing key: set `key_file` to a PKCS#8 PEM private key \
                     (`openssl genpkey -algorithm ED25519 -out signing.pem`) or, for HS256, `secret`"
                        .into(),
                ));
            }
        }
        .map_err(|problem| error(if config.secret.is_some() { "secret" } else { "key_file" }, problem.to_string()))?;
        let retired = config
            .retired_key_files
            .iter()
            .map(|path| {
                SigningKey::from_pem(alg, &read(path, "retired_key_files")?)
                    .map_err(|problem| error("retired_key_files", problem.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let issuer = config.issuer.clone().unwrap_or_else(|| default_issuer.to_owned());
        let audience = config.audience.clone().unwrap_or_else(|| issuer.clone());
        Ok(Self {
            issuer,
            audience,
            expires_in: config.expires_in,
            not_before: config.not_before,
            refresh_expires_in: config.refresh_expires_in,
            signing,
            retired,
        })
    }

    /// The `iss` of its tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of its tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The algorithm it signs with.
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.signing.algorithm()
    }

    /// The keys that verify its tokens: the signing key and retired ones.
    pub(crate) fn key_set(&self) -> KeySet {
        KeySet::new(std::iter::once(&self.signing).chain(&self.retired).map(SigningKey::verifying_key).collect())
    }

    /// Signs an access token, and a refresh token when they are enabled.
    pub fn issue(&self, grant: &Grant) -> Result<IssuedTokens, SigningKeyError> {
        let access_token = self.sign(grant, ACCESS_TYPE, self.expires_in)?;
        let refresh_token =
            self.refresh_expires_in.map(|lifetime| self.sign(grant, REFRESH_TYPE, lifetime)).transpose()?;
        Ok(IssuedTokens { access_token, token_type: "Bearer", expires_in: self.expires_in.as_secs(), refresh_token })
    }

    /// Whether refresh tokens are issued.
    pub(crate) fn issues_refresh_tokens(&self) -> bool {
        self.refresh_expires_in.is_some()
    }

    fn sign(&self, grant: &Grant, typ: &str, lifetime: Duration) -> Result<String, SigningKeyError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut claims = unregistered(&grant.claims);
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).map_err(|_| SigningKeyError::Generation(self.algorithm()))?;
        for (name, value) in [
            ("iss", json!(self.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(self.audience)),
            ("iat", json!(now)),
            ("nbf", json!(now + self.not_before.as_secs())),
            ("exp", json!(now + lifetime.as_secs())),
            ("jti", json!(URL_SAFE_NO_PAD.encode(jti))),
            ("scope", json!(grant.scopes.join(" "))),
        ] {
            claims.insert(name.into(), value);
        }
        self.signing.sign(typ, &claims)
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
        let keys: Vec<Value> =
            std::iter::once(&self.signing).chain(&self.retired).filter_map(SigningKey::public_jwk).collect();
        json!({ "keys": keys })
    }

    /// The OpenID discovery document: issuer, `jwks_uri` and algorithms.
    pub fn discovery_document(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{}/.well-known/jwks.json", self.issuer.trim_end_matches('/')),
            "id_token_signing_alg_values_supported": [self.signing.algorithm().name()],
            "token_endpoint_auth_signing_alg_values_supported": [self.signing.algorithm().name()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_key_only_a_debug_build_generates_one() {
        let config = LocalIssuerConfig::default();
        let error = LocalIssuer::load(&config, "http://127.0.0.1:8000", false).unwrap_err();
        assert_eq!(error.key, "local.key_file");
        assert!(error.problem.starts_with("a release build needs a signing key: set `key_file`"), "{error}");
        let generated = LocalIssuer::load(&config, "http://127.0.0.1:8000", true).unwrap();
        assert_eq!((generated.issuer(), generated.audience()), ("http://127.0.0.1:8000", "http://127.0.0.1:8000"));
    }

    #[test]
    fn short_secrets_and_unknown_algorithms_are_refused() {
        let config =
            LocalIssuerConfig { algorithm: "HS256".into(), secret: Some("too short".into()), ..Default::default() };
        let error = LocalIssuer::load(&config, "https://api.test", true).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad `jwt_guard.local.secret`: a HS256 secret needs at least 32 bytes; this one has 9"
        );
        let config = LocalIssuerConfig { algorithm: "none".into(), ..Default::default() };
        assert_eq!(LocalIssuer::load(&config, "https://api.test", true).unwrap_err().key, "local.algorithm");
    }

    #[test]
    fn tokens_carry_the_grant_and_registered_claims_cannot_be_overridden() {
        let config = LocalIssuerConfig { refresh_expires_in: Some(Duration::from_secs(60)), ..Default::default() };
        let issuer = LocalIssuer::load(&config, "https://api.test", true).unwrap();
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
