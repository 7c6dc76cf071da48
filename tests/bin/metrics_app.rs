//! The `metrics` example's app, run as a process of its own so that a
//! test can scrape a recorder that no other test records into, with
//! routes of its own where counting a request needs more than the route
//! that answers: a policy's route that forwards what it accepted to
//! another policy's, or to a route without a guard; pages whose refusals
//! the app's own catcher turns into redirects, or a response fairing
//! attached before jwt-guard's into 404s; and a route without a guard that
//! shares its handler's name, method and path with a policy's.
//!
//! Environment: `PORT` (127.0.0.1 only) and `JWT_GUARD`, the app's
//! `jwt_guard` table as JSON.

#[path = "../../examples/metrics/app.rs"]
mod app;

use jwt_guard::protected;
use metrics_exporter_prometheus::PrometheusBuilder;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Request, Response, catch, catchers, get, routes};

fn variable(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

/// A report by number. A request for one by name passes the policy, then
/// is forwarded by the number's parameter to [`report_by_name`].
#[protected(scope = "read")]
#[get("/reports/<number>")]
fn report_by_number(number: u32) -> String {
    format!("report {number}")
}

/// A report by name, for anyone.
#[get("/reports/<name>", rank = 2)]
fn report_by_name(name: &str) -> String {
    format!("the report named {name}")
}

/// A note by number. A request for one by name passes the policy, then
/// is forwarded to [`note_by_name`], whose policy accepts it again.
#[protected(scope = "read")]
#[get("/notes/<number>")]
fn note_by_number(number: u32) -> String {
    format!("note {number}")
}

/// A note by name.
#[protected(scope = "read")]
#[get("/notes/<name>", rank = 2)]
fn note_by_name(name: &str) -> String {
    format!("the note named {name}")
}

/// A page of the app's web part.
#[protected(scope = "read")]
#[get("/web/dashboard")]
fn dashboard() -> &'static str {
    "the dashboard"
}

/// The old version of the web part, for anyone: a handler of the same
/// name, method and path as [`dashboard`], mounted elsewhere.
mod old {
    #[rocket::get("/web/dashboard")]
    pub(crate) fn dashboard() -> &'static str {
        "the old dashboard"
    }
}

/// The hidden part's administration, which a token without the `admin`
/// scope is refused.
#[protected(scope = "admin")]
#[get("/hidden/admin")]
fn hidden_admin() -> &'static str {
    "the administration"
}

/// Answers the hidden part's refusals for want of a scope as if nothing
/// were there: a response fairing attached before jwt-guard's, which sees
/// the status it leaves.
struct HideForbidden;

#[rocket::async_trait]
impl Fairing for HideForbidden {
    fn info(&self) -> Info {
        Info { name: "hide forbidden", kind: Kind::Response }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if request.uri().path().starts_with("/hidden/") && response.status() == Status::Forbidden {
            response.set_status(Status::NotFound);
        }
    }
}

/// The web part sends a refused request to its login page.
#[catch(401)]
fn to_login() -> Redirect {
    Redirect::to("/login")
}

#[rocket::launch]
fn rocket() -> _ {
    let handle = PrometheusBuilder::new().install_recorder().expect("the only recorder");
    let config: serde_json::Value = serde_json::from_str(&variable("JWT_GUARD")).expect("JSON");
    let figment = rocket::Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", variable("PORT").parse::<u16>().expect("a port")))
        .merge(("log_level", "off"))
        .merge(("jwt_guard", config));
    app::app(rocket::custom(figment).attach(HideForbidden), handle)
        .mount("/", routes![report_by_number, report_by_name, note_by_number, note_by_name, dashboard, hidden_admin])
        .mount("/old", routes![old::dashboard])
        .register("/web", catchers![to_login])
}
