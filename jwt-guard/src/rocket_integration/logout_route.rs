//! The route that receives issuers' logouts at `logout_path`: `POST`ed
//! logout tokens (OIDC Back-Channel Logout 1.0 section 2.5, a form with
//! `logout_token`) and pushed Security Event Tokens (RFC 8935,
//! `application/secevent+jwt`). Every answer is `Cache-Control: no-store`,
//! and no refusal holds anything of the token.

use std::io::Cursor;

use rocket::data::ToByteUnit;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::outcome::Outcome;
use rocket::request::Request;
use rocket::response::Response;
use rocket::route::{self, Handler};
use rocket::{Data, Route};
use serde_json::json;

use crate::guard::JwtGuard;
use crate::logout::{Delivery, LogoutError, SetErr};
use crate::observe::AuthEvent;

/// The route at `path`.
pub(super) fn logout_route(path: &str) -> Route {
    Route::new(Method::Post, path, LogoutHandler)
}

#[derive(Clone, Copy)]
struct LogoutHandler;

/// What the body holds beside the token, at most: a form's name and
/// percent-encoding.
const BODY_SLACK: usize = 1024;

#[rocket::async_trait]
impl Handler for LogoutHandler {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let Some(guard) = request.rocket().state::<JwtGuard>() else {
            return Outcome::Forward((data, Status::NotFound));
        };
        let limit = guard.verifier().max_token_bytes().saturating_mul(3).saturating_add(BODY_SLACK);
        let delivery = match request.content_type() {
            Some(kind) if kind.top() == "application" && kind.sub() == "secevent+jwt" => Delivery::SecurityEvent,
            Some(kind) if kind.is_form() => Delivery::LogoutToken,
            _ => {
                return Outcome::Success(refused(
                    guard,
                    Delivery::LogoutToken,
                    bad_request("send a form with `logout_token`, or an `application/secevent+jwt` body"),
                ));
            }
        };
        let body = match data.open(limit.bytes()).into_string().await {
            Ok(body) if body.is_complete() => body.into_inner(),
            Ok(_) => return Outcome::Success(refused(guard, delivery, bad_request("the body is too large"))),
            Err(_) => return Outcome::Success(refused(guard, delivery, bad_request("the body is not UTF-8 text"))),
        };
        let token = match delivery {
            Delivery::SecurityEvent => Some(body.trim().to_owned()),
            Delivery::LogoutToken => logout_token(&body),
        };
        let Some(token) = token else {
            return Outcome::Success(refused(guard, delivery, bad_request("the form must have one `logout_token`")));
        };
        let response = match guard.receive_logout(&token, delivery).await {
            Ok(()) => {
                let status = match delivery {
                    Delivery::LogoutToken => Status::Ok,
                    Delivery::SecurityEvent => Status::Accepted,
                };
                Response::build().status(status).header(no_store()).finalize()
            }
            Err(error) => refused(guard, delivery, error),
        };
        Outcome::Success(response)
    }
}

/// The one `logout_token` of a form body, decoded.
fn logout_token(body: &str) -> Option<String> {
    let mut tokens = form_urlencoded::parse(body.as_bytes()).filter(|(name, _)| name == "logout_token");
    let (_, token) = tokens.next()?;
    (tokens.next().is_none() && !token.is_empty()).then(|| token.into_owned())
}

fn bad_request(description: &'static str) -> LogoutError {
    LogoutError::Invalid { code: SetErr::Request, description }
}

fn no_store() -> Header<'static> {
    Header::new("Cache-Control", "no-store")
}

/// [`refusal`], told to the app's observer where the logout is invalid: a
/// 503 refuses nothing, and its sender retries.
fn refused(guard: &JwtGuard, delivery: Delivery, error: LogoutError) -> Response<'static> {
    if let LogoutError::Invalid { description, .. } = error {
        guard.observe(&AuthEvent::LogoutRefused { description });
    }
    refusal(delivery, error)
}

/// The answer to a refused logout: a 400 with the error as each delivery
/// words it (`error` and `error_description` for a logout token, RFC
/// 8935's `err` and `description` for a SET), or a 503 to retry.
fn refusal(delivery: Delivery, error: LogoutError) -> Response<'static> {
    let (status, body, retry_after) = match error {
        LogoutError::Invalid { code, description } => {
            let body = match delivery {
                Delivery::LogoutToken => json!({ "error": "invalid_request", "error_description": description }),
                Delivery::SecurityEvent => json!({ "err": code.as_str(), "description": description }),
            };
            (Status::BadRequest, body, None)
        }
        LogoutError::Unavailable { retry_after } => {
            let body = json!({ "error": "temporarily_unavailable", "error_description": "try again later" });
            (Status::ServiceUnavailable, body, Some(retry_after))
        }
    };
    let body = body.to_string();
    let mut response = Response::build();
    response.status(status).header(ContentType::JSON).header(no_store()).sized_body(body.len(), Cursor::new(body));
    if let Some(seconds) = retry_after {
        response.header(Header::new("Retry-After", seconds.max(1).to_string()));
    }
    response.finalize()
}
