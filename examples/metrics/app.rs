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

/// Tokens with the `read` scope.
#[protected(scope = "read")]
#[get("/reports")]
fn reports() -> &'static str {
    "the reports"
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
        .mount("/", routes![me, reports, metrics])
}
