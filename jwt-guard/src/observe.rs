//! What operators watch: an [`AuthObserver`] that receives each refusal
//! and each login, refresh, revocation and refresh-token reuse (and each
//! refused login and refresh), for audit logs; and, with the `metrics` feature, counters and histograms on the
//! [`metrics`](https://docs.rs/metrics) facade, for whichever exporter the
//! app installs.
#![doc = include_str!("../docs/observe.md")]

pub(crate) mod metrics;

use std::net::IpAddr;

use crate::error::AuthError;
use crate::store::Revocation;

/// Receives the events of a [`JwtGuard`](crate::JwtGuard), as they happen:
/// plug one in with
/// [`JwtGuardBuilder::observer`](crate::JwtGuardBuilder::observer).
///
/// It is called on the request's task, before the response is sent: keep
/// it quick (hand slow work to a channel). A panic in it is caught and
/// logged (once a minute): the request, or the session's step, goes on.
/// The panic hook still prints each panic, and a build with `panic =
/// "abort"` catches none.
///
/// ```
/// use jwt_guard::JwtGuard;
/// use jwt_guard::observe::{AuthEvent, AuthObserver};
///
/// /// Writes an audit line for each event.
/// struct AuditLog;
///
/// impl AuthObserver for AuditLog {
///     fn observe(&self, event: &AuthEvent<'_>) {
///         match event {
///             AuthEvent::Refused { error, method, path } => {
///                 eprintln!("audit: {method} {path} refused: {}", error.reason())
///             }
///             AuthEvent::RefreshReused { subject } => eprintln!("audit: {subject}: refresh token reused"),
///             other => eprintln!("audit: {other:?}"),
///         }
///     }
/// }
///
/// let rocket = rocket::build().attach(JwtGuard::fairing().observer(AuditLog));
/// ```
pub trait AuthObserver: Send + Sync + 'static {
    /// Called once for each event.
    fn observe(&self, event: &AuthEvent<'_>);
}

impl<T: AuthObserver + ?Sized> AuthObserver for std::sync::Arc<T> {
    fn observe(&self, event: &AuthEvent<'_>) {
        (**self).observe(event);
    }
}

/// Something that happened to a request's authentication or to a session
/// of the built-in issuer.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use jwt_guard::JwtGuard;
/// use jwt_guard::config::LocalIssuerConfig;
/// use jwt_guard::issuer::{Grant, StaticUsers};
/// use jwt_guard::observe::{AuthEvent, AuthObserver};
///
/// /// Keeps an audit line per event.
/// #[derive(Default)]
/// struct Lines(Mutex<Vec<String>>);
///
/// impl AuthObserver for Lines {
///     fn observe(&self, event: &AuthEvent<'_>) {
///         let line = match event {
///             AuthEvent::Login { subject } => format!("login of {subject}"),
///             // The username is the client's text: escaped with `{:?}`.
///             AuthEvent::LoginRefused { username, reason, .. } => format!("login of {username:?} refused: {reason}"),
///             other => format!("{other:?}"),
///         };
///         self.0.lock().unwrap().push(line);
///     }
/// }
///
/// let lines = Arc::new(Lines::default());
/// let users = StaticUsers::new().user("ada", "correct horse", Grant::new("ada"));
/// let guard = JwtGuard::builder()
///     .configure(|config| config.local = Some(LocalIssuerConfig::default()))
///     .login(users)
///     .observer(lines.clone())
///     .build()?;
/// rocket::execute(async {
///     guard.login("ada", "guess", None).await.unwrap_err();
///     guard.login("ada", "correct horse", None).await.unwrap();
/// });
/// assert_eq!(*lines.0.lock().unwrap(), [r#"login of "ada" refused: invalid_credentials"#, "login of ada"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthEvent<'a> {
    /// A request was refused: once per request, with the error its
    /// response tells (its [`AuthError::reason`] is a fixed label).
    Refused {
        /// Why.
        error: &'a AuthError,
        /// The request's method.
        method: &'a str,
        /// The request's path, without its query.
        path: &'a str,
    },
    /// A user logged in at the built-in issuer.
    Login {
        /// The `sub` of the session's tokens.
        subject: &'a str,
    },
    /// A login at the built-in issuer was refused: wrong credentials, too
    /// many failures, or a store that cannot be reached.
    LoginRefused {
        /// The username as the client sent it: the client's text, to be
        /// escaped where it is written.
        username: &'a str,
        /// The client's address, where the login route knows it.
        client: Option<IpAddr>,
        /// Why: [`SessionError::reason`](crate::issuer::SessionError::reason).
        reason: &'static str,
    },
    /// A session of the built-in issuer was refreshed.
    Refreshed {
        /// The `sub` of the session's tokens.
        subject: &'a str,
    },
    /// A refresh was refused, but for a reuse ([`AuthEvent::RefreshReused`]
    /// tells of one): an unknown or ended session, a user the app refuses
    /// now, a refresh without the key or certificate its session is bound
    /// to.
    RefreshRefused {
        /// Why: [`SessionError::reason`](crate::issuer::SessionError::reason).
        reason: &'static str,
    },
    /// A refresh token that had been rotated away came back: its session
    /// is revoked (RFC 9700 section 4.14.2).
    RefreshReused {
        /// The `sub` of the session's tokens.
        subject: &'a str,
    },
    /// A back-channel logout was refused (400): its token or Security
    /// Event Token is not acceptable, or the request is malformed. A forged
    /// logout is one.
    LogoutRefused {
        /// What is wrong: fixed text, holding nothing of the token.
        description: &'static str,
    },
    /// Tokens were revoked, on every instance that shares the store: by
    /// `jti`, by session or by subject, as the record says; by the app,
    /// or by an identity provider's back-channel logout.
    Revoked(&'a Revocation),
}
