//! The request guards: [`Token`] for the verified token and [`Claims`] for
//! its claims as the app's own type. However many guards of a route ask,
//! a request's token is verified once.

use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder};
use rocket::{Ignite, Rocket, Sentinel};
use serde::de::DeserializeOwned;

use super::acceptance;
use crate::binding::{self, RequestLine};
use crate::error::{AuthError, TokenProblem};
use crate::guard::JwtGuard;
use crate::policy::RoutePolicy;
use crate::request::bearer::{self, Scheme};
use crate::token::{Binding, Token};
use crate::verify::Verifier;

/// The outcome of verifying a request's token, cached in the request.
struct Verified(Result<Token, AuthError>);

/// The errors that refused a request, for catchers and the response hook
/// to read the last: the one that failed the request, where an optional
/// guard's refusal (`Option<Token>`) came before it. Each with the scopes
/// that its route's policy needs (none outside a policy), for the
/// challenge of a 401. Guards run one after another, and each error is
/// kept after the one before.
struct RecordedErrors(OnceLock<Box<Recorded>>);

/// An error that refused a request, and the next one, if any.
struct Recorded {
    error: (AuthError, &'static [&'static str]),
    next: OnceLock<Box<Recorded>>,
}

impl RecordedErrors {
    fn last(&self) -> Option<&(AuthError, &'static [&'static str])> {
        let mut recorded = self.0.get()?;
        while let Some(next) = recorded.next.get() {
            recorded = next;
        }
        Some(&recorded.error)
    }

    fn push(&self, error: (AuthError, &'static [&'static str])) {
        let mut slot = &self.0;
        let mut recorded = Box::new(Recorded { error, next: OnceLock::new() });
        while let Err(back) = slot.set(recorded) {
            let Some(taken) = slot.get() else { return };
            (slot, recorded) = (&taken.next, back);
        }
    }
}

impl AuthError {
    /// The error that a jwt-guard guard (or a handler, returning it)
    /// refused this request with, if any:
    /// the last, where several did (an optional guard's, such as an
    /// `Option<Token>`'s, then the one that failed the request).
    ///
    /// Rocket gives catchers no access to a guard's error, so jwt-guard
    /// keeps it in the request. An app that renders errors its own way
    /// registers its own catchers and reads it from there:
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use rocket::Request;
    /// use jwt_guard::AuthError;
    ///
    /// #[catch(401)]
    /// fn unauthorized(request: &Request<'_>) -> String {
    ///     match AuthError::of(request) {
    ///         Some(error) => format!("access denied: {error}"),
    ///         None => "access denied".into(),
    ///     }
    /// }
    ///
    /// let rocket = rocket::build().register("/", catchers![unauthorized]);
    /// ```
    ///
    /// The `WWW-Authenticate` and `Retry-After` headers are added to such a
    /// catcher's response by the fairing.
    pub fn of<'r>(request: &'r Request<'_>) -> Option<&'r AuthError> {
        Self::with_route_scopes(request).map(|(error, _)| error)
    }

    /// The error that refused this request, and the scopes that the
    /// route's policy needs.
    pub(crate) fn with_route_scopes<'r>(request: &'r Request<'_>) -> Option<&'r (AuthError, &'static [&'static str])> {
        request.local_cache(|| RecordedErrors(OnceLock::new())).last()
    }

    /// Keeps the error in the request, for catchers and the response
    /// hook, with the scopes `route_scopes` that the route's policy needs,
    /// and returns the status to answer with.
    pub(crate) fn record(&self, request: &Request<'_>, route_scopes: &'static [&'static str]) -> Status {
        log::debug!("jwt-guard: {} {}: refused: {self}", request.method(), request.uri().path());
        request.local_cache(|| RecordedErrors(OnceLock::new())).push((self.clone(), route_scopes));
        Status::new(self.status_code())
    }

    /// Keeps the error in the request and turns it into a guard failure,
    /// outside any policy.
    pub(crate) fn fail<T>(self, request: &Request<'_>) -> request::Outcome<T, AuthError> {
        Outcome::Error((self.record(request, &[]), self))
    }
}

