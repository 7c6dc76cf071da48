//! An API with Prometheus metrics and an audit log: jwt-guard records on
//! the `metrics` facade, `metrics-exporter-prometheus` renders at
//! `/metrics`, and an `AuthObserver` writes each refusal and session event
//! to standard error.
//!
//! ```sh
//! cargo run --example metrics
//! curl -s localhost:8000/reports                # refused: missing_token
//! TOKEN=$(curl -s -X POST localhost:8000/auth -H 'Content-Type: application/json' \
//!   -d '{"username":"user1","password":"abcxyz"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//! curl -s localhost:8000/reports -H "Authorization: Bearer $TOKEN"
//! curl -s localhost:8000/metrics | grep jwt_guard
//! ```

mod app;

use metrics_exporter_prometheus::PrometheusBuilder;

#[rocket::launch]
fn rocket() -> _ {
    let handle = PrometheusBuilder::new().install_recorder().expect("no other recorder is installed");
    app::app(rocket::build(), handle)
}
