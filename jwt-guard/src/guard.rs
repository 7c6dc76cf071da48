//! [`JwtGuard`]: what an app holds to authenticate requests, whatever its
//! web framework: the verifier, the built-in issuer, and the settings of
//! its challenges, all built from one checked configuration. The Rocket
//! wing manages it as state; its fairing and builder live there.

use std::sync::Arc;

use crate::bearer;
use crate::config::{Config, LocalDefaults, Settings};
use crate::error::{AuthError, ConfigError};
use crate::issuing::{IssuedTokens, LocalIssuer};
use crate::revocation::RevocationList;
use crate::signing::SigningKeyError;
use crate::token::Token;
use crate::verify::Verifier;

/// What an app holds to authenticate requests: the verifier, the built-in
/// issuer, and how challenges are written. Rocket apps never build one:
/// attach [`JwtGuard::fairing()`], which builds it at ignite and manages
/// it as state, and the [`Token`](crate::Token) and
/// [`Claims`](crate::Claims) guards work on every route:
///
/// ```rust,no_run
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, Token};
///
/// #[get("/me")]
/// fn me(token: Token) -> String {
///     format!("hello, {}", token.subject().unwrap_or("stranger"))
/// }
///
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build()
///         .attach(JwtGuard::fairing())
///         .register("/", jwt_guard::catchers())
///         .mount("/", routes![me])
/// }
/// ```
///
/// with the issuers in `Rocket.toml`:
///
/// ```toml
/// [default.jwt_guard.issuers.auth0]
/// issuer = "https://tenant.example.com/"
/// audience = "https://api.example.com"
/// ```
#[derive(Debug)]
pub struct JwtGuard {
    verifier: Arc<Verifier>,
    local: Option<LocalIssuer>,
    realm: String,
    header_prefix: String,
}

impl JwtGuard {
    /// A `JwtGuard` for `config`, checked; no key is fetched yet. A
    /// built-in issuer without an `issuer` setting is
    /// `http://127.0.0.1:8000`.
    ///
    /// # Errors
    ///
    /// The first bad value of `config`, by its key.
    pub fn from_config(config: Config) -> Result<Self, ConfigError> {
        Self::from_settings(config.settings(LocalDefaults::STANDALONE)?, None)
    }

    /// A `JwtGuard` for checked settings, consulting `revocations`.
    pub(crate) fn from_settings(
        settings: Settings,
        revocations: Option<Arc<dyn RevocationList>>,
    ) -> Result<Self, ConfigError> {
        let verifier = Verifier::from_settings(settings.verifier)?;
        let verifier = match revocations {
            Some(list) => verifier.with_revocations(list),
            None => verifier,
        };
        Ok(Self {
            verifier: Arc::new(verifier),
            local: settings.local.map(LocalIssuer::new),
            realm: settings.realm,
            header_prefix: settings.header_prefix,
        })
    }

    /// The verifier, to check tokens outside a request guard, or to share
    /// with a task that keeps its keys fresh
    /// ([`Verifier::keep_keys_fresh`]).
    pub fn verifier(&self) -> &Arc<Verifier> {
        &self.verifier
    }

    /// The built-in issuer, if `[jwt_guard.local]` is configured (or
    /// [`JwtGuardFairing::login`](crate::JwtGuardFairing::login) enabled it).
    pub fn local_issuer(&self) -> Option<&LocalIssuer> {
        self.local.as_ref()
    }

    /// The bearer token among a request's `Authorization` header values,
    /// not verified yet; `token_in_uri` says whether its query string has
    /// an `access_token`, which is refused (RFC 6750 section 2.3). Its
    /// syntax is checked by [`bearer::check_syntax`].
    pub(crate) fn locate_token<'a>(
        &self,
        authorization: impl Iterator<Item = &'a str>,
        token_in_uri: bool,
    ) -> Result<&'a str, AuthError> {
        bearer::locate(authorization, token_in_uri, &self.header_prefix)
    }

    /// Verifies the bearer token among a request's `Authorization` header
    /// values: what a web framework's integration calls for each request.
    /// `token_in_uri` says whether the request's query string holds an
    /// `access_token`, which is refused (RFC 6750 section 2.3).
    ///
    /// ```
    /// # use jwt_guard::{AuthError, Config, IssuerConfig, JwtGuard};
    /// # let mut config = Config::default();
    /// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
    /// let guard = JwtGuard::from_config(config)?;
    /// # futures_util::FutureExt::now_or_never(async {
    /// let refused = guard.authenticate(["Basic dXNlcjpwYXNz"].into_iter(), false).await;
    /// assert_eq!(refused.unwrap_err(), AuthError::MissingToken);
    /// assert_eq!(guard.challenge(&AuthError::MissingToken).unwrap(), r#"Bearer realm="api""#);
    /// # }).unwrap();
    /// # Ok::<(), jwt_guard::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`AuthError`] to answer with: its status, and the challenge that
    /// [`JwtGuard::challenge`] writes for it.
    pub async fn authenticate<'a>(
        &self,
        authorization: impl Iterator<Item = &'a str>,
        token_in_uri: bool,
    ) -> Result<Token, AuthError> {
        let token = self.locate_token(authorization, token_in_uri)?;
        match self.verifier.cached(token).await {
            Some(verified) => Ok(verified),
            None => self.verifier.verify_fresh(bearer::check_syntax(token)?).await,
        }
    }

    /// The `WWW-Authenticate` challenge to send with `error`, if it has
    /// one, in this app's realm.
    pub fn challenge(&self, error: &AuthError) -> Option<String> {
        error.challenge(&self.realm)
    }

    /// Exchanges a refresh token of the built-in issuer for a new access
    /// token, with the grant the refresh token carries.
    ///
    /// # Errors
    ///
    /// [`RefreshError::Refused`] with the reason when the refresh token is
    /// not acceptable; [`RefreshError::NoIssuer`] when no built-in issuer
    /// is configured; [`RefreshError::Signing`] when the key cannot sign.
    pub async fn refresh(&self, refresh_token: &str) -> Result<IssuedTokens, RefreshError> {
        let issuer = self.local.as_ref().ok_or(RefreshError::NoIssuer)?;
        let verified = self.verifier.verify_refresh(refresh_token).await.map_err(RefreshError::Refused)?;
        let mut tokens = issuer.issue(&LocalIssuer::grant_of(verified.claims()))?;
        tokens.refresh_token = None;
        Ok(tokens)
    }
}

/// Why [`JwtGuard::refresh`] issued no token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The refresh token is not acceptable.
    #[error(transparent)]
    Refused(AuthError),
    /// No built-in issuer is configured.
    #[error("no built-in issuer is configured")]
    NoIssuer,
    /// The built-in issuer's key cannot sign.
    #[error(transparent)]
    Signing(#[from] SigningKeyError),
}
