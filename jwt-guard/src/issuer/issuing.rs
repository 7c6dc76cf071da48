//! The built-in issuer: what a login grants, the access tokens it signs,
//! and the public keys it publishes so that other services can verify
//! them. Sessions (logins, their refresh tokens, logout) are
//! [`JwtGuard`](crate::JwtGuard)'s, which keeps them in the token store.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::clock;
use crate::config::LocalIssuerSettings;
use crate::keys::signing::{SigningKey, SigningKeyError, random_id};
use crate::token::{ACCESS_TYPE, Binding};

/// Claims that the issuer sets itself and that a grant cannot override.
const REGISTERED: [&str; 12] =
    ["iss", "sub", "aud", "client_id", "exp", "nbf", "iat", "jti", "scope", "sid", "cnf", "auth_time"];

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
/// use jwt_guard::issuer::Grant;
///
/// let grant = Grant::new("user2").scopes(["read", "admin"]).claim("role", "admin");
/// assert_eq!(grant.subject, "user2");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    ///
    /// ```
    /// use jwt_guard::issuer::Grant;
    ///
    /// // The user's stable id, not the name it logs in with, which may change.
    /// let grant = Grant::new("user-42");
    /// assert_eq!(grant.subject, "user-42");
    /// assert!(grant.scopes.is_empty() && grant.claims.is_empty());
    /// ```
    pub fn new(subject: impl Into<String>) -> Self {
        Self { subject: subject.into(), ..Self::default() }
    }

    /// Adds scopes.
    ///
    /// ```
    /// use jwt_guard::issuer::Grant;
    ///
    /// let roles_scopes = vec![String::from("reports:write")]; // from the app's database, say
    /// let grant = Grant::new("user-42").scopes(["reports:read"]).scopes(roles_scopes);
    /// assert_eq!(grant.scopes, ["reports:read", "reports:write"]);
    /// ```
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// States how the user authenticated (`acr`, RFC 9470): after a second
    /// factor, say. Policies can require it with `acr = "..."`.
    ///
    /// ```
    /// use jwt_guard::issuer::Grant;
    ///
    /// let grant = Grant::new("user2").acr("urn:example:mfa");
    /// assert_eq!(grant.claims["acr"], "urn:example:mfa");
    /// ```
    pub fn acr(self, acr: impl Into<String>) -> Self {
        self.claim("acr", acr.into())
    }

    /// Adds a claim. The registered claims (`iss`, `sub`, `aud`,
    /// `client_id`, `exp`, `nbf`, `iat`, `jti`, `scope`, `sid`, `cnf`,
    /// `auth_time`) are the issuer's to set and are left out; an `events` object would make the
    /// token a Security Event Token, which no verifier takes for an access
    /// token.
    ///
    /// ```
    /// use jwt_guard::issuer::Grant;
    /// use serde_json::json;
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         let mut local = LocalIssuerConfig::default();
    /// #         local.issuer = Some("https://api.example.com".into());
    /// #         config.local = Some(local);
    /// #     })
    /// #     .build()?;
    ///
    /// let grant = Grant::new("user-42").claim("tenant", "acme").claim("sub", "admin");
    /// let tokens = guard.local_issuer().expect("configured").issue(&grant)?;
    /// let token = rocket::execute(guard.verifier().verify(&tokens.access_token))?;
    /// assert_eq!(token.claim("tenant"), Some(&json!("acme")));
    /// assert_eq!(token.subject(), Some("user-42"), "`sub` is the issuer's to set");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }
}

/// When an access token is issued, and when its user logged in (the
/// `auth_time` that RFC 9470's `max_age` checks): a refreshed token is
/// not a fresh login.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Issuance {
    pub(crate) issued_at: u64,
    pub(crate) auth_time: u64,
}

/// What a token is bound to (its `cnf` claim, RFC 7800): the key of a
/// DPoP proof, or a client certificate, that the login presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub(crate) enum Confirmation {
    /// `{"jkt": ...}`: the RFC 7638 thumbprint of a DPoP key (RFC 9449).
    #[serde(rename = "jkt")]
    Dpop(String),
    /// `{"x5t#S256": ...}`: the SHA-256 thumbprint of a client
    /// certificate (RFC 8705).
    #[serde(rename = "x5t#S256")]
    Certificate(String),
}

