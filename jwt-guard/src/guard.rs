//! [`JwtGuard`]: what an app holds to authenticate requests, whatever its
//! web framework: the verifier, the built-in issuer and its authenticator,
//! the token store and the revocations it holds, and the settings of its
//! challenges, all built from one checked configuration by the builder
//! (`builder.rs`). The Rocket wing manages it as state. Its methods for
//! the built-in issuer's sessions are in `guard/sessions.rs`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use serde_json::Value;

use crate::backoff::Backoff;
use crate::binding::dpop::DpopVerifier;
use crate::binding::{self, RequestCredentials, RequestLine};
use crate::clock;
use crate::config::{CertificateHeader, DpopMode, Settings, StoreSettings};
use crate::description::{ApiDescription, BindingDescription};
use crate::error::{AuthError, ConfigError};
use crate::issuer::issuing::{LocalIssuer, SessionsServed};
use crate::issuer::login::Authenticator;
use crate::log_limit::LogLimit;
#[cfg(feature = "rocket")]
use crate::logout::{Delivery, LogoutError, Receiver};
use crate::observe::metrics::{self, StoreOperation};
use crate::observe::{AuthEvent, AuthObserver};
use crate::request::bearer::{self, Scheme};
use crate::request::challenge::Challenge;
use crate::store::revocations::Revocations;
use crate::store::{RevocationFeed, StoreError, TokenStore};
use crate::token::Token;
use crate::verify::revocation::RevocationList;
use crate::verify::{IssuerResolver, Verifier};

mod provider_revocations;
mod sessions;

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
///
/// A handler reaches it as Rocket's managed state, `&State<JwtGuard>`, to
/// log users in, refresh and revoke:
///
/// ```rust,no_run
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, Token};
/// use rocket::State;
/// use rocket::http::Status;
///
/// /// Signs the caller out: its token is refused from now on, on every
/// /// instance that shares the store.
/// #[post("/logout")]
/// async fn logout(guard: &State<JwtGuard>, token: Token) -> Status {
///     match guard.revoke_token(&token).await {
///         Ok(()) => Status::NoContent,
///         Err(error) => Status::from_code(error.status_code()).unwrap_or(Status::InternalServerError),
///     }
/// }
/// ```
pub struct JwtGuard {
    verifier: Arc<Verifier>,
    local: Option<LocalIssuer>,
    authenticator: Option<Arc<dyn Authenticator>>,
    store: Arc<dyn TokenStore>,
    /// The revocations held by this process, which the verifier checks.
    revocations: Arc<Revocations>,
    /// Whether the store's revocations have been loaded into them.
    revocations_loaded: Arc<AtomicBool>,
    leeway: Duration,
    /// What the API says of itself.
    description: ApiDescription,
    /// Checks DPoP proofs.
    dpop: DpopVerifier,
    /// Which schemes some issuer's tokens may come with.
    schemes: AcceptedSchemes,
    /// The request header that carries client certificates, if trusted
    /// (the Rocket wing reads it).
    #[cfg_attr(not(feature = "rocket"), allow(dead_code, reason = "read by the Rocket wing"))]
    certificate_header: Option<CertificateHeader>,
    realm: String,
    header_prefix: String,
    /// The app's observer of events, if it plugged one in.
    observer: Option<Arc<dyn AuthObserver>>,
    /// Where back-channel logouts are received, if some issuer sends them.
    #[cfg_attr(not(feature = "rocket"), allow(dead_code, reason = "read by the Rocket wing"))]
    logout_path: Option<String>,
}

/// What an app plugs into its guard: the authenticator of the built-in
/// issuer's logins, its own revocation list, a resolver of issuers, an
/// observer, and a token store of its own.
#[derive(Default, Clone)]
pub(crate) struct AppHooks {
    pub(crate) authenticator: Option<Arc<dyn Authenticator>>,
    pub(crate) store: Option<Arc<dyn TokenStore>>,
    pub(crate) revocations: Option<Arc<dyn RevocationList>>,
    pub(crate) resolver: Option<Arc<dyn IssuerResolver>>,
    pub(crate) observer: Option<Arc<dyn AuthObserver>>,
}

