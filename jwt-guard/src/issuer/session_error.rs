//! What can go wrong in a session operation of the built-in issuer
//! (login, refresh, logout, revocation), and what the app answers then.

use std::time::Duration;

use crate::keys::signing::SigningKeyError;
use crate::log_limit::LogLimit;
use crate::observe::metrics::{self, StoreOperation};
use crate::store::StoreError;

/// Why a session operation of [`JwtGuard`](crate::JwtGuard) did not succeed.
///
/// ```
/// use std::time::Duration;
/// use jwt_guard::JwtGuard;
/// use jwt_guard::config::LocalIssuerConfig;
/// use jwt_guard::issuer::{Grant, SessionError, StaticUsers};
///
/// let users = StaticUsers::new().user("ada", "correct horse", Grant::new("ada"));
/// let guard = JwtGuard::builder()
///     .configure(|config| config.local = Some(LocalIssuerConfig::default()))
///     .login(users)
///     .build()?;
/// rocket::execute(async {
///     for _ in 0..5 {
///         assert_eq!(guard.login("ada", "guess", None).await.unwrap_err(), SessionError::InvalidCredentials);
///     }
///     // After five failures (`login_throttle_after`), an attempt must wait
///     // a second after the last failure, then two, four...: 429, with
///     // `Retry-After`. (One made in the next second is counted instead.)
///     let mut attempts = 0;
///     let throttled = loop {
///         attempts += 1;
///         match guard.login("ada", "guess", None).await.unwrap_err() {
///             SessionError::InvalidCredentials if attempts < 4 => continue,
///             refusal => break refusal,
///         }
///     };
///     let SessionError::Throttled { retry_after } = throttled else { panic!("{throttled:?}") };
///     assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(8));
///     assert_eq!((throttled.status_code(), throttled.code()), (429, "too_many_requests"));
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The username or password is wrong: 401 `invalid_credentials`.
    #[error("the username or password is wrong")]
    InvalidCredentials,
    /// Too many failed logins for the username or from the client
    /// address: 429 with `Retry-After`.
    #[error("too many failed logins; retry later")]
    Throttled {
        /// How long to wait before trying again.
        retry_after: Duration,
    },
    /// The refresh token is refused: 400 `invalid_grant` (RFC 6749
    /// section 5.2).
    #[error(transparent)]
    Refused(#[from] RefreshRefusal),
    /// No built-in issuer, or no authenticator, is configured: 404.
    #[error("no built-in issuer with a login is configured")]
    NoIssuer,
    /// The token store cannot be reached: 503 with `Retry-After`. The
    /// store's failure is its [`source`](std::error::Error::source), for
    /// the log, never for the client.
    #[error("the token store cannot be reached; retry later")]
    Unavailable(#[source] StoreError),
    /// The built-in issuer's key cannot sign: 500.
    #[error("the built-in issuer cannot sign")]
    Signing(#[from] SigningKeyError),
    /// The token has no `jti`, so it cannot be revoked alone (revoke its
    /// session or its subject): 400 `unsupported_token_type` (RFC 7009
    /// section 2.2.1).
    #[error("the token has no `jti`: revoke its session or its subject")]
    NoTokenId,
    /// The `iss` given names none of the app's identity providers
    /// (configured, or a tenant that a template admits or the issuer
    /// resolver names), whose sessions and subjects alone
    /// `JwtGuard::revoke_issuer_session` and `revoke_issuer_subject`
    /// revoke (the built-in issuer's are `revoke_session`'s and
    /// `revoke_subject`'s): 404.
    #[error("no identity provider's tokens carry that `iss`")]
    UnknownIssuer,
    /// The app's issuer resolver did not answer within `fetch_timeout`
    /// whether it knows the `iss` given: 503 with `Retry-After`.
    #[error("the issuer resolver did not answer in time; retry later")]
    ResolverTimedOut,
}

impl SessionError {
    /// The HTTP status to answer with.
    ///
    /// ```
    /// use jwt_guard::issuer::SessionError;
    /// use rocket::http::Status;
    /// use rocket::serde::json::{Json, Value, json};
    ///
    /// /// How an app's own login route answers a failed login.
    /// fn refusal(error: &SessionError) -> (Status, Json<Value>) {
    ///     (Status::new(error.status_code()), Json(json!({ "error": error.code() })))
    /// }
    /// assert_eq!(refusal(&SessionError::InvalidCredentials).0, Status::Unauthorized);
    /// assert_eq!(refusal(&SessionError::NoIssuer).0, Status::NotFound);
    /// ```
    pub fn status_code(&self) -> u16 {
        match self {
            Self::InvalidCredentials => 401,
            Self::Refused(_) | Self::NoTokenId => 400,
            Self::Throttled { .. } => 429,
            Self::NoIssuer | Self::UnknownIssuer => 404,
            Self::Unavailable(_) | Self::ResolverTimedOut => 503,
            Self::Signing(_) => 500,
        }
    }

    /// The `error` member of the JSON body.
    ///
    /// ```
    /// use jwt_guard::issuer::{RefreshRefusal, SessionError};
    /// use serde_json::json;
    ///
    /// let error = SessionError::Refused(RefreshRefusal::Reused);
    /// let body = json!({ "error": error.code(), "error_description": error.to_string() });
    /// assert_eq!(body["error"], "invalid_grant");
    /// assert_eq!(body["error_description"], "the refresh token was used before; its session is revoked");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::Throttled { .. } => "too_many_requests",
            Self::Refused(_) => "invalid_grant",
            Self::NoIssuer | Self::UnknownIssuer => "not_found",
            Self::Unavailable(_) | Self::ResolverTimedOut => "temporarily_unavailable",
            Self::Signing(_) => "server_error",
            Self::NoTokenId => "unsupported_token_type",
        }
    }

    /// Why, as a fixed label for audit logs and metrics: finer than
    /// [`code`](Self::code), which RFC 6749 fixes for clients.
    ///
    /// ```
    /// use jwt_guard::issuer::{RefreshRefusal, SessionError};
    ///
    /// let reused = SessionError::Refused(RefreshRefusal::Reused);
    /// assert_eq!((reused.code(), reused.reason()), ("invalid_grant", "refresh_token_reused"));
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::Throttled { .. } => "throttled",
            Self::Refused(RefreshRefusal::Unknown) => "unknown_refresh_token",
            Self::Refused(RefreshRefusal::Reused) => "refresh_token_reused",
            Self::Refused(RefreshRefusal::Ended) => "session_ended",
            Self::Refused(RefreshRefusal::UserRefused) => "user_refused",
            Self::Refused(RefreshRefusal::WrongSender) => "wrong_sender",
            Self::NoIssuer => "no_issuer",
            Self::UnknownIssuer => "unknown_issuer",
            Self::Unavailable(_) => "store_unavailable",
            Self::ResolverTimedOut => "resolver_timed_out",
            Self::Signing(_) => "signing_failed",
            Self::NoTokenId => "no_token_id",
        }
    }

    /// How long the client should wait, for a 429 or a 503.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::issuer::SessionError;
    ///
    /// let throttled = SessionError::Throttled { retry_after: Duration::from_secs(8) };
    /// // What an app's own login route puts in `Retry-After`:
    /// let header = throttled.retry_after().map(|wait| wait.as_secs().to_string());
    /// assert_eq!((throttled.status_code(), header.as_deref()), (429, Some("8")));
    /// assert_eq!(SessionError::InvalidCredentials.retry_after(), None, "retrying the same password won't help");
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after } => Some(*retry_after),
            Self::Unavailable(_) | Self::ResolverTimedOut => Some(Duration::from_secs(1)),
            _ => None,
        }
    }
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        static LOGGED: LogLimit = LogLimit::new();
        if let Some(held_back) = LOGGED.allow() {
            log::error!("jwt-guard: {error}{held_back}");
        }
        metrics::store_error(StoreOperation::Sessions);
        Self::Unavailable(error)
    }
}

