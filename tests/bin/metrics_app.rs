//! The `metrics` example's app, run as a process of its own so that a
//! test can scrape a recorder that no other test records into.
//!
//! Environment: `PORT` (127.0.0.1 only) and `JWT_GUARD`, the app's
//! `jwt_guard` table as JSON.

#[path = "../../examples/metrics/app.rs"]
mod app;

use metrics_exporter_prometheus::PrometheusBuilder;

fn variable(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
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
    app::app(figment, handle)
}
