//! The built-in issuer's sessions, kept in the token store: a login (with
//! failed attempts slowed down) starts a session and a family of refresh
//! tokens; each refresh rotates the refresh token and asks the app about
//! the user again; a retired refresh token that comes back revokes the
//! whole session (RFC 9700 section 4.14.2); logout and revocation follow
//! RFC 7009. These are methods of [`JwtGuard`], which holds the store.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock;
use crate::config::REFRESH_TOKEN_PREFIX;
use crate::digest::sha256_base64url;
use crate::error::AuthError;
use crate::issuer::issuing::{Confirmation, Grant, Issuance, IssuedTokens, LocalIssuer};
use crate::issuer::login::Authenticator;
use crate::issuer::{RefreshRefusal, SessionError};
use crate::keys::signing::{SigningKeyError, random_id};
use crate::log_limit::LogLimit;
use crate::observe::AuthEvent;
use crate::store::{
    FamilyRecord, LoginAttempt, LoginThrottle, Reservation, Revocation, Revoked, Rotation, RotationOutcome, StoreError,
};
use crate::token::{Binding, Token};

use super::JwtGuard;

/// The SHA-256 digest of `text`, base64url: how refresh tokens are stored,
/// and usernames counted.
fn digest(text: &str) -> String {
    sha256_base64url(text.as_bytes())
}

/// What a session keeps of its login: the grant, and what its tokens are
/// bound to. Stored as JSON; sessions stored before bindings existed read
/// as unbound.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SessionGrant {
    #[serde(flatten)]
    grant: Grant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation>,
    /// When the user logged in, which every token of the session states.
    #[serde(default)]
    auth_time: u64,
}

impl SessionGrant {
    fn to_json(&self) -> Result<String, StoreError> {
        serde_json::to_string(self).map_err(|error| StoreError(error.to_string()))
    }

    fn from_json(json: &str) -> Result<Self, StoreError> {
        serde_json::from_str(json).map_err(|error| StoreError(error.to_string()))
    }
}

/// When tokens issued `now` are issued: now, or, where their subject's
/// cutoff `before` is later (everything issued to it before was revoked,
/// in this very second), at the cutoff, once the clock has reached it.
/// Issued at the cutoff, they are not revoked; issued once it has come,
/// they are not from the future either, which a verifier without leeway
/// refuses. Only a cutoff within the next second is waited for: one
/// further ahead is that of an instance whose clock is ahead of this
/// one's, which the leeway is for. One further ahead than a second and
/// `skew_margin` seconds, no instance made: the store's record of it is
/// not believed, and nothing is issued.
async fn issue_time(now: u64, cutoff: Option<u64>, skew_margin: u64) -> Result<u64, SessionError> {
    let Some(before) = cutoff.filter(|&before| before > now) else { return Ok(now) };
    if before - now > 1 + skew_margin {
        static LOGGED: LogLimit = LogLimit::new();
        if let Some(held_back) = LOGGED.allow() {
            log::error!(
                "jwt-guard: the token store revokes a subject's tokens until {}s from now, which no instance \
                 does; no token is issued to it{held_back}",
                before - now
            );
        }
        return Err(SessionError::Unavailable(StoreError("a subject's revocation lies in the future".into())));
    }
    let until = UNIX_EPOCH + Duration::from_secs(before);
    if let Ok(wait) = until.duration_since(SystemTime::now())
        && wait <= Duration::from_secs(1)
    {
        // A millisecond more: the timer does not keep the wall clock's
        // time, which must have reached the cutoff.
        tokio::time::sleep(wait + Duration::from_millis(1)).await;
    }
    Ok(before)
}

/// A refresh token: 256 random bits, after [`REFRESH_TOKEN_PREFIX`].
fn refresh_token() -> Result<String, SigningKeyError> {
    Ok(format!("{REFRESH_TOKEN_PREFIX}{}", random_id(32)?))
}