/// Why a refresh token is refused.
///
/// ```
/// use jwt_guard::issuer::{RefreshRefusal, SessionError};
/// # use std::time::Duration;
/// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::{Grant, StaticUsers}};
/// # let guard = JwtGuard::builder()
/// #     .configure(|config| {
/// #         let mut local = LocalIssuerConfig::default();
/// #         local.refresh_expires_in = Some(Duration::from_secs(86_400));
/// #         config.local = Some(local);
/// #     })
/// #     .login(StaticUsers::new().user("ada", "secret", Grant::new("ada")))
/// #     .build()
/// #     .unwrap();
/// # rocket::async_test(async {
/// let first = guard.login("ada", "secret", None).await.unwrap().refresh_token.unwrap();
/// let second = guard.refresh(&first).await.unwrap().refresh_token.unwrap();
/// // `first` was exchanged already: a copy of it may have been stolen, so the session ends.
/// assert_eq!(guard.refresh(&first).await.unwrap_err(), SessionError::Refused(RefreshRefusal::Reused));
/// assert_eq!(guard.refresh(&second).await.unwrap_err(), SessionError::Refused(RefreshRefusal::Ended));
/// assert_eq!(guard.refresh("made-up").await.unwrap_err(), SessionError::Refused(RefreshRefusal::Unknown));
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshRefusal {
    /// No live session issued it: it is made up, or its session expired.
    #[error("the refresh token is not valid or has expired")]
    Unknown,
    /// It was exchanged before: it may have been stolen, so its session is
    /// revoked, access tokens included.
    #[error("the refresh token was used before; its session is revoked")]
    Reused,
    /// Its session ended: logout, revocation, or an earlier reuse.
    #[error("the refresh token's session has ended")]
    Ended,
    /// The app's authenticator refuses the user now.
    #[error("the user may no longer refresh this session")]
    UserRefused,
    /// The session is bound to a DPoP key or a client certificate that the
    /// refresh did not present; the session is ended, as its refresh token
    /// may have been stolen.
    #[error("the refresh token is bound to a key or certificate that this request did not present")]
    WrongSender,
}