impl Confirmation {
    /// What a token bound as `binding` is confirmed by; `None` for a
    /// bearer token.
    pub(crate) fn of(binding: Binding<'_>) -> Option<Self> {
        match binding {
            Binding::Bearer => None,
            Binding::Dpop { thumbprint } => Some(Self::Dpop(thumbprint.to_owned())),
            Binding::Certificate { thumbprint } => Some(Self::Certificate(thumbprint.to_owned())),
        }
    }

    /// How a token confirmed by `confirmation` is bound: the inverse of
    /// [`Confirmation::of`].
    #[cfg(feature = "rocket")]
    pub(crate) fn binding_of(confirmation: Option<&Self>) -> Binding<'_> {
        match confirmation {
            None => Binding::Bearer,
            Some(Self::Dpop(thumbprint)) => Binding::Dpop { thumbprint },
            Some(Self::Certificate(thumbprint)) => Binding::Certificate { thumbprint },
        }
    }
}

/// Tokens issued at login or refresh: the body of a successful
/// `POST {auth_path}` or `POST {auth_path}/refresh`.
///
/// Its `Debug` shows neither token.
///
/// ```
/// use jwt_guard::issuer::Grant;
/// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
/// # let guard = JwtGuard::builder()
/// #     .configure(|config| {
/// #         let mut local = LocalIssuerConfig::default();
/// #         local.issuer = Some("https://api.example.com".into());
/// #         config.local = Some(local);
/// #     })
/// #     .build()?;
///
/// let tokens = guard.local_issuer().expect("configured").issue(&Grant::new("user-42"))?;
/// assert_eq!((tokens.token_type, tokens.expires_in), ("Bearer", 300));
/// assert_eq!(tokens.refresh_token, None, "no `refresh_expires_in`, no session");
/// let body = serde_json::to_value(&tokens)?;
/// assert_eq!(body["access_token"], tokens.access_token.as_str());
/// assert!(body.get("refresh_token").is_none(), "left out, not `null`");
/// assert!(!format!("{tokens:?}").contains(&tokens.access_token), "safe to log");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IssuedTokens {
    /// The signed access token.
    pub access_token: String,
    /// `DPoP` for a token bound to a DPoP key, else `Bearer` (RFC 9449
    /// section 5).
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The session's refresh token, when `refresh_expires_in` is
    /// configured: `jgrt_` and 256 random bits, to exchange once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for IssuedTokens {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IssuedTokens")
            .field("access_token", &"***")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The built-in issuer: it signs access and refresh tokens with its key
/// and publishes the public keys. [`JwtGuard`](crate::JwtGuard) builds it
/// from `[jwt_guard.local]` and serves its routes.
///
/// ```
/// use jwt_guard::JwtGuard;
/// use jwt_guard::config::LocalIssuerConfig;
///
/// let guard = JwtGuard::builder()
///     .configure(|config| {
///         let mut local = LocalIssuerConfig::default();
///         local.issuer = Some("https://api.example.com".into());
///         config.local = Some(local);
///     })
///     .build()?;
/// let issuer = guard.local_issuer().expect("`[jwt_guard.local]` is configured");
/// assert_eq!((issuer.issuer(), issuer.auth_path()), ("https://api.example.com", "/auth"));
/// # Ok::<(), jwt_guard::error::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct LocalIssuer {
    settings: LocalIssuerSettings,
    /// What the app serves of its sessions, if it logs users in.
    sessions: Option<SessionsServed>,
}

/// What an app that logs users in serves of their sessions: login,
/// refresh and revocation routes, which take DPoP proofs signed with
/// these algorithms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionsServed {
    pub(crate) dpop_algorithms: AlgorithmSet,
}

impl LocalIssuer {
    /// The issuer of checked settings, its keys loaded, whose app serves
    /// `sessions`, if it logs users in.
    pub(crate) fn new(settings: LocalIssuerSettings, sessions: Option<SessionsServed>) -> Self {
        Self { settings, sessions }
    }