/// A handler answers with a refusal as a guard does: by the catcher of
/// its status ([`catchers`](crate::catchers) write the RFC 6750 body), with
/// the challenge and `Retry-After` added by the fairing, and counted as a
/// guard's refusal is (feature `metrics`).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{AuthError, Token};
///
/// /// Anonymous requests are welcome; a bad token is refused.
/// #[get("/greeting")]
/// fn greeting(token: Result<Token, AuthError>) -> Result<String, AuthError> {
///     match token {
///         Ok(token) => Ok(format!("hello, {}", token.subject().unwrap_or("you"))),
///         Err(AuthError::MissingToken) => Ok("hello, stranger".into()),
///         Err(refusal) => Err(refusal),
///     }
/// }
/// ```
impl<'r> Responder<'r, 'static> for AuthError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        Err(self.record(request, &[]))
    }
}

/// Verifies the request's token, and that it comes with whatever binds it
/// to its sender.
///
/// However many guards of a route ask, the work is done once: a fresh
/// verification, a cache hit that consults the revocation list, or any
/// token whose binding must be checked (a DPoP proof is good for one
/// check) is kept in the request. A plain hit of the cache of verified
/// tokens, sent as a bearer token, is not: it costs less to look up again
/// than to keep (Rocket's request-local cache allocates a map in each
/// request).
pub(crate) async fn verify(request: &Request<'_>) -> Result<Token, AuthError> {
    let verified = verify_once(request).await;
    if verified.is_ok() {
        acceptance::note_accepted(request);
    }
    verified
}

/// The refusal that the response to `request` is: the error a guard
/// recorded, with the route's scopes, when the response has its status.
/// Every refusal is a 4xx or 5xx: other responses leave the request's
/// local cache untouched.
pub(crate) fn refusal<'r>(
    request: &'r Request<'_>,
    status: Status,
) -> Option<&'r (AuthError, &'static [&'static str])> {
    if status.code < 400 {
        return None;
    }
    AuthError::with_route_scopes(request).filter(|(error, _)| error.status_code() == status.code)
}

/// [`verify`], without the count: for a guard that accepts the token
/// only once it has read more of it.
pub(super) async fn verify_once(request: &Request<'_>) -> Result<Token, AuthError> {
    let Some(guard) = request.rocket().state::<JwtGuard>() else {
        log::error!("jwt-guard: a route needs a token, but `JwtGuard::fairing()` is not attached");
        return Err(AuthError::NotConfigured);
    };
    let token_in_uri = request.query_value::<&str>("access_token").is_some();
    let (scheme, token) = guard.locate_token(request.headers().get("Authorization"), token_in_uri)?;
    let verifier = guard.verifier();
    if scheme == Scheme::Bearer
        && let Some(hit) = verifier.cached_unless_revocable(token)
        && matches!(hit.binding(), Binding::Bearer)
    {
        return binding::check_dpop(&hit, scheme, std::iter::empty(), NO_LINE, guard.dpop(), guard.store())
            .await
            .map(|()| hit);
    }
    if scheme == Scheme::Dpop {
        // For the challenge of a refusal.
        request.local_cache(|| PresentedScheme(Scheme::Dpop));
    }
    let verified = request.local_cache_async(async { Verified(verify_and_bind(request, guard, scheme, token).await) });
    verified.await.0.clone()
}

/// No request line: a bearer token that is bound to nothing needs none.
const NO_LINE: RequestLine<'static> = RequestLine { method: "", path: "" };

/// The scheme that the request's token came with, kept only when it is
/// not the bearer scheme.
pub(crate) struct PresentedScheme(pub(crate) Scheme);

