//! The built-in issuer's routes: `POST {auth_path}` (login, as Flask-JWT's
//! `/auth`), `POST {auth_path}/refresh` (RFC 6749 section 6, with
//! rotation), both binding their tokens to a DPoP proof's key or a client
//! certificate when the request presents one, `POST {auth_path}/revoke` (RFC 7009), and its public keys at
//! `/.well-known/jwks.json` and `/.well-known/openid-configuration`.
//! A login's and a refresh's answers, tokens or refusals, are never
//! stored by a cache (RFC 6749 section 5.1).

use std::net::IpAddr;

use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Header, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest};
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use rocket::{Request, Response, Route, State};
use serde_json::{Map, Value, json};

use super::request_guards::client_certificate;
use crate::binding;
use crate::binding::dpop::ProofTarget;
use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::issuer::SessionError;
use crate::issuer::issuing::{Confirmation, IssuedTokens};
use crate::log_limit::LogLimit;

/// The largest request body read.
const MAX_BODY: usize = 16 * 1024;

/// A refused request, as JSON, with `Retry-After` where it applies.
#[derive(Debug)]
struct Refusal {
    status: Status,
    error: &'static str,
    description: String,
    retry_after: Option<u64>,
}

impl Refusal {
    fn bad_request(description: impl Into<String>) -> Self {
        Self {
            status: Status::BadRequest,
            error: "invalid_request",
            description: description.into(),
            retry_after: None,
        }
    }
}

impl From<SessionError> for Refusal {
    fn from(error: SessionError) -> Self {
        let retry_after = error.retry_after().map(|wait| wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        Self {
            status: Status::new(error.status_code()),
            error: error.code(),
            description: error.to_string(),
            retry_after,
        }
    }
}

impl<'r> Responder<'r, 'static> for Refusal {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = Response::build_from(Json(body).respond_to(request)?);
        response.status(self.status);
        if let Some(seconds) = self.retry_after {
            response.header(Header::new("Retry-After", seconds.max(1).to_string()));
        }
        response.ok()
    }
}

impl From<AuthError> for Refusal {
    /// A DPoP proof refused at the token endpoint: 400 (RFC 9449 section
    /// 5), or 503 when the store is down.
    fn from(error: AuthError) -> Self {
        let status = if error.status_code() == 503 { Status::ServiceUnavailable } else { Status::BadRequest };
        let retry_after = (status == Status::ServiceUnavailable).then_some(1);
        Self { status, error: error.code(), description: error.to_string(), retry_after }
    }
}

/// An answer that holds tokens, or refuses to: `Cache-Control: no-store`
/// and `Pragma: no-cache`, as RFC 6749 section 5.1 requires of a token
/// endpoint, so that no shared cache keeps a live refresh token.
struct NoStore<R>(R);

impl<'r, R: Responder<'r, 'static>> Responder<'r, 'static> for NoStore<R> {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.0.respond_to(request)?)
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new("Pragma", "no-cache"))
            .ok()
    }
}

/// What a login or refresh presents to bind its tokens to: the key of a
/// valid DPoP proof for it (which takes precedence), or else the client
/// certificate of its connection. A request guard that never fails: a bad
/// proof is the handler's to refuse.
struct Presented(Result<Option<Confirmation>, AuthError>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Presented {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let Some(guard) = request.rocket().state::<JwtGuard>() else { return Outcome::Success(Self(Ok(None))) };
        let mut proofs = request.headers().get("DPoP").peekable();
        if proofs.peek().is_some() {
            let path = request.uri().path();
            let target = ProofTarget { method: "POST", path: path.as_str(), access_token: None, bound_to: None };
            let checked = guard.dpop().check(proofs, &target, guard.store()).await;
            return Outcome::Success(Self(checked.map(|thumbprint| Some(Confirmation::Dpop(thumbprint)))));
        }
        let certificate = client_certificate(request, guard).await;
        let confirmation = certificate
            .map(|certificate| certificate.map(|der| Confirmation::Certificate(binding::certificate_thumbprint(&der))));
        Outcome::Success(Self(confirmation))
    }
}

/// The address a login is counted under: its connection's, unless the
/// connection is from a proxy that `trusted_proxies` lists, whose
/// `ip_header` (Rocket's setting, `X-Real-IP` by default) then names the
/// client. Rocket's own `IpAddr` guard believes the header from anyone.
/// A trusted proxy's request that names no client (no header, or one that
/// is not a single address) is counted under none, not under the proxy's
/// address: that would be every client's, for one to throttle them all.
struct ClientAddress(Option<IpAddr>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddress {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        // A dual-stack listener sees IPv4 peers as IPv4-mapped IPv6.
        let peer = request.remote().map(|address| address.ip().to_canonical());
        let proxies = request
            .rocket()
            .state::<JwtGuard>()
            .and_then(JwtGuard::local_issuer)
            .map_or(&[][..], |issuer| &issuer.settings().trusted_proxies[..]);
        let from_proxy = peer.is_some_and(|peer| proxies.iter().any(|proxy| proxy.contains(&peer)));
        if !from_proxy {
            return Outcome::Success(Self(peer));
        }
        let named = request.real_ip().map(|ip| ip.to_canonical());
        if named.is_none() {
            static LOGGED: LogLimit = LogLimit::new();
            if let Some(held_back) = LOGGED.allow() {
                log::warn!(
                    "jwt-guard: a login through a trusted proxy names no client address in Rocket's `ip_header`; \
                     it is throttled by account only{held_back}"
                );
            }
        }
        Outcome::Success(Self(named))
    }
}