    /// Where its login routes are mounted: `auth_path`.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::config::LocalIssuerConfig;
    ///
    /// let guard = JwtGuard::builder()
    ///     .configure(|config| {
    ///         let mut local = LocalIssuerConfig::default();
    ///         local.auth_path = "/api/auth".into();
    ///         config.local = Some(local);
    ///     })
    ///     .build()?;
    /// let issuer = guard.local_issuer().expect("configured");
    /// // Clients log in at `POST /api/auth`, and refresh at `POST /api/auth/refresh`:
    /// assert_eq!(format!("{}/refresh", issuer.auth_path()), "/api/auth/refresh");
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn auth_path(&self) -> &str {
        &self.settings.auth_path
    }

    /// The username and password of a login request's JSON body, read
    /// from the members `username_key` and `password_key` name.
    ///
    /// An app's own login route (one that takes another body, say) reads
    /// them so:
    ///
    /// ```
    /// use serde_json::json;
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         let mut local = LocalIssuerConfig::default();
    /// #         local.username_key = "email".into();
    /// #         config.local = Some(local);
    /// #     })
    /// #     .build()?;
    ///
    /// // With `username_key = "email"`:
    /// let issuer = guard.local_issuer().expect("configured");
    /// let body = json!({ "email": "ada@example.com", "password": "correct horse" });
    /// assert_eq!(issuer.credentials(body.as_object().unwrap()), Ok(("ada@example.com", "correct horse")));
    /// // The name of what is missing, for a 400's description:
    /// let body = json!({ "email": "ada@example.com", "password": 1234 });
    /// assert_eq!(issuer.credentials(body.as_object().unwrap()), Err("password"));
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
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
    ///
    /// ```
    /// use jwt_guard::issuer::Grant;
    /// use serde_json::json;
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         let mut local = LocalIssuerConfig::default();
    /// #         local.issuer = Some("https://api.example.com".into());
    /// #         config.local = Some(local);
    /// #     })
    /// #     .build()?;
    ///
    /// // With `issuer = "https://api.example.com"`:
    /// let issuer = guard.local_issuer().expect("configured");
    /// let tokens = issuer.issue(&Grant::new("user-42"))?;
    /// let token = rocket::execute(guard.verifier().verify(&tokens.access_token))?;
    /// assert_eq!(token.claim("iss"), Some(&json!(issuer.issuer())));
    /// assert_eq!(issuer.issuer(), "https://api.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The `aud` of its tokens.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::config::LocalIssuerConfig;
    ///
    /// let guard = JwtGuard::builder()
    ///     .configure(|config| {
    ///         let mut local = LocalIssuerConfig::default();
    ///         local.issuer = Some("https://auth.example.com".into());
    ///         config.local = Some(local);
    ///     })
    ///     .build()?;
    /// let issuer = guard.local_issuer().expect("configured");
    /// assert_eq!(issuer.audience(), "https://auth.example.com", "without `audience` or `resource`: the issuer");
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn audience(&self) -> &str {
        &self.settings.audience
    }

    /// Signs an access token for `grant`, outside any session: it can be
    /// revoked by its `jti` only. Logins through [`JwtGuard`](crate::JwtGuard)
    /// also start a session, with a refresh token.
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::config::LocalIssuerConfig;
    /// use jwt_guard::issuer::Grant;
    ///
    /// // A token for a batch job of the app's own, which calls the API.
    /// let guard = JwtGuard::builder().configure(|config| config.local = Some(LocalIssuerConfig::default())).build()?;
    /// let issuer = guard.local_issuer().expect("configured");
    /// let tokens = issuer.issue(&Grant::new("nightly-report").scopes(["reports:write"]))?;
    /// let token = rocket::execute(guard.verifier().verify(&tokens.access_token))?;
    /// assert!(token.has_scope("reports:write"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The key cannot sign, or no random bits could be had.
    pub fn issue(&self, grant: &Grant) -> Result<IssuedTokens, SigningKeyError> {
        let now = clock::unix_now_secs();
        self.access_tokens(grant, None, Issuance { issued_at: now, auth_time: now }, None, None)
    }

