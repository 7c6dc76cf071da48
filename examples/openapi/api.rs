//! The API of the `openapi` example, documented with utoipa: a route that
//! any valid token opens, one behind a scope, one behind a scope or a
//! role, a group behind the built-in issuer and a scope, and one open to
//! all. Its OpenAPI document's security comes from these policies alone;
//! the integration tests validate it and compare it with them.

use jwt_guard::{Token, policy, protect, protected};
use rocket::serde::json::Json;
use rocket::{Route, delete, get, routes};
use serde_json::{Value, json};
use utoipa::OpenApi;

/// The token's subject and scopes.
#[utoipa::path(responses((status = 200, description = "Who the token speaks for")))]
#[protected]
#[get("/profile")]
pub(crate) fn profile(token: Token) -> Json<Value> {
    Json(json!({ "subject": token.subject(), "scopes": token.scopes() }))
}

/// Every report.
#[utoipa::path(responses((status = 200, description = "The reports")))]
#[protected(scope = "reports:read")]
#[get("/reports")]
pub(crate) fn reports() -> Json<Value> {
    Json(json!([{ "id": 1, "title": "Q3" }]))
}

/// Deletes a report: for tokens with `reports:delete`, or administrators.
#[utoipa::path(params(("id" = u32, Path, description = "The report")), responses((status = 204, description = "Deleted")))]
#[protected(any(scope = "reports:delete", claim(role = "admin")))]
#[delete("/reports/<id>")]
pub(crate) fn delete_report(id: u32) {
    let _deleted = id;
}

/// The audit log; `routes()` puts it behind a group's policy.
#[utoipa::path(responses((status = 200, description = "The audit log")))]
#[get("/audit/log")]
pub(crate) fn audit_log() -> Json<Value> {
    Json(json!([]))
}

/// Whether the API is up; open to all.
#[utoipa::path(responses((status = 200, description = "Up")))]
#[get("/health")]
pub(crate) fn health() -> &'static str {
    "ok"
}

/// The API's OpenAPI document, without a word about security.
#[derive(OpenApi)]
#[openapi(info(title = "Reports API"), paths(profile, reports, delete_report, audit_log, health))]
pub(crate) struct ApiDoc;

/// The API's routes, to mount at `/`: the audit log behind the built-in
/// issuer and the `audit` scope, and the OpenAPI document at
/// `/openapi.json`, its security written from the policies.
pub(crate) fn routes() -> Vec<Route> {
    let mut routes = routes![profile, reports, delete_report, health];
    routes.extend(protect(policy!(issuer = "local", scope = "audit"), routes![audit_log]));
    routes.extend(jwt_guard::openapi::routes("/openapi.json", ApiDoc::openapi()));
    routes
}
