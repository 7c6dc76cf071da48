//! The app of the `metrics` example, apart from its launch: the test
//! suite runs the same app as a process of its own, with its own
//! configuration, and scrapes it.

use metrics_exporter_prometheus::PrometheusHandle;
use rocket::figment::Figment;
use rocket::{Build, Rocket, State, get, routes};

use jwt_guard::{
    JwtGuard, Token,
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

/// The app, configured by `figment`, recording into the Prometheus
/// recorder whose `handle` renders at `/metrics`.
pub(crate) fn app(figment: Figment, handle: PrometheusHandle) -> Rocket<Build> {
    let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    rocket::custom(figment)
        .attach(JwtGuard::fairing().login(users).observer(AuditLog))
        .manage(handle)
        .register("/", jwt_guard::catchers())
        .mount("/", routes![me, reports, greeting, metrics])
}