    /// Signs an access token for `grant`, of the session `sid` if any,
    /// bound to `confirmation` if any, beside `refresh_token`.
    pub(crate) fn access_tokens(
        &self,
        grant: &Grant,
        sid: Option<&str>,
        Issuance { issued_at, auth_time }: Issuance,
        refresh_token: Option<String>,
        confirmation: Option<&Confirmation>,
    ) -> Result<IssuedTokens, SigningKeyError> {
        let settings = &self.settings;
        let mut claims = unregistered(&grant.claims);
        let signing = &settings.signing;
        for (name, value) in [
            ("iss", json!(settings.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(settings.audience)),
            ("client_id", json!(settings.client_id)),
            ("iat", json!(issued_at)),
            ("nbf", json!(issued_at + settings.not_before.as_secs())),
            ("exp", json!(issued_at + settings.expires_in.as_secs())),
            ("jti", json!(random_id(16)?)),
            ("scope", json!(grant.scopes.join(" "))),
            ("auth_time", json!(auth_time)),
        ] {
            claims.insert(name.into(), value);
        }
        if let Some(sid) = sid {
            claims.insert("sid".into(), json!(sid));
        }
        if let Some(confirmation) = confirmation {
            claims.insert("cnf".into(), json!(confirmation));
        }
        let access_token = signing.sign(ACCESS_TYPE, &claims)?;
        let token_type = match confirmation {
            Some(Confirmation::Dpop(_)) => "DPoP",
            _ => "Bearer",
        };
        Ok(IssuedTokens { access_token, token_type, expires_in: settings.expires_in.as_secs(), refresh_token })
    }

    /// Its settings, for the sessions of its logins.
    pub(crate) fn settings(&self) -> &LocalIssuerSettings {
        &self.settings
    }

    /// The public keys as a JWKS: the signing key first, then retired
    /// ones. Empty for an HMAC secret.
    ///
    /// Another service of the app trusts its tokens by them (served at
    /// `/.well-known/jwks.json`, or given inline):
    ///
    /// ```
    /// use jwt_guard::config::{Config, IssuerConfig};
    /// use jwt_guard::issuer::Grant;
    /// use jwt_guard::verify::Verifier;
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         let mut local = LocalIssuerConfig::default();
    /// #         local.issuer = Some("https://api.example.com".into());
    /// #         config.local = Some(local);
    /// #     })
    /// #     .build()?;
    ///
    /// let issuer = guard.local_issuer().expect("configured");
    /// let trusted = IssuerConfig::new(issuer.issuer(), issuer.audience()).inline_jwks(issuer.jwks());
    /// let mut config = Config::default();
    /// config.issuers.insert("api".into(), trusted);
    /// let tokens = issuer.issue(&Grant::new("nightly-report"))?;
    /// let token = rocket::execute(Verifier::new(&config)?.verify(&tokens.access_token))?;
    /// assert_eq!(token.subject(), Some("nightly-report"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jwks(&self) -> Value {
        let settings = &self.settings;
        let keys: Vec<Value> =
            std::iter::once(&settings.signing).chain(&settings.retired).filter_map(SigningKey::public_jwk).collect();
        json!({ "keys": keys })
    }

