//! JSON error bodies for the statuses jwt-guard answers with:
//! `{"error": "...", "error_description": "..."}`.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Catcher, Request};
use serde::Serialize;

use crate::error::AuthError;

/// Catchers for 400, 401, 403 and 503 that render the request's
/// [`AuthError`] as JSON.
///
/// ```
/// let rocket = rocket::build().register("/", jwt_guard::catchers());
/// ```
///
/// A `401` for a token that has expired reads:
///
/// ```json
/// {"error": "invalid_token", "error_description": "the token has expired"}
/// ```
///
/// Errors that jwt-guard did not raise get a body of the same shape, with
/// the status's reason as the error. To render errors another way, register
/// your own catchers and read the error with [`AuthError::of`].
pub fn catchers() -> Vec<Catcher> {
    rocket::catchers![jwt_guard_bad_request, jwt_guard_unauthorized, jwt_guard_forbidden, jwt_guard_service_unavailable]
}

/// Whether `catcher` is one of [`catchers`], by its name: each answers
/// with the status it catches.
#[cfg(feature = "metrics")]
pub(super) fn is_own(catcher: &Catcher) -> bool {
    catchers().iter().any(|own| own.name == catcher.name)
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
    error_description: String,
}

fn render(request: &Request<'_>, status: Status) -> (Status, Json<ErrorBody>) {
    let body = match AuthError::of(request).filter(|error| error.status_code() == status.code) {
        Some(error) => ErrorBody { error: error.code().into(), error_description: error.to_string() },
        None => {
            let reason = status.reason().unwrap_or("error");
            ErrorBody {
                error: reason.to_ascii_lowercase().replace(' ', "_"),
                error_description: reason.to_ascii_lowercase(),
            }
        }
    };
    (status, Json(body))
}

#[rocket::catch(400)]
fn jwt_guard_bad_request(request: &Request<'_>) -> (Status, Json<ErrorBody>) {
    render(request, Status::BadRequest)
}

#[rocket::catch(401)]
fn jwt_guard_unauthorized(request: &Request<'_>) -> (Status, Json<ErrorBody>) {
    render(request, Status::Unauthorized)
}

#[rocket::catch(403)]
fn jwt_guard_forbidden(request: &Request<'_>) -> (Status, Json<ErrorBody>) {
    render(request, Status::Forbidden)
}

#[rocket::catch(503)]
fn jwt_guard_service_unavailable(request: &Request<'_>) -> (Status, Json<ErrorBody>) {
    render(request, Status::ServiceUnavailable)
}