/// The body's members: a JSON object, or a form (`application/x-www-form-urlencoded`)
/// where `form` allows it, as RFC 6749 and RFC 7009 send them.
async fn body(content_type: Option<&ContentType>, data: Data<'_>, form: bool) -> Result<Map<String, Value>, Refusal> {
    let is_form = form && content_type.is_some_and(|content_type| content_type.is_form());
    if !is_form && !content_type.is_some_and(|content_type| content_type.is_json()) {
        let expected = if form {
            "send the request body as JSON or as a form (`application/x-www-form-urlencoded`)"
        } else {
            "send the credentials as `Content-Type: application/json`"
        };
        return Err(Refusal::bad_request(expected));
    }
    let bytes = data
        .open(MAX_BODY.bytes())
        .into_bytes()
        .await
        .map_err(|_| Refusal::bad_request("the request body could not be read"))?;
    if !bytes.is_complete() {
        return Err(Refusal::bad_request(format!("the request body is larger than {MAX_BODY} bytes")));
    }
    if is_form {
        return Ok(form_urlencoded::parse(&bytes)
            .map(|(name, value)| (name.into_owned(), Value::from(value.into_owned())))
            .collect());
    }
    serde_json::from_slice(&bytes).map_err(|_| Refusal::bad_request("the request body is not a JSON object"))
}

/// A string member of the body.
fn member<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, Refusal> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::bad_request(format!("the body needs a string `{key}`")))
}

/// The built-in issuer's JSON refusal when none is configured.
fn not_found() -> Refusal {
    SessionError::NoIssuer.into()
}

#[rocket::post("/", data = "<data>")]
async fn login(
    content_type: Option<&ContentType>,
    data: Data<'_>,
    client: ClientAddress,
    presented: Presented,
    guard: &State<JwtGuard>,
) -> NoStore<Result<Json<IssuedTokens>, Refusal>> {
    NoStore(
        async {
            let issuer = guard.local_issuer().ok_or_else(not_found)?;
            let confirmation = presented.0?;
            let body = body(content_type, data, false).await?;
            let (username, password) = issuer
                .credentials(&body)
                .map_err(|key| Refusal::bad_request(format!("the body needs a string `{key}`")))?;
            let binding = Confirmation::binding_of(confirmation.as_ref());
            Ok(Json(guard.login_bound(username, password, client.0, binding).await?))
        }
        .await,
    )
}

#[rocket::post("/refresh", data = "<data>")]
async fn refresh(
    content_type: Option<&ContentType>,
    data: Data<'_>,
    presented: Presented,
    guard: &State<JwtGuard>,
) -> NoStore<Result<Json<IssuedTokens>, Refusal>> {
    NoStore(
        async {
            let confirmation = presented.0?;
            let body = body(content_type, data, true).await?;
            // RFC 6749 section 6 asks for it; Flask-JWT's clients send none.
            if body.get("grant_type").is_some_and(|grant| grant.as_str() != Some("refresh_token")) {
                return Err(Refusal {
                    error: "unsupported_grant_type",
                    ..Refusal::bad_request("this endpoint takes `grant_type=refresh_token` only")
                });
            }
            let binding = Confirmation::binding_of(confirmation.as_ref());
            Ok(Json(guard.refresh_bound(member(&body, "refresh_token")?, binding).await?))
        }
        .await,
    )
}

/// RFC 7009: 200 whether or not the token was valid; its body is empty.
#[rocket::post("/revoke", data = "<data>")]
async fn revoke(content_type: Option<&ContentType>, data: Data<'_>, guard: &State<JwtGuard>) -> Result<(), Refusal> {
    let body = body(content_type, data, true).await?;
    let hint = body.get("token_type_hint").and_then(Value::as_str);
    Ok(guard.revoke(member(&body, "token")?, hint).await?)
}

/// The public keys, cacheable for five minutes.
struct Cacheable(Json<Value>);

impl<'r> Responder<'r, 'static> for Cacheable {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.0.respond_to(request)?).header(Header::new("Cache-Control", "max-age=300")).ok()
    }
}

#[rocket::get("/jwks.json")]
fn jwks(guard: &State<JwtGuard>) -> Option<Cacheable> {
    guard.local_issuer().map(|issuer| Cacheable(Json(issuer.jwks())))
}

#[rocket::get("/openid-configuration")]
fn openid_configuration(guard: &State<JwtGuard>) -> Option<Cacheable> {
    guard.local_issuer().map(|issuer| Cacheable(Json(issuer.discovery_document())))
}

/// The session routes, to mount at `auth_path`: login, refresh, and
/// revoke.
pub(crate) fn session_routes() -> Vec<Route> {
    rocket::routes![login, refresh, revoke]
}

/// The key publication routes, to mount at `/.well-known`.
pub(crate) fn well_known_routes() -> Vec<Route> {
    rocket::routes![jwks, openid_configuration]
}
