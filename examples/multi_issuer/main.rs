//! An API that trusts several issuers at once: Auth0 for customers, Entra
//! ID for staff, and the built-in issuer for service accounts, each
//! configured in `multi_issuer/Rocket.toml`.
//!
//! ```sh
//! cargo run --example multi_issuer
//! ```

use rocket::figment::Figment;
use rocket::figment::providers::{Env, Format, Toml};
use rocket::{get, launch, routes};

use jwt_guard::{JwtGuard, Token, protected};

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

#[launch]
fn rocket() -> _ {
    rocket::custom(figment())
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![orders, manage_orders, whoami])
}