    /// The discovery document (OpenID Connect Discovery, RFC 8414): the
    /// issuer, its `jwks_uri` and algorithms, and, where the app serves
    /// its sessions (it logs users in), its RFC 7009
    /// `revocation_endpoint` and, where refresh tokens are issued, the
    /// `token_endpoint` of the `refresh_token` grant, neither asking for
    /// client authentication, and the algorithms of the DPoP proofs that
    /// bind tokens there (RFC 9449 section 5.1). The endpoints are the
    /// issuer's URL with the `auth_path` routes, as `jwks_uri` is with its
    /// well-known one: the issuer is the app's own URL. No authorization
    /// endpoint: no response type, and no grant but the refresh.
    ///
    /// ```
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::StaticUsers};
    /// # let configure = |config: &mut jwt_guard::config::Config| {
    /// #     let mut local = LocalIssuerConfig::default();
    /// #     local.issuer = Some("https://api.example.com".into());
    /// #     config.local = Some(local);
    /// # };
    /// # let guard = JwtGuard::builder().configure(configure).login(StaticUsers::new()).build()?;
    /// # let without_logins = JwtGuard::builder().configure(configure).build()?;
    ///
    /// // With `issuer = "https://api.example.com"`, an Ed25519 key, and logins:
    /// let issuer = guard.local_issuer().expect("configured");
    /// let document = issuer.discovery_document();
    /// assert_eq!(document["issuer"], "https://api.example.com");
    /// assert_eq!(document["jwks_uri"], "https://api.example.com/.well-known/jwks.json");
    /// assert_eq!(document["id_token_signing_alg_values_supported"], serde_json::json!(["EdDSA"]));
    /// assert_eq!(document["revocation_endpoint"], "https://api.example.com/auth/revoke");
    /// // Without `refresh_expires_in`, no refresh tokens, and no grant of them:
    /// assert_eq!(document.get("token_endpoint"), None);
    /// assert_eq!(document["grant_types_supported"], serde_json::json!([]));
    /// // An app that logs no user in serves no sessions to revoke:
    /// let document = without_logins.local_issuer().expect("configured").discovery_document();
    /// assert_eq!(document.get("revocation_endpoint"), None);
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn discovery_document(&self) -> Value {
        let settings = &self.settings;
        let base = settings.issuer.trim_end_matches('/');
        let algorithm = settings.signing.algorithm().name();
        let mut document = json!({
            "issuer": settings.issuer,
            "jwks_uri": format!("{base}/.well-known/jwks.json"),
            "id_token_signing_alg_values_supported": [algorithm],
            "response_types_supported": [],
            "grant_types_supported": [],
        });
        if let Some(sessions) = self.sessions {
            let dpop_algorithms: Vec<&str> = sessions.dpop_algorithms.iter().map(Algorithm::name).collect();
            document["dpop_signing_alg_values_supported"] = json!(dpop_algorithms);
            document["revocation_endpoint"] = json!(format!("{base}{}/revoke", settings.auth_path));
            document["revocation_endpoint_auth_methods_supported"] = json!(["none"]);
            if settings.refresh_expires_in.is_some() {
                document["token_endpoint"] = json!(format!("{base}{}/refresh", settings.auth_path));
                document["grant_types_supported"] = json!(["refresh_token"]);
                document["token_endpoint_auth_methods_supported"] = json!(["none"]);
            }
        }
        document
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::config::{Defaults, LocalIssuerConfig};

    #[test]
    fn tokens_carry_the_grant_and_registered_claims_cannot_be_overridden() {
        let defaults = Defaults { own_address: "https://api.test", debug_build: true, ..Defaults::STANDALONE };
        let issuer = LocalIssuer::new(LocalIssuerConfig::default().settings(defaults, None).unwrap(), None);
        let grant = Grant::new("ada")
            .scopes(["read", "write"])
            .claim("role", "admin")
            .claim("iss", "https://evil.test")
            .claim("client_id", "forged")
            .claim("sid", "forged");
        let tokens = issuer
            .access_tokens(
                &grant,
                Some("session-1"),
                Issuance { issued_at: 1_900_000_000, auth_time: 1_899_999_000 },
                None,
                None,
            )
            .unwrap();
        let payload = tokens.access_token.split('.').nth(1).unwrap();
        let claims: Map<String, Value> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["iss"], "https://api.test");
        assert_eq!(claims["client_id"], "https://api.test", "by default, the audience");
        assert_eq!(
            (claims["sub"].clone(), claims["scope"].clone(), claims["role"].clone()),
            (json!("ada"), json!("read write"), json!("admin"))
        );
        assert_eq!((claims["sid"].clone(), claims["iat"].clone()), (json!("session-1"), json!(1_900_000_000)));
        assert_eq!(claims["exp"], json!(1_900_000_300));
        assert_eq!(tokens.refresh_token, None);
    }

    #[test]
    fn issued_tokens_debug_shows_neither_token() {
        let tokens = IssuedTokens {
            access_token: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl".into(),
            token_type: "Bearer",
            expires_in: 300,
            refresh_token: Some("a-refresh-token".into()),
        };
        assert_eq!(
            format!("{tokens:?}"),
            r#"IssuedTokens { access_token: "***", token_type: "Bearer", expires_in: 300, refresh_token: Some("***") }"#
        );
    }
}
