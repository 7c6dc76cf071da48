//! Integration tests of jwt-guard: a Rocket app behind its guards, tokens
//! really signed, and keys served by a real JWKS server on 127.0.0.1.

mod algorithms;
mod attacks;
mod config;
mod errors;
mod key_fetching;
mod local_issuer;
mod oidc_interop;
mod policies;
mod token_cache;
mod validation;

use jwt_guard_tests::{KeyServer, TestKey, app, single_issuer};
use rocket::local::asynchronous::Client;

/// A key server with these keys, and a client of an app that trusts it.
async fn setup(keys: &[TestKey]) -> (KeyServer, Client) {
    let server = KeyServer::start(keys).await;
    let client = Client::tracked(app(single_issuer(&server))).await.expect("the app ignites");
    (server, client)
}

/// `Authorization: Bearer {token}`.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