impl JwtGuard {
    /// The built-in issuer and the app's authenticator, if a login is
    /// configured.
    fn login_parts(&self) -> Result<(&LocalIssuer, &dyn Authenticator), SessionError> {
        match (self.local_issuer(), self.authenticator()) {
            (Some(issuer), Some(authenticator)) => Ok((issuer, authenticator)),
            _ => Err(SessionError::NoIssuer),
        }
    }

    /// Logs a user in with the app's [`Authenticator`](crate::issuer::Authenticator)
    /// and issues an access token, and, when `refresh_expires_in` is
    /// configured, starts a session with a refresh token.
    ///
    /// `client` is the request's address: failed logins are counted for
    /// the username and for the address, in the token store (so a fleet
    /// shares them), and once `login_throttle_after` failures are counted
    /// for either, each further attempt must wait, 1 s then doubling up to
    /// `login_throttle_longest`, before the credentials are even checked.
    ///
    /// The built-in issuer's `POST {auth_path}` route calls it; an app
    /// calls it itself to log users in some other way (a form, another
    /// body):
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::config::LocalIssuerConfig;
    /// use jwt_guard::issuer::{Grant, StaticUsers};
    ///
    /// let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    /// let guard = JwtGuard::builder()
    ///     .configure(|config| {
    ///         let mut local = LocalIssuerConfig::default();
    ///         local.refresh_expires_in = Some(Duration::from_secs(86_400));
    ///         config.local = Some(local);
    ///     })
    ///     .login(users)
    ///     .build()?;
    /// rocket::execute(async {
    ///     let wrong = guard.login("user1", "guess", None).await.unwrap_err();
    ///     assert_eq!((wrong.status_code(), wrong.code()), (401, "invalid_credentials"));
    ///
    ///     let tokens = guard.login("user1", "abcxyz", None).await?;
    ///     let session = tokens.refresh_token.expect("refresh_expires_in is set");
    ///     let next = guard.refresh(&session).await?;
    ///     assert_ne!(next.refresh_token.as_deref(), Some(session.as_str()), "rotated");
    ///     Ok::<(), jwt_guard::issuer::SessionError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidCredentials`], [`SessionError::Throttled`],
    /// and the errors of the store, the issuer and the configuration.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<IssuedTokens, SessionError> {
        self.login_bound(username, password, client, Binding::Bearer).await
    }

    /// Logs a user in as [`JwtGuard::login`] does, binding the session's
    /// tokens as `binding` says: to the key of the DPoP proof, or the
    /// client certificate, that the login presented (the built-in issuer's
    /// route checks them), or to nothing ([`Binding::Bearer`]). Its
    /// refreshes must present the same.
    ///
    /// # Errors
    ///
    /// Those of [`JwtGuard::login`].
    pub async fn login_bound(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
        binding: Binding<'_>,
    ) -> Result<IssuedTokens, SessionError> {
        let logged_in = self.log_in(username, password, client, binding).await;
        if let Err(error) = &logged_in {
            self.observe(&AuthEvent::LoginRefused { username, client, reason: error.reason() });
        }
        logged_in
    }

    /// [`JwtGuard::login_bound`], but for the audit event of a refusal.
    async fn log_in(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
        binding: Binding<'_>,
    ) -> Result<IssuedTokens, SessionError> {
        let confirmation = Confirmation::of(binding);
        let (issuer, authenticator) = self.login_parts()?;
        let throttle = throttle_of(issuer);
        let account = format!("user:{}", digest(&authenticator.throttle_key(username)));
        let address = client.map(|ip| format!("addr:{}", throttled_network(ip)));
        let now = clock::unix_now_secs();
        // Each attempt is counted as a failure before its password is
        // checked, in one atomic step of the store, so that attempts that
        // arrive together cannot all pass a count that none has raised
        // yet. The address first: an address that must wait costs the
        // account nothing, and an account that must wait gives the
        // address its attempt back.
        let address = match address {
            Some(address) => Some((self.reserve_attempt(&address, now, throttle).await?, address)),
            None => None,
        };
        if let Err(refused) = self.reserve_attempt(&account, now, throttle).await {
            if let Some((reservation, address)) = address {
                self.store().release_attempt(&address, reservation, throttle).await?;
            }
            return Err(refused);
        }
        let Some(grant) = authenticator.authenticate(username, password).await else {
            log::debug!("jwt-guard: login refused");
            return Err(SessionError::InvalidCredentials);
        };
        self.store().forget_failures(&account).await?;
        if let Some((reservation, address)) = address {
            self.store().release_attempt(&address, reservation, throttle).await?;
        }
        let issued = self.start_session(issuer, &grant, confirmation, now).await?;
        self.observe(&AuthEvent::Login { subject: &grant.subject });
        Ok(issued)
    }

    /// Reserves one login attempt under `key`, or says how long to wait.
    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<Reservation, SessionError> {
        match self.store().reserve_attempt(key, now, throttle).await? {
            LoginAttempt::Reserved(reservation) => Ok(reservation),
            LoginAttempt::Wait(seconds) => Err(SessionError::Throttled { retry_after: Duration::from_secs(seconds) }),
        }
    }

    /// Issues the tokens of a login: an access token, and a session with a
    /// refresh token when they are enabled.
    async fn start_session(
        &self,
        issuer: &LocalIssuer,
        grant: &Grant,
        confirmation: Option<Confirmation>,
        now: u64,
    ) -> Result<IssuedTokens, SessionError> {
        // A login right after its subject was revoked, in the same second,
        // must not fall under the revocation: it starts at the cutoff.
        let cutoff = self.revocations().subject_revoked_before(&grant.subject);
        let issued_at = issue_time(now, cutoff, self.skew_margin_secs()).await?;
        let issuance = Issuance { issued_at, auth_time: now };
        let Some(lifetime) = issuer.settings().refresh_expires_in else {
            return Ok(issuer.access_tokens(grant, None, issuance, None, confirmation.as_ref())?);
        };
        let stored = SessionGrant { grant: grant.clone(), cnf: confirmation, auth_time: now };
        let family = FamilyRecord {
            id: random_id(16)?,
            subject: grant.subject.clone(),
            grant: stored.to_json()?,
            created_at: issued_at,
            expires_at: issued_at + lifetime.as_secs(),
        };
        let refresh = refresh_token()?;
        self.store().start_family(&family, &digest(&refresh)).await?;
        Ok(issuer.access_tokens(grant, Some(&family.id), issuance, Some(refresh), stored.cnf.as_ref())?)
    }

    /// Exchanges a refresh token for a new access token and a new refresh
    /// token, retiring the presented one. The app's authenticator is asked
    /// about the user again
    /// ([`Authenticator::refresh`](crate::issuer::Authenticator::refresh)).
    ///
    /// A retired refresh token that comes back (after
    /// `refresh_reuse_grace`) revokes its whole session, access tokens
    /// included: it may have been stolen.
    ///
    /// # Errors
    ///
    /// [`SessionError::Refused`] with the reason, and the errors of the
    /// store, the issuer and the configuration.
    pub async fn refresh(&self, refresh_token: &str) -> Result<IssuedTokens, SessionError> {
        self.refresh_bound(refresh_token, Binding::Bearer).await
    }

    /// Refreshes as [`JwtGuard::refresh`] does, for a request that
    /// presented `binding` (a DPoP proof's key, or a client certificate;
    /// [`Binding::Bearer`] for neither): a bound session's refresh must
    /// present the one it is bound to, or the session ends.
    ///
    /// # Errors
    ///
    /// Those of [`JwtGuard::refresh`], and
    /// [`RefreshRefusal::WrongSender`].
    pub async fn refresh_bound(&self, refresh_token: &str, binding: Binding<'_>) -> Result<IssuedTokens, SessionError> {
        let refreshed = self.rotate_session(refresh_token, binding).await;
        match &refreshed {
            // A reuse has an event of its own.
            Err(SessionError::Refused(RefreshRefusal::Reused)) | Ok(_) => {}
            Err(error) => self.observe(&AuthEvent::RefreshRefused { reason: error.reason() }),
        }
        refreshed
    }

    /// [`JwtGuard::refresh_bound`], but for the audit event of a refusal.
    async fn rotate_session(&self, refresh_token: &str, binding: Binding<'_>) -> Result<IssuedTokens, SessionError> {
        let confirmation = Confirmation::of(binding);
        let (issuer, authenticator) = self.login_parts()?;
        let settings = issuer.settings();
        let (now, next) = (clock::unix_now_secs(), self::refresh_token()?);
        let (presented, next_hash) = (digest(refresh_token), digest(&next));
        let grace = settings.refresh_reuse_grace.as_secs();
        let revoked_until = self.session_revoked_until();
        // Read before the rotation, which cannot be taken back: a failure
        // after it would answer 503, and the client's retry with the same
        // token would be taken for a reuse, ending the session.
        let store_revocations = self.revocations_while_lagging(now).await?;
        let idle_timeout = settings.refresh_idle_timeout.map(|timeout| timeout.as_secs());
        let rotation = Rotation { presented: &presented, next: &next_hash, now, grace, revoked_until, idle_timeout };
        let family = match self.store().rotate(&rotation).await? {
            RotationOutcome::Rotated(family) => family,
            RotationOutcome::Reused(family) => {
                log::warn!("jwt-guard: a retired refresh token came back; its session is revoked");
                self.observe(&AuthEvent::RefreshReused { subject: &family.subject });
                self.hold(&Revocation::of_session(&family.id, revoked_until));
                return Err(RefreshRefusal::Reused.into());
            }
            RotationOutcome::Ended(family) => {
                // The session's revocation may have expired, or be missed
                // by this process (its store lost touch): revoked again,
                // where this process does not hold it.
                if !self.revocations().holds_session(&family.id) {
                    self.record(Revocation::of_session(&family.id, revoked_until)).await?;
                }
                return Err(RefreshRefusal::Ended.into());
            }
            RotationOutcome::Unknown => return Err(RefreshRefusal::Unknown.into()),
        };
        let cutoff = self.subject_revoked_before(&family.subject, store_revocations.as_deref());
        if cutoff.is_some_and(|before| family.created_at < before) {
            self.end_session(&family.id).await?;
            return Err(RefreshRefusal::Ended.into());
        }
        let SessionGrant { grant: login, cnf, auth_time } = SessionGrant::from_json(&family.grant)?;
        if cnf.is_some() && cnf != confirmation {
            log::warn!("jwt-guard: a bound refresh token came without its key or certificate; its session is ended");
            self.end_session(&family.id).await?;
            return Err(RefreshRefusal::WrongSender.into());
        }
        // How the user logged in is a fact of the login, which no refresh
        // changes (RFC 9470): the authenticator cannot raise it.
        let login_acr = login.claims.get("acr").cloned();
        let Some(mut grant) = authenticator.refresh(login).await else {
            self.end_session(&family.id).await?;
            return Err(RefreshRefusal::UserRefused.into());
        };
        grant.subject = family.subject;
        match login_acr {
            Some(acr) => grant.claims.insert("acr".into(), acr),
            None => grant.claims.remove("acr"),
        };
        // A session stored before `auth_time` was kept dates from its login.
        let auth_time = if auth_time == 0 { family.created_at } else { auth_time };
        // A session that started at or after its subject's cutoff, refreshed
        // before it, is issued at it, as its login was: not revoked at birth.
        let issued_at = issue_time(now, cutoff, self.skew_margin_secs()).await?;
        let issuance = Issuance { issued_at, auth_time };
        let issued = issuer.access_tokens(&grant, Some(&family.id), issuance, Some(next), cnf.as_ref())?;
        self.observe(&AuthEvent::Refreshed { subject: &grant.subject });
        Ok(issued)
    }

    /// Revokes a token of the built-in issuer, as RFC 7009 does: a refresh
    /// token ends its session (access tokens included); an access token is
    /// revoked by its `jti`. `token_type_hint` (`refresh_token` or
    /// `access_token`) says which to try first. A token that is not the
    /// built-in issuer's, or is not valid, is no error: there is nothing to
    /// revoke.
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{AuthError, JwtGuard, error::TokenProblem};
    /// use jwt_guard::config::LocalIssuerConfig;
    /// use jwt_guard::issuer::{Grant, StaticUsers};
    ///
    /// let users = StaticUsers::new().user("ada", "correct horse", Grant::new("ada"));
    /// let guard = JwtGuard::builder()
    ///     .configure(|config| {
    ///         let mut local = LocalIssuerConfig::default();
    ///         local.refresh_expires_in = Some(Duration::from_secs(86_400));
    ///         config.local = Some(local);
    ///     })
    ///     .login(users)
    ///     .build()?;
    /// rocket::execute(async {
    ///     let tokens = guard.login("ada", "correct horse", None).await?;
    ///     let refresh_token = tokens.refresh_token.expect("a session");
    ///     // Logging out: the session's refresh token, and its access tokens.
    ///     guard.revoke(&refresh_token, Some("refresh_token")).await?;
    ///     assert_eq!(guard.refresh(&refresh_token).await.unwrap_err().code(), "invalid_grant");
    ///     let bearer = format!("Bearer {}", tokens.access_token);
    ///     let refused = guard.authenticate([bearer.as_str()].into_iter(), false).await.unwrap_err();
    ///     assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    ///     // Nothing to revoke is no error (RFC 7009).
    ///     guard.revoke("not a token of ours", None).await?;
    ///     Ok::<(), jwt_guard::issuer::SessionError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::Unavailable`] when the store cannot be reached, or
    /// its revocations are not loaded yet where tokens are refused until
    /// they are (`refuse_until_loaded`).
    pub async fn revoke(&self, token: &str, token_type_hint: Option<&str>) -> Result<(), SessionError> {
        let looks_like_a_jwt = token.bytes().filter(|byte| *byte == b'.').count() == 2;
        let refresh_first = token_type_hint.map_or(!looks_like_a_jwt, |hint| hint != "access_token");
        if refresh_first && self.revoke_refresh_token(token).await? {
            return Ok(());
        }
        match self.verifier().verify_whatever_bound(token).await {
            Ok(verified) if self.issued_here(&verified) => return self.revoke_token(&verified).await,
            // No token can be checked before the revocations are loaded
            // (`refuse_until_loaded`): nor revoked, then; the client retries.
            Err(AuthError::StoreUnavailable) => {
                return Err(StoreError("the revocations are not loaded yet".into()).into());
            }
            _ => {}
        }
        if !refresh_first {
            self.revoke_refresh_token(token).await?;
        }
        Ok(())
    }

    /// Ends the session of a refresh token; whether it had one.
    async fn revoke_refresh_token(&self, token: &str) -> Result<bool, SessionError> {
        let until = self.session_revoked_until();
        match self.store().end_family_of(&digest(token), until).await? {
            Some(family) => {
                self.hold(&Revocation::of_session(&family.id, until));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Revokes one verified token by its `jti`, until it expires, on
    /// every instance that shares the store. An identity provider's token
    /// is revoked by its `iss` and `jti` (`Revoked::IssuerToken`): another
    /// provider's token with the same `jti` is not.
    ///
    /// # Errors
    ///
    /// [`SessionError::NoTokenId`] when the token has no `jti`: it cannot
    /// be revoked alone (revoke its session or its subject);
    /// [`SessionError::Unavailable`] when the store cannot be reached.
    pub async fn revoke_token(&self, token: &Token) -> Result<(), SessionError> {
        let registered = token.registered();
        let jti = registered.jti.ok_or(SessionError::NoTokenId)?.to_owned();
        // An identity provider's `jti` is unique at that provider only; the
        // built-in issuer's are random, and revoked as they always were.
        let revoked = match registered.iss {
            Some(iss) if !self.issued_here(token) => Revoked::IssuerToken { iss: iss.to_owned(), jti },
            _ => Revoked::Token(jti),
        };
        let until = (token.expires_at_seconds().max(0.0) as u64).saturating_add(self.leeway_secs() + 1);
        self.record(Revocation { revoked, until }).await
    }

    /// Whether `token` is the built-in issuer's: by its `iss`, as
    /// revocations of subjects tell (an issuer of the app's may be named
    /// `local` when there is no built-in one).
    fn issued_here(&self, token: &Token) -> bool {
        let iss = token.registered().iss;
        self.local_issuer().is_some_and(|local| iss == Some(local.issuer()))
    }

    /// Ends a session of the built-in issuer, by the `sid` its access
    /// tokens carry: its refresh token is refused from now on, and its
    /// access tokens too, on every instance that shares the store. Another
    /// issuer's tokens that carry the same `sid` are not refused: theirs
    /// is another session, which the identity provider's back-channel
    /// logout ends (see `logout_client_id`), or
    /// [`revoke_issuer_session`](Self::revoke_issuer_session).
    ///
    /// ```
    /// use std::time::Duration;
    /// use jwt_guard::{AuthError, JwtGuard, error::TokenProblem};
    /// use jwt_guard::config::LocalIssuerConfig;
    /// use jwt_guard::issuer::{Grant, StaticUsers};
    ///
    /// let users = StaticUsers::new().user("ada", "correct horse", Grant::new("ada"));
    /// let guard = JwtGuard::builder()
    ///     .configure(|config| {
    ///         let mut local = LocalIssuerConfig::default();
    ///         local.refresh_expires_in = Some(Duration::from_secs(86_400));
    ///         config.local = Some(local);
    ///     })
    ///     .login(users)
    ///     .build()?;
    /// rocket::execute(async {
    ///     let (phone, laptop) = (guard.login("ada", "correct horse", None).await?, guard.login("ada", "correct horse", None).await?);
    ///     // An app's "sign this device out", from the token that the device sent.
    ///     let bearer = |tokens: &jwt_guard::issuer::IssuedTokens| format!("Bearer {}", tokens.access_token);
    ///     let token = guard.authenticate([bearer(&phone).as_str()].into_iter(), false).await.unwrap();
    ///     let sid = token.claim("sid").and_then(|sid| sid.as_str()).expect("a session's token").to_owned();
    ///     guard.revoke_session(&sid).await?;
    ///     let refused = guard.authenticate([bearer(&phone).as_str()].into_iter(), false).await.unwrap_err();
    ///     assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    ///     assert!(guard.refresh(phone.refresh_token.as_deref().unwrap()).await.is_err());
    ///     // The other session goes on.
    ///     assert!(guard.authenticate([bearer(&laptop).as_str()].into_iter(), false).await.is_ok());
    ///     Ok::<(), jwt_guard::issuer::SessionError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::NoIssuer`] without a built-in issuer, whose
    /// sessions alone this ends, and [`SessionError::Unavailable`] when
    /// the store cannot be reached.
    pub async fn revoke_session(&self, sid: &str) -> Result<(), SessionError> {
        self.local_issuer().ok_or(SessionError::NoIssuer)?;
        self.end_session(sid).await
    }

    /// Logs a subject of the built-in issuer out everywhere: every token
    /// issued to it until now, and every session it started, is refused;
    /// logins from now on are not.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use rocket::State;
    /// use rocket::http::Status;
    /// use jwt_guard::{JwtGuard, Token};
    ///
    /// /// "Log out on every device": the caller's own tokens and sessions.
    /// #[post("/logout-everywhere")]
    /// async fn logout_everywhere(token: Token, guard: &State<JwtGuard>) -> Status {
    ///     let Some(subject) = token.subject() else { return Status::BadRequest };
    ///     match guard.revoke_subject(subject).await {
    ///         Ok(()) => Status::NoContent,
    ///         Err(error) => Status::new(error.status_code()), // 503 while the store is away
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::NoIssuer`] without a built-in issuer, and
    /// [`SessionError::Unavailable`] when the store cannot be reached.
    pub async fn revoke_subject(&self, subject: &str) -> Result<(), SessionError> {
        let settings = self.local_issuer().ok_or(SessionError::NoIssuer)?.settings();
        let before = clock::unix_now_secs() + 1;
        let longest = settings.expires_in.max(settings.refresh_expires_in.unwrap_or_default()).as_secs();
        let until = before + longest + self.skew_margin_secs();
        self.record(Revocation { revoked: Revoked::Subject { sub: subject.to_owned(), before }, until }).await
    }

    /// The store's live revocations at `now`, while this process may be
    /// missing what others revoke (its store lost touch); `None` while it
    /// holds them all.
    async fn revocations_while_lagging(&self, now: u64) -> Result<Option<Vec<Revocation>>, SessionError> {
        if !self.revocations().lagging() {
            return Ok(None);
        }
        Ok(Some(self.store().revocations(now).await?))
    }

    /// When everything of `subject` issued before was revoked, if it was:
    /// as this process holds it, or, while it lags, as the
    /// `store_revocations` say, so that a refresh here cannot outlive a
    /// logout everywhere made elsewhere.
    fn subject_revoked_before(&self, subject: &str, store_revocations: Option<&[Revocation]>) -> Option<u64> {
        let Some(live) = store_revocations else { return self.revocations().subject_revoked_before(subject) };
        live.iter()
            .filter_map(|revocation| match &revocation.revoked {
                Revoked::Subject { sub, before } if sub == subject => Some(*before),
                _ => None,
            })
            .max()
    }

    /// Ends the family `sid` and revokes its access tokens, in one step
    /// of the store; held in this process first, as [`record`](Self::record)
    /// holds.
    async fn end_session(&self, sid: &str) -> Result<(), SessionError> {
        let revocation = Revocation::of_session(sid, self.session_revoked_until());
        self.hold(&revocation);
        self.store().end_family(sid, revocation.until).await?;
        Ok(())
    }

    /// Until when a session revoked now is: until the last access token
    /// it may have been issued expires.
    fn session_revoked_until(&self) -> u64 {
        let lifetime = self.local_issuer().map_or(Duration::ZERO, |issuer| issuer.settings().expires_in);
        clock::unix_now_secs() + lifetime.as_secs() + self.skew_margin_secs() + 1
    }

    /// Holds a revocation in this process (the observer told), then
    /// stores it. Held first, it holds here whatever becomes of the
    /// store's write: a caller that stops waiting (a timeout, a client
    /// gone) may drop this future while the write goes on and commits
    /// (SQLite's, on a blocking thread), and a write that fails leaves
    /// this process refusing what the others may still accept until the
    /// caller retries, never the reverse. Where the store finds what is
    /// revoked (a refresh token's session, a reuse), it is held after.
    pub(super) async fn record(&self, revocation: Revocation) -> Result<(), SessionError> {
        self.hold(&revocation);
        self.store().revoke(&revocation).await?;
        Ok(())
    }

    /// Holds a revocation in this process at once, and tells the app's
    /// observer of it.
    fn hold(&self, revocation: &Revocation) {
        self.revocations().apply(revocation);
        self.observe(&AuthEvent::Revoked(revocation));
    }
}

/// The network that failed logins from `ip` are counted under: an IPv4
/// address (one mapped into IPv6 too: a dual-stack listener's), or an
/// IPv6 address's /64, which one client commonly holds whole, and could
/// otherwise walk address by address past the throttle.
fn throttled_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// The built-in issuer's throttle of failed logins. Failures are
/// forgotten after twice the longest wait without one: one who waits out
/// each longest wait keeps waiting it, rather than having the failures
/// forgotten just as the wait ends, and the doubling begun again at 1 s.
fn throttle_of(issuer: &LocalIssuer) -> LoginThrottle {
    let settings = issuer.settings();
    let longest = settings.login_throttle_longest.as_secs();
    LoginThrottle { after: settings.login_throttle_after, longest, forget_after: longest.saturating_mul(2) }
}