/// Which schemes some issuer's tokens may come with, for challenges.
#[derive(Debug, Clone, Copy)]
struct AcceptedSchemes {
    bearer: bool,
    dpop: bool,
}

impl std::fmt::Debug for JwtGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtGuard")
            .field("verifier", &self.verifier)
            .field("local", &self.local)
            .field("authenticator", &self.authenticator.is_some())
            .field("revocations", &self.revocations)
            .finish_non_exhaustive()
    }
}

/// Runs the loop of the upkeep that `start` starts, for as long as the
/// future runs. One that panics (in an app's store, say) is logged, has
/// `on_panic` called, and is started again after a backoff (1 s, doubling
/// with each panic to 8 s, never reset), rather than ending in silence
/// and taking the rest of the upkeep with it.
async fn supervised<F: Future<Output = ()>>(what: &str, start: impl Fn() -> F, on_panic: impl Fn()) {
    let mut backoff = Backoff::default();
    while AssertUnwindSafe(start()).catch_unwind().await.is_err() {
        on_panic();
        backoff.failed(Instant::now());
        let wait = backoff.retry_after(Instant::now());
        log::error!("jwt-guard: {what} panicked; started again in {wait:?}");
        tokio::time::sleep(wait).await;
    }
}

/// Loads the revocations that `store` holds into `revocations`, and notes
/// in `loaded` that they are.
async fn load_revocations(
    store: &dyn TokenStore,
    revocations: &Arc<Revocations>,
    loaded: &AtomicBool,
) -> Result<(), StoreError> {
    let live = store.revocations(clock::unix_now_secs()).await.inspect_err(|_| {
        metrics::store_error(StoreOperation::LoadRevocations);
        revocations.lost_touch();
    })?;
    RevocationFeed::new(Arc::clone(revocations)).reload(&live);
    loaded.store(true, Ordering::Release);
    Ok(())
}

/// How often expired state is swept out of the store and this process.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

impl JwtGuard {
    /// A `JwtGuard` for checked settings, with what the app plugs in
    /// (`hooks`); opens the store.
    pub(crate) fn from_settings(settings: Settings, hooks: AppHooks) -> Result<Self, ConfigError> {
        let own_store = hooks.store.is_some();
        let store = match hooks.store {
            Some(store) => store,
            None => settings.store.open()?,
        };
        let sessions =
            hooks.authenticator.is_some().then_some(SessionsServed { dpop_algorithms: settings.dpop.algorithms });
        let local = settings.local.map(|local| LocalIssuer::new(local, sessions));
        let issued_here = local.as_ref().map(|issuer| issuer.issuer().to_owned());
        let revocations = Arc::new(Revocations::new(issued_here, settings.refuse_until_loaded));
        let leeway = settings.verifier.leeway;
        // The issuers that a resolver finds may take either scheme.
        let resolved = hooks.resolver.as_ref().map(|_| DpopMode::Allowed);
        let modes = || settings.verifier.issuers.iter().map(|issuer| issuer.dpop).chain(resolved);
        let schemes = AcceptedSchemes {
            bearer: modes().any(|mode| mode != DpopMode::Required),
            dpop: modes().any(|mode| mode != DpopMode::Off),
        };
        if schemes.dpop && !own_store {
            warn_of_local_replay_window(&settings.store, modes().any(|mode| mode == DpopMode::Required));
        }
        let binding = BindingDescription {
            dpop_algorithms: schemes.dpop.then_some(settings.dpop.algorithms),
            dpop_required: !schemes.bearer,
            certificates: settings.client_certificates,
        };
        let description = ApiDescription::new(settings.resource, &settings.verifier.issuers, binding);
        let dpop = DpopVerifier::new(&settings.dpop, leeway.as_secs_f64());
        let verifier = Verifier::from_settings(settings.verifier, Arc::clone(&revocations))?;
        let verifier = match hooks.revocations {
            Some(list) => verifier.with_shared_revocations(list),
            None => verifier,
        };
        let verifier = match hooks.resolver {
            Some(resolver) => verifier.with_shared_resolver(resolver)?,
            None => verifier,
        };
        Ok(Self {
            verifier: Arc::new(verifier),
            local,
            authenticator: hooks.authenticator,
            store,
            revocations,
            revocations_loaded: Arc::new(AtomicBool::new(false)),
            leeway,
            description,
            dpop,
            schemes,
            certificate_header: settings.certificate_header,
            realm: settings.realm,
            header_prefix: settings.header_prefix,
            observer: hooks.observer,
            logout_path: settings.logout_path,
        })
    }

