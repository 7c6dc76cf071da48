//! The built-in issuer's routes: `POST {auth_path}` (login, as Flask-JWT's
//! `/auth`), `POST {auth_path}/refresh`, and its public keys at
//! `/.well-known/jwks.json` and `/.well-known/openid-configuration`.

use std::sync::Arc;

use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use rocket::{Request, Response, Route, State};
use serde_json::{Map, Value, json};

use crate::guard::{JwtGuard, RefreshError};
use crate::issuing::{IssuedTokens, LocalIssuer};
use crate::login::Authenticator;
use crate::signing::SigningKeyError;

/// The largest login or refresh body read.
const MAX_BODY: usize = 16 * 1024;

/// What the login routes need besides the built-in issuer.
pub(crate) struct LoginState {
    pub(crate) authenticator: Arc<dyn Authenticator>,
}

/// A refused login or refresh, as JSON.
#[derive(Debug)]
struct LoginError {
    status: Status,
    error: &'static str,
    description: String,
}

impl LoginError {
    fn bad_request(description: impl Into<String>) -> Self {
        Self { status: Status::BadRequest, error: "invalid_request", description: description.into() }
    }
}

impl<'r> Responder<'r, 'static> for LoginError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let body = json!({ "error": self.error, "error_description": self.description });
        Response::build_from(Json(body).respond_to(request)?).status(self.status).ok()
    }
}

/// The JSON object of a login or refresh request.
async fn json_body(content_type: Option<&ContentType>, data: Data<'_>) -> Result<Map<String, Value>, LoginError> {
    if !content_type.is_some_and(|content_type| content_type.is_json()) {
        return Err(LoginError::bad_request("send the credentials as `Content-Type: application/json`"));
    }
    let bytes = data
        .open(MAX_BODY.bytes())
        .into_bytes()
        .await
        .map_err(|_| LoginError::bad_request("the request body could not be read"))?;
    if !bytes.is_complete() {
        return Err(LoginError::bad_request(format!("the request body is larger than {MAX_BODY} bytes")));
    }
    serde_json::from_slice(&bytes).map_err(|_| LoginError::bad_request("the request body is not a JSON object"))
}

/// A string member of the body.
fn member<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, LoginError> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| LoginError::bad_request(format!("the body needs a string `{key}`")))
}

/// The refusal when no built-in issuer is configured.
fn not_found() -> LoginError {
    LoginError { status: Status::NotFound, error: "not_found", description: "no built-in issuer is configured".into() }
}

/// The refusal when the key cannot sign; the reason is logged, not told.
fn signing_failed(error: &SigningKeyError) -> LoginError {
    log::error!("jwt-guard: the local issuer cannot sign: {error}");
    LoginError { status: Status::InternalServerError, error: "server_error", description: "signing failed".into() }
}

#[rocket::post("/", data = "<data>")]
async fn login(
    content_type: Option<&ContentType>,
    data: Data<'_>,
    guard: &State<JwtGuard>,
    login: &State<LoginState>,
) -> Result<Json<IssuedTokens>, LoginError> {
    let issuer = guard.local_issuer().ok_or_else(not_found)?;
    let body = json_body(content_type, data).await?;
    let (username, password) =
        issuer.credentials(&body).map_err(|key| LoginError::bad_request(format!("the body needs a string `{key}`")))?;
    let Some(grant) = login.authenticator.authenticate(username, password).await else {
        log::debug!("jwt-guard: login refused");
        return Err(LoginError {
            status: Status::Unauthorized,
            error: "invalid_credentials",
            description: "the username or password is wrong".into(),
        });
    };
    issuer.issue(&grant).map(Json).map_err(|error| signing_failed(&error))
}

#[rocket::post("/refresh", data = "<data>")]
async fn refresh(
    content_type: Option<&ContentType>,
    data: Data<'_>,
    guard: &State<JwtGuard>,
) -> Result<Json<IssuedTokens>, LoginError> {
    let body = json_body(content_type, data).await?;
    let token = member(&body, "refresh_token")?;
    guard.refresh(token).await.map(Json).map_err(|error| match error {
        RefreshError::Refused(reason) => {
            LoginError { status: Status::Unauthorized, error: "invalid_grant", description: reason.to_string() }
        }
        RefreshError::NoIssuer => not_found(),
        RefreshError::Signing(error) => signing_failed(&error),
    })
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

/// The login routes, to mount at `auth_path`: login, and refresh when
/// refresh tokens are issued.
pub(crate) fn login_routes(issuer: &LocalIssuer) -> Vec<Route> {
    if issuer.issues_refresh_tokens() { rocket::routes![login, refresh] } else { rocket::routes![login] }
}

/// The key publication routes, to mount at `/.well-known`.
pub(crate) fn well_known_routes() -> Vec<Route> {
    rocket::routes![jwks, openid_configuration]
}
