//! An API that trusts several issuers at once: Auth0 for customers, Entra
//! ID for staff, and the built-in issuer for service accounts, each
//! configured in `multi_issuer/Rocket.toml`. A service account logs in at
//! `POST /auth`, so the example runs without the other two:
//!
//! ```sh
//! cargo run --example multi_issuer
//! TOKEN=$(curl -s -X POST localhost:8000/auth -H 'Content-Type: application/json' \
//!   -d '{"username":"billing","password":"billing-secret"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//! curl -s localhost:8000/whoami -H "Authorization: Bearer $TOKEN"   # billing via local
//! ```

use rocket::figment::Figment;
use rocket::figment::providers::{Env, Format, Toml};
use rocket::{Route, get, launch, routes};

use jwt_guard::{
    JwtGuard, Token,
    issuer::{Grant, StaticUsers},
    protected,
};

/// Customers, from Auth0, with the `read:orders` permission.
#[protected(issuer = "auth0", scope = "read:orders")]
#[get("/orders")]
fn orders(token: Token) -> String {
    format!("orders of {}", token.subject().unwrap_or_default())
}

/// Staff, from Entra ID, with the `Orders.Manage` scope.
#[protected(issuer = "entra", scope = "Orders.Manage")]
#[get("/admin/orders")]
fn manage_orders() -> &'static str {
    "all orders"
}

/// Anyone from any trusted issuer.
#[protected]
#[get("/whoami")]
fn whoami(token: Token) -> String {
    format!("{} via {}", token.subject().unwrap_or_default(), token.issuer())
}

/// Rocket's usual configuration, with this example's Rocket.toml.
fn figment() -> Figment {
    Figment::from(rocket::Config::default())
        .merge(Toml::file(concat!(env!("CARGO_MANIFEST_DIR"), "/multi_issuer/Rocket.toml")).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
}

/// The service accounts, which log in at the built-in issuer.
pub(crate) fn service_accounts() -> StaticUsers {
    StaticUsers::new().user("billing", "billing-secret", Grant::new("billing").scopes(["read:orders"]))
}

/// The API's routes.
pub(crate) fn routes() -> Vec<Route> {
    routes![orders, manage_orders, whoami]
}

#[launch]
fn rocket() -> _ {
    rocket::custom(figment())
        .attach(JwtGuard::fairing().login(service_accounts()))
        .register("/", jwt_guard::catchers())
        .mount("/", routes())
}