    /// Tells the app's observer of `event`, if it has one. An observer
    /// that panics is logged (once a minute), and the request, or the
    /// session's step, goes on.
    pub(crate) fn observe(&self, event: &AuthEvent<'_>) {
        static LOGGED: LogLimit = LogLimit::new();
        if let Some(observer) = &self.observer
            && std::panic::catch_unwind(AssertUnwindSafe(|| observer.observe(event))).is_err()
            && let Some(held_back) = LOGGED.allow()
        {
            log::error!("jwt-guard: the app's `AuthObserver` panicked{held_back}");
        }
    }

    /// Loads the revocations that the token store holds, so that they
    /// apply from the first request. The fairing calls it at ignite.
    ///
    /// ```
    /// use jwt_guard::{AuthError, issuer::Grant};
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let guard = JwtGuard::builder()
    /// #     .configure(|config| {
    /// #         config.local = Some(LocalIssuerConfig::default());
    /// #         config.store.refuse_until_loaded = true;
    /// #     })
    /// #     .build()?;
    ///
    /// // With `[jwt_guard.store] refuse_until_loaded = true`:
    /// let token = guard.local_issuer().unwrap().issue(&Grant::new("ada"))?.access_token;
    /// rocket::execute(async {
    ///     let refused = guard.verifier().verify(&token).await.unwrap_err();
    ///     assert_eq!(refused, AuthError::StoreUnavailable, "a 503 until they are loaded");
    ///     guard.load_revocations().await?;
    ///     assert!(guard.verifier().verify(&token).await.is_ok());
    ///     Ok::<(), jwt_guard::store::StoreError>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The store cannot be reached. Requests are still served, checked
    /// against the revocations held (none yet), or, with `[jwt_guard.store]
    /// refuse_until_loaded`, refused with 503 until they are loaded; and
    /// [`JwtGuard::upkeep`] tries again, backing off from 1 s to 8 s as key
    /// fetches do, until the store answers.
    pub async fn load_revocations(&self) -> Result<(), StoreError> {
        load_revocations(&*self.store, &self.revocations, &self.revocations_loaded).await
    }

