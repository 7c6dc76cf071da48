//! The app of the `metrics` example, apart from its launch: the test
//! suite runs the same app as a process of its own, with its own
//! configuration, and scrapes it.

use metrics_exporter_prometheus::PrometheusHandle;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::serde::Deserialize;
use rocket::serde::json::Json;
use rocket::{Build, Rocket, State, get, post, routes};

use jwt_guard::{
    Claims, JwtGuard, Token,
    issuer::{Grant, StaticUsers},
    observe::{AuthEvent, AuthObserver},
    protected,
};

/// Any valid token.
#[get("/me")]
fn me(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

/// Tokens with the `read` scope. The policy and the `Token` guard each
/// verify the token; the request is counted once.
#[protected(scope = "read")]
#[get("/reports")]
fn reports(token: Token) -> String {
    format!("the reports of {}", token.subject().unwrap_or_default())
}

/// Anyone; a valid token's subject is greeted by name. A request whose
/// token is refused here is greeted as a stranger, and counted neither as
/// accepted nor as refused.
#[get("/greeting")]
fn greeting(token: Option<Token>) -> String {
    let name = token.as_ref().and_then(Token::subject).unwrap_or("stranger");
    format!("hello, {name}")
}

/// What a greeting by name reads of a token.
#[derive(Deserialize)]
#[serde(crate = "rocket::serde")]
struct Named {
    name: String,
}

/// Anyone; a valid token with a `name` claim is greeted by it. A token
/// without one is refused here too, and counted as nothing.
#[get("/greeting/by-name")]
fn greeting_by_name(claims: Option<Claims<Named>>) -> String {
    let name = claims.as_ref().map_or("stranger", |claims| &claims.name);
    format!("hello, {name}")
}

/// A new report.
#[derive(FromForm, Deserialize)]
#[serde(crate = "rocket::serde")]
struct NewReport {
    title: String,
}

/// A report sent as a form. One sent as JSON is forwarded to
/// [`add_json_report`], after this route's guard accepted its token: it
/// is counted once, on the route that answers it.
#[post("/reports", data = "<report>")]
fn add_form_report(token: Token, report: Form<NewReport>) -> String {
    format!("{} filed {:?} as a form", token.subject().unwrap_or_default(), report.title)
}

/// A report sent as JSON.
#[post("/reports", format = "json", data = "<report>", rank = 2)]
fn add_json_report(token: Token, report: Json<NewReport>) -> String {
    format!("{} filed {:?} as JSON", token.subject().unwrap_or_default(), report.title)
}

/// A report sent as anything else, after the form's route accepted its
/// token and forwarded it: what the API takes.
#[post("/reports", rank = 3)]
fn unsupported_report() -> (Status, &'static str) {
    (Status::UnsupportedMediaType, "send a report as a form or as JSON")
}

/// What Prometheus scrapes.
#[get("/metrics")]
fn metrics(handle: &State<PrometheusHandle>) -> String {
    handle.render()
}

/// An audit log on standard error: one line per refusal and session event.
struct AuditLog;

impl AuthObserver for AuditLog {
    fn observe(&self, event: &AuthEvent<'_>) {
        match event {
            AuthEvent::Refused { error, method, path } => eprintln!("audit: {method} {path}: {}", error.reason()),
            other => eprintln!("audit: {other:?}"),
        }
    }
}

/// The app, built on `rocket`, recording into the Prometheus recorder
/// whose `handle` renders at `/metrics`.
pub(crate) fn app(rocket: Rocket<Build>, handle: PrometheusHandle) -> Rocket<Build> {
    let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    rocket
        .attach(JwtGuard::fairing().login(users).observer(AuditLog))
        .manage(handle)
        .register("/", jwt_guard::catchers())
        .mount(
            "/",
            routes![
                me,
                reports,
                greeting,
                greeting_by_name,
                add_form_report,
                add_json_report,
                unsupported_report,
                metrics
            ],
        )
}