/// Verifies `token`, presented with `scheme`, and its binding.
async fn verify_and_bind(
    request: &Request<'_>,
    guard: &JwtGuard,
    scheme: Scheme,
    token: &str,
) -> Result<Token, AuthError> {
    let verified = verify_bearer(guard.verifier(), token).await?;
    let line = RequestLine { method: request.method().as_str(), path: request.uri().path().as_str() };
    let proofs = request.headers().get("DPoP");
    binding::check_dpop(&verified, scheme, proofs, line, guard.dpop(), guard.store()).await?;
    if verified.certificate_thumbprint().is_some() {
        let presented = client_certificate(request, guard).await?.map(|der| binding::certificate_thumbprint(&der));
        binding::check_certificate(&verified, presented.as_deref())?;
    }
    Ok(verified)
}

/// The DER client certificate of the request: from the header that the
/// configuration trusts (a TLS-terminating proxy's), if the request comes
/// from a proxy it trusts it from, or else from the connection (Rocket's
/// `mtls` feature). Several such headers are refused, as several DPoP
/// proofs are: which one the proxy set cannot be told.
pub(super) async fn client_certificate(request: &Request<'_>, guard: &JwtGuard) -> Result<Option<Vec<u8>>, AuthError> {
    let peer = request.remote().map(|address| address.ip());
    if let Some(header) = guard.certificate_header().filter(|header| header.believed_from(peer)) {
        let mut values = request.headers().get(&header.name);
        let first = values.next();
        if values.next().is_some() {
            return Err(TokenProblem::SeveralCertificates.into());
        }
        return Ok(first.and_then(binding::certificate_from_header));
    }
    Ok(connection_certificate(request).await)
}

#[cfg(feature = "mtls")]
async fn connection_certificate(request: &Request<'_>) -> Option<Vec<u8>> {
    request
        .guard::<rocket::mtls::Certificate<'_>>()
        .await
        .succeeded()
        .map(|certificate| certificate.as_bytes().to_vec())
}

#[cfg(not(feature = "mtls"))]
async fn connection_certificate(_request: &Request<'_>) -> Option<Vec<u8>> {
    None
}

/// Verifies the request's token and evaluates the policy `P` on it.
pub(super) async fn enforce<P: RoutePolicy>(request: &Request<'_>) -> Result<(), AuthError> {
    let token = verify(request).await?;
    P::evaluate(&token).await
}

/// Verifies a bearer token that [`verify`] could not take from the cache
/// of verified tokens by itself: a cached one whose revocation must be
/// asked (without a revocation list, `verify` has looked already), or one
/// to verify afresh. A cached token skips the syntax check as it skips the
/// signature: it passed both before. Others are checked, so that a
/// malformed header is a 400.
async fn verify_bearer(verifier: &Verifier, token: &str) -> Result<Token, AuthError> {
    if let Some(verified) = verifier.cached(token).await {
        return Ok(verified);
    }
    bearer::check_syntax(token)?;
    verifier.verify_fresh(token).await
}

pub(crate) fn fairing_missing(rocket: &Rocket<Ignite>) -> bool {
    let missing = rocket.state::<JwtGuard>().is_none();
    if missing {
        log::error!("jwt-guard: routes need tokens: attach `jwt_guard::JwtGuard::fairing()`");
    }
    missing
}