    /// What keeps this guard's state fresh, for as long as the future
    /// runs: remote issuers' keys fetched when due, the revocations that
    /// other instances make (with a shared store), and expired state swept
    /// out of the store and this process every minute. The fairing spawns
    /// it at liftoff and stops it at shutdown.
    ///
    /// Outside Rocket, an app spawns it for as long as it serves:
    ///
    /// ```
    /// use jwt_guard::JwtGuard;
    /// # async fn serve(_: &JwtGuard) {}
    ///
    /// async fn run(guard: JwtGuard) {
    ///     if let Err(error) = guard.load_revocations().await {
    ///         eprintln!("loaded by the upkeep once the store answers: {error}");
    ///     }
    ///     // It holds what it needs: spawned, it runs beside the server.
    ///     let upkeep = tokio::spawn(guard.upkeep());
    ///     serve(&guard).await;
    ///     upkeep.abort();
    /// }
    /// # let local = jwt_guard::config::LocalIssuerConfig::default();
    /// # let guard = JwtGuard::builder().configure(move |config| config.local = Some(local.clone())).build()?;
    /// # rocket::execute(run(guard));
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn upkeep(&self) -> impl Future<Output = ()> + Send + 'static {
        let (verifier, store, revocations) =
            (Arc::clone(&self.verifier), Arc::clone(&self.store), Arc::clone(&self.revocations));
        let loaded = Arc::clone(&self.revocations_loaded);
        let leeway = self.leeway_secs();
        async move {
            let (verifier, store, revocations, loaded) = (&*verifier, &*store, &revocations, &*loaded);
            let sweep = move || async move {
                loop {
                    tokio::time::sleep(SWEEP_INTERVAL).await;
                    let now = clock::unix_now_secs();
                    // Swept a leeway late: a shared store keeps what an
                    // instance whose clock is behind this one's still needs.
                    if let Err(error) = store.sweep(now.saturating_sub(leeway)).await {
                        log::error!("jwt-guard: sweeping the token store: {error}");
                    }
                    revocations.sweep(now);
                }
            };
            // Loaded first, then followed: a load after the feed reported
            // it lost touch would take this process for up to date.
            let follow = move || async move {
                let (mut backoff, failures_logged) = (Backoff::default(), LogLimit::new());
                while !loaded.load(Ordering::Acquire) {
                    tokio::time::sleep(backoff.retry_after(Instant::now())).await;
                    if let Err(error) = load_revocations(store, revocations, loaded).await {
                        if let Some(held_back) = failures_logged.allow() {
                            log::error!("jwt-guard: loading the revocations, again: {error}{held_back}");
                        }
                        backoff.failed(Instant::now());
                    }
                }
                store.follow(RevocationFeed::new(Arc::clone(revocations))).await;
            };
            futures_util::future::join3(
                supervised("keeping the keys fresh", move || verifier.keep_keys_fresh(), || {}),
                // A follower that panicked may have missed revocations: until
                // its next reload, refreshes ask the store.
                supervised("following the revocations", follow, || revocations.lost_touch()),
                supervised("sweeping the token store", sweep, || {}),
            )
            .await;
        }
    }

    /// The verifier, to check tokens outside a request guard, or to share
    /// with a task that keeps its keys fresh
    /// ([`Verifier::keep_keys_fresh`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use jwt_guard::issuer::Grant;
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig};
    /// # let local = LocalIssuerConfig::default();
    /// # let guard = JwtGuard::builder().configure(move |config| config.local = Some(local.clone())).build()?;
    /// # let token = guard.local_issuer().unwrap().issue(&Grant::new("ada"))?.access_token;
    ///
    /// // A worker that checks the tokens of queued jobs, beside the web server.
    /// let verifier = Arc::clone(guard.verifier());
    /// let worker = std::thread::spawn(move || rocket::execute(verifier.verify(&token)));
    /// let job_token = worker.join().unwrap()?;
    /// assert_eq!(job_token.subject(), Some("ada"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verifier(&self) -> &Arc<Verifier> {
        &self.verifier
    }

    /// The built-in issuer, if `[jwt_guard.local]` is configured (or
    /// [`JwtGuardBuilder::login`](crate::JwtGuardBuilder::login) enabled it).
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, config::IssuerConfig};
    /// use jwt_guard::issuer::{Grant, StaticUsers};
    ///
    /// let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1"));
    /// let guard = JwtGuard::builder().login(users).build()?;
    /// let issuer = guard.local_issuer().expect("`login` enabled it");
    /// assert_eq!(issuer.issuer(), "http://127.0.0.1:8000", "no `issuer` set, outside Rocket");
    ///
    /// let idp = IssuerConfig::new("https://idp.example.com/", "reports-api");
    /// assert!(JwtGuard::builder().issuer("idp", idp).build()?.local_issuer().is_none());
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn local_issuer(&self) -> Option<&LocalIssuer> {
        self.local.as_ref()
    }

    /// The app's authenticator, if logins are enabled.
    pub(crate) fn authenticator(&self) -> Option<&dyn Authenticator> {
        self.authenticator.as_deref()
    }

    /// Where back-channel logouts are received, if some issuer sends them.
    #[cfg(feature = "rocket")]
    pub(crate) fn logout_path(&self) -> Option<&str> {
        self.logout_path.as_deref()
    }

    /// Verifies a logout `token` delivered as `delivery`, and ends the
    /// issuer's session or subject it names, here and (through the store)
    /// on every instance that shares it.
    #[cfg(feature = "rocket")]
    pub(crate) async fn receive_logout(&self, token: &str, delivery: Delivery) -> Result<(), LogoutError> {
        let receiver = Receiver { verifier: &self.verifier, store: &*self.store, revocations: &self.revocations };
        let revocation = receiver.receive(token, delivery).await?;
        self.observe(&AuthEvent::Revoked(&revocation));
        Ok(())
    }

    /// The token store.
    pub(crate) fn store(&self) -> &dyn TokenStore {
        &*self.store
    }

    /// The revocations held by this process.
    pub(crate) fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// The clock skew allowed, in whole seconds.
    pub(crate) fn leeway_secs(&self) -> u64 {
        self.leeway.as_secs_f64().ceil() as u64
    }

    /// How much longer than a token's lifetime, counted from now by this
    /// process's clock, a revocation of the tokens issued until now is
    /// held: the leeway that verification grants past `exp`, and the
    /// leeway again, which other instances' clocks may be ahead of this
    /// one's by (their tokens' `exp` is that much later, by ours).
    pub(crate) fn skew_margin_secs(&self) -> u64 {
        2 * self.leeway_secs()
    }

    /// The token among a request's `Authorization` header values, not
    /// verified yet, and its scheme; `token_in_uri` says whether its query
    /// string has an `access_token`, which is refused (RFC 6750 section
    /// 2.3). Its syntax is checked by [`bearer::check_syntax`].
    pub(crate) fn locate_token<'a>(
        &self,
        authorization: impl Iterator<Item = &'a str>,
        token_in_uri: bool,
    ) -> Result<(Scheme, &'a str), AuthError> {
        bearer::locate(authorization, token_in_uri, &self.header_prefix)
    }

    /// Verifies the bearer token among a request's `Authorization` header
    /// values. `token_in_uri` says whether the request's query string
    /// holds an `access_token`, which is refused (RFC 6750 section 2.3).
    /// Sender-constrained tokens need what [`JwtGuard::authenticate_request`]
    /// is given, and are refused here.
    ///
    /// ```
    /// # use jwt_guard::{AuthError, JwtGuard, config::{Config, IssuerConfig}};
    /// # let mut config = Config::default();
    /// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
    /// let guard = JwtGuard::from_config(config)?;
    /// # futures_util::FutureExt::now_or_never(async {
    /// let refused = guard.authenticate(["Basic dXNlcjpwYXNz"].into_iter(), false).await;
    /// assert_eq!(refused.unwrap_err(), AuthError::MissingToken);
    /// assert!(guard.challenge(&AuthError::MissingToken).unwrap().starts_with(r#"Bearer realm="api""#));
    /// # }).unwrap();
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
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
        let authorization: Vec<&str> = authorization.collect();
        self.authenticate_request(&RequestCredentials {
            authorization: &authorization,
            token_in_uri,
            ..Default::default()
        })
        .await
    }

    /// Verifies a request's token with all it presents: what a web
    /// framework's integration calls for each request. A DPoP-bound token
    /// needs the `DPoP` scheme and a proof for the request's method and
    /// path; a certificate-bound one, the certificate it is bound to.
    ///
    /// ```
    /// use jwt_guard::binding::RequestCredentials;
    /// use jwt_guard::config::{Config, IssuerConfig};
    /// use jwt_guard::{AuthError, JwtGuard};
    ///
    /// let mut config = Config::default();
    /// config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
    /// let guard = JwtGuard::from_config(config)?;
    ///
    /// // A request of another framework, or of a queue, mapped field by field.
    /// let request = RequestCredentials {
    ///     authorization: &["DPoP not-a-token"],
    ///     dpop: &["not-a-proof"],
    ///     method: "GET",
    ///     path: "/reports",
    ///     ..RequestCredentials::default()
    /// };
    /// let refused = rocket::execute(guard.authenticate_request(&request)).unwrap_err();
    /// assert_eq!((refused.status_code(), refused.code()), (401, "invalid_token"));
    /// let challenge = guard.challenge(&refused).unwrap();
    /// assert!(challenge.contains(r#"DPoP realm="api""#), "{challenge}");
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`AuthError`] to answer with: its status, and the challenge that
    /// [`JwtGuard::challenge`] writes for it.
    pub async fn authenticate_request(&self, request: &RequestCredentials<'_>) -> Result<Token, AuthError> {
        let (scheme, token) = self.locate_token(request.authorization.iter().copied(), request.token_in_uri)?;
        let verified = match self.verifier.cached(token).await {
            Some(verified) => verified,
            None => self.verifier.verify_fresh(bearer::check_syntax(token)?).await?,
        };
        let line = RequestLine { method: request.method, path: request.path };
        let proofs = request.dpop.iter().copied();
        binding::check_dpop(&verified, scheme, proofs, line, &self.dpop, &*self.store).await?;
        let presented = request.client_certificate.map(binding::certificate_thumbprint);
        binding::check_certificate(&verified, presented.as_deref())?;
        Ok(verified)
    }

    /// The `WWW-Authenticate` challenges to send with `error`, if it has
    /// any, in this app's realm: one for each scheme that some issuer's
    /// tokens may come with (`Bearer`, and `DPoP` with its algorithms),
    /// each naming the protected-resource metadata when `resource` is set.
    pub fn challenge(&self, error: &AuthError) -> Option<String> {
        self.route_challenge(error, &[], Scheme::Bearer)
    }

    /// The challenges to send with `error` from a route whose policy needs
    /// `route_scopes` (a 401 names them, so that a client asks for the
    /// right token at once), to a request that used `scheme`.
    pub(crate) fn route_challenge(&self, error: &AuthError, route_scopes: &[&str], scheme: Scheme) -> Option<String> {
        let challenge = Challenge {
            realm: &self.realm,
            bearer_scheme: &self.header_prefix,
            resource_metadata: self.description.metadata_url(),
            bearer: self.schemes.bearer,
            dpop_algs: self.schemes.dpop.then(|| self.dpop.algs()),
            route_scopes,
            scheme,
        };
        challenge.write(error)
    }

    /// The value of a `DPoP-Nonce` header to send, when `[jwt_guard.dpop]`
    /// demands nonces (`nonce = true`): the fairing adds one to every
    /// answer to a request with a DPoP proof.
    ///
    /// ```
    /// use jwt_guard::{AuthError, JwtGuard};
    /// # use jwt_guard::config::{Config, IssuerConfig};
    /// # let mut config = Config::default();
    /// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
    /// # config.dpop.nonce = true;
    /// # let guard = JwtGuard::from_config(config)?;
    ///
    /// /// The headers of a refusal, in another framework's integration.
    /// fn refusal_headers(guard: &JwtGuard, error: &AuthError) -> Vec<(&'static str, String)> {
    ///     let challenge = guard.challenge(error).map(|challenge| ("WWW-Authenticate", challenge));
    ///     let nonce = guard.dpop_nonce().map(|nonce| ("DPoP-Nonce", nonce));
    ///     challenge.into_iter().chain(nonce).collect()
    /// }
    /// // With `[jwt_guard.dpop] nonce = true`:
    /// let headers = refusal_headers(&guard, &AuthError::UseDpopNonce);
    /// assert!(headers[0].1.contains(r#"error="use_dpop_nonce""#), "{headers:?}");
    /// assert_eq!(headers[1].0, "DPoP-Nonce");
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn dpop_nonce(&self) -> Option<String> {
        self.dpop.fresh_nonce()
    }

    /// Checks DPoP proofs.
    #[cfg(feature = "rocket")]
    pub(crate) fn dpop(&self) -> &DpopVerifier {
        &self.dpop
    }

    /// The request header that carries client certificates, if the
    /// configuration trusts one.
    #[cfg(feature = "rocket")]
    pub(crate) fn certificate_header(&self) -> Option<&CertificateHeader> {
        self.certificate_header.as_ref()
    }

    /// The URL of the API's protected-resource metadata, if `resource` is
    /// set.
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, config::{Config, IssuerConfig}};
    ///
    /// let mut config = Config::default();
    /// config.resource = Some("https://api.example.com/v1".into());
    /// config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com", "https://api.example.com/v1"));
    /// let guard = JwtGuard::from_config(config)?;
    /// assert_eq!(
    ///     guard.resource_metadata_url(),
    ///     Some("https://api.example.com/.well-known/oauth-protected-resource/v1")
    /// );
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn resource_metadata_url(&self) -> Option<&str> {
        self.description.metadata_url()
    }

    /// The API's protected-resource metadata (RFC 9728), if `resource` is
    /// set, listing `route_scopes` and the configured `resource_scopes` as
    /// `scopes_supported`. The fairing serves it with the scopes of the
    /// mounted routes' policies.
    ///
    /// ```
    /// use jwt_guard::{JwtGuard, config::{Config, IssuerConfig}};
    /// use serde_json::json;
    ///
    /// let mut config = Config::default();
    /// config.resource = Some("https://api.example.com".into());
    /// config.resource_scopes = vec!["admin".into()];
    /// config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "https://api.example.com"));
    /// let guard = JwtGuard::from_config(config)?;
    /// // Served by another framework at `resource_metadata_url()`, with its routes' scopes:
    /// let metadata = guard.resource_metadata(["reports:read"]).expect("`resource` is set");
    /// assert_eq!(metadata["authorization_servers"], json!(["https://idp.example.com/"]));
    /// assert_eq!(metadata["scopes_supported"], json!(["admin", "reports:read"]));
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn resource_metadata<'s>(&self, route_scopes: impl IntoIterator<Item = &'s str>) -> Option<Value> {
        self.description.metadata(route_scopes)
    }

    /// What the API says of itself, for the Rocket wing to serve.
    #[cfg(feature = "rocket")]
    pub(crate) fn description(&self) -> &ApiDescription {
        &self.description
    }
}

/// Says at launch where DPoP proofs are remembered when no other instance
/// can see them: a proof replayed at an instance that does not share the
/// store is accepted there. A warning where some issuer requires DPoP
/// (proofs are then surely in use), a note otherwise.
fn warn_of_local_replay_window(store: &StoreSettings, dpop_required: bool) {
    let kept = match store {
        StoreSettings::Redis { .. } => return,
        StoreSettings::Memory => "in this process's memory".to_owned(),
        StoreSettings::Sqlite(path) => format!("in the SQLite file `{}`, on this machine", path.display()),
    };
    let level = if dpop_required { log::Level::Warn } else { log::Level::Info };
    log::log!(
        level,
        "jwt-guard: DPoP proofs are remembered {kept} only: with more than one instance, a proof replayed at \
         another is accepted there; set `store.url` to a Redis that every instance shares"
    );
}
