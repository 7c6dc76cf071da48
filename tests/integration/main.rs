//! Integration tests of jwt-guard: a Rocket app behind its guards, tokens
//! really signed, and keys served by a real JWKS server on 127.0.0.1.

mod algorithms;
mod attacks;
mod config;
mod crash;
mod discovery;
mod dpop;
mod errors;
mod fleet;
mod introspection;
mod key_fetching;
mod local_issuer;
mod logout;
mod mcp;
mod mtls;
mod observe;
mod oidc_interop;
mod openapi;
mod policies;
mod provider_shapes;
mod recovery;
mod rotation;
mod sessions;
mod step_up;
mod tenants;
mod token_cache;
mod validation;

use std::time::{Duration, Instant};

use jwt_guard::JwtGuard;
use jwt_guard::testing::TestIssuer;
use jwt_guard_tests::{KeyServer, TestKey, app, call, issuer_table, quiet_figment, single_issuer};
use rocket::http::ContentType;
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

/// A key server with these keys, and a client of an app that trusts it.
async fn setup(keys: &[TestKey]) -> (KeyServer, Client) {
    let server = KeyServer::start(keys).await;
    let client = Client::tracked(app(single_issuer(&server))).await.expect("the app ignites");
    (server, client)
}

/// A test issuer, and a client of an app with jwt-guard's catchers and
/// `routes` that trusts it.
async fn test_issuer_client(routes: Vec<rocket::Route>) -> (TestIssuer, Client) {
    let issuer = TestIssuer::new();
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes);
    let client = Client::tracked(issuer.attach_to(rocket)).await.expect("the app ignites");
    (issuer, client)
}

/// A client of an app that trusts `server` and refreshes its keys in the
/// background every 0.1 to 0.3 s, but never fetches them for an unknown
/// `kid` (the cooldown is an hour): only the refresh brings changes.
async fn refreshing_client(server: &KeyServer) -> Client {
    let config = json!({
        "refetch_cooldown": 3600,
        "min_refresh": 0.1,
        "max_refresh": 0.3,
        "issuers": { "primary": issuer_table(server) },
    });
    Client::tracked(app(config)).await.expect("the app ignites")
}

/// `Authorization: Bearer {token}`.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Calls `/token` with `authorization` every 50 ms until it is accepted,
/// for at most `patience`; answers how long that took.
async fn until_accepted(client: &Client, authorization: &str, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    let accepted =
        || async { (call(client, "/token", &[authorization]).await.status == 200).then(|| started.elapsed()) };
    jwt_guard_tests::poll_until(patience, accepted).await
}

/// Calls `/token` with `authorization` until it is refused, for at most
/// `patience`; answers the refusal's status and error description, or 200
/// and `null` if it was never refused.
async fn until_refused(client: &Client, authorization: &str, patience: Duration) -> (u16, Value) {
    let refused = || async {
        let response = call(client, "/token", &[authorization]).await;
        (response.status != 200).then(|| (response.status, response.body["error_description"].clone()))
    };
    jwt_guard_tests::poll_until(patience, refused).await.unwrap_or((200, Value::Null))
}

/// POSTs `body` with this content type to `path`; returns status and JSON.
pub(crate) async fn post(client: &Client, path: &str, content_type: ContentType, body: &str) -> (u16, Value) {
    let response = client.post(path).header(content_type).body(body).dispatch().await;
    let status = response.status().code;
    (status, serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null))
}

pub(crate) async fn login(client: &Client, username: &str, password: &str) -> (u16, Value) {
    let body = json!({ "username": username, "password": password }).to_string();
    post(client, "/auth", ContentType::JSON, &body).await
}