/// The request's verified bearer token.
///
/// # Outcomes
///
/// - **Success**: the token verified against the issuer its `iss` names.
/// - **Error** `401`: no token, or a token that is not acceptable
///   ([`AuthError::MissingToken`], [`AuthError::InvalidToken`]); for a
///   DPoP-bound token, a missing or bad proof
///   ([`AuthError::InvalidProof`]), or a proof without the server's
///   nonce where nonces are demanded ([`AuthError::UseDpopNonce`]).
/// - **Error** `400`: a malformed `Authorization` header, several of them,
///   or a token in the URI ([`AuthError::InvalidRequest`]).
/// - **Error** `503`: the issuer's keys cannot be fetched right now, nor
///   an opaque token introspected, nor the store of DPoP proofs reached
///   ([`AuthError::KeysUnavailable`],
///   [`AuthError::IntrospectionUnavailable`],
///   [`AuthError::StoreUnavailable`]), or, with `[jwt_guard.store]
///   refuse_until_loaded`, the store's revocations are not loaded yet.
///
/// Every refusal, with its challenge and body, is in [the table of
/// errors](crate::error).
///
/// It never forwards. Use `Result<Token, AuthError>` to handle refusals in
/// the handler. `Option<Token>` serves anonymous requests, but turns every
/// refusal into `None`, an expired or forged token's and a `503`'s alike:
/// a route that serves anonymous requests and refuses bad tokens takes
/// the `Result`, answers `Err(AuthError::MissingToken)` as anonymous, and
/// returns the other refusals: an [`AuthError`] is a responder, answered
/// as the guard's refusal would have been.
///
/// # Example
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::Token;
///
/// #[get("/whoami")]
/// fn whoami(token: Token) -> String {
///     format!("{} via {}", token.subject().unwrap_or("?"), token.issuer())
/// }
/// ```
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Token {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        match verify(request).await {
            Ok(token) => Outcome::Success(token),
            Err(error) => error.fail(request),
        }
    }
}

impl Sentinel for Token {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}

/// The verified token's claims, as the app's own type.
///
/// # Outcomes
///
/// Those of [`Token`], and **Error** `401` `invalid_token` when the claims do
/// not fit `T`; the description names the claim.
///
/// # Example
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::Claims;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct AppClaims {
///     sub: String,
///     #[serde(rename = "https://example.com/roles", default)]
///     roles: Vec<String>,
/// }
///
/// #[get("/roles")]
/// fn roles(claims: Claims<AppClaims>) -> String {
///     format!("{} has roles {:?}", claims.sub, claims.roles)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims<T>(T);

impl<T> Claims<T> {
    /// The claims, out of the guard.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use jwt_guard::Claims;
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Job { sub: String, scope: String }
    ///
    /// /// Takes the claims by value: they go with the job, past the request.
    /// fn enqueue(job: Job) -> String { format!("queued for {} ({})", job.sub, job.scope) }
    ///
    /// #[post("/jobs")]
    /// fn jobs(claims: Claims<Job>) -> String { enqueue(claims.into_inner()) }
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::Grant};
    /// # rocket::async_test(async {
    /// # let fairing = JwtGuard::fairing().configure(|config| config.local = Some(LocalIssuerConfig::default()));
    /// # let rocket = rocket::build().attach(fairing).mount("/", routes![jobs]);
    /// # let client = rocket::local::asynchronous::Client::tracked(rocket).await.unwrap();
    /// # let issuer = client.rocket().state::<JwtGuard>().unwrap().local_issuer().unwrap();
    /// # let token = issuer.issue(&Grant::new("ada").scopes(["reports:write"])).unwrap().access_token;
    /// # let bearer = rocket::http::Header::new("Authorization", format!("Bearer {token}"));
    /// # let response = client.post("/jobs").header(bearer).dispatch().await;
    /// assert_eq!(response.into_string().await.unwrap(), "queued for ada (reports:write)");
    /// # });
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Claims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Claims<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromRequest<'r> for Claims<T> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        // Accepted once its claims are read, not before: a refusal here
        // that an optional guard turns into `None` counts as no acceptance.
        let token = match verify_once(request).await {
            Ok(token) => token,
            Err(error) => return error.fail(request),
        };
        match token.deserialize_claims() {
            Ok(claims) => {
                acceptance::note_accepted(request);
                Outcome::Success(Claims(claims))
            }
            Err(problem) => AuthError::InvalidToken(problem).fail(request),
        }
    }
}

impl<T> Sentinel for Claims<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}
